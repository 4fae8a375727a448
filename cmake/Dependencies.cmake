# Third-party dependencies: Debian packages found by CMake, DuckDB fetched by scripts/bootstrap.sh.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED COMPONENTS core)
find_package(ZLIB REQUIRED)
find_package(fmt REQUIRED)
find_package(CURL REQUIRED)

set(DUCKDB_ROOT "${PROJECT_SOURCE_DIR}/third_party/duckdb" CACHE PATH "DuckDB library and header (scripts/bootstrap.sh)")
if(NOT EXISTS "${DUCKDB_ROOT}/lib/libduckdb.so" OR NOT EXISTS "${DUCKDB_ROOT}/include/duckdb.h")
    message(FATAL_ERROR "DuckDB not found under ${DUCKDB_ROOT}: run scripts/bootstrap.sh (make does this)")
endif()
add_library(DuckDB::duckdb SHARED IMPORTED)
set_target_properties(DuckDB::duckdb PROPERTIES
    IMPORTED_LOCATION "${DUCKDB_ROOT}/lib/libduckdb.so"
    IMPORTED_NO_SONAME ON
    INTERFACE_INCLUDE_DIRECTORIES "${DUCKDB_ROOT}/include")

# Distributed jobs: hiredis (Debian's libhiredis-dev) speaks to Redis Streams; OpenSSL's libcrypto
# names published series by their SHA-256 (content addressing).
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
