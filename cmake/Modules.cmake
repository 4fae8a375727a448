# One object library per module (ARCHITECTURE.md). spark_link_modules() links every module's
# objects into a final target: the server, the tests and the benchmarks share them.
set(SPARK_MODULES "" CACHE INTERNAL "")

function(spark_module name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_library(spark_${name} OBJECT ${ARG_SOURCES})
    target_include_directories(spark_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(spark_${name} PUBLIC ${ARG_DEPS})
    set(SPARK_MODULES ${SPARK_MODULES} spark_${name} CACHE INTERNAL "")
endfunction()

function(spark_link_modules target)
    target_link_libraries(${target} PRIVATE ${SPARK_MODULES})
    # The npm-provided libduckdb.so lives in the source tree: point the runtime linker at it.
    # Installed (cmake --install), the binary finds it in the prefix's lib/, relative to itself, so
    # the prefix can be moved or copied whole.
    set_target_properties(${target} PROPERTIES BUILD_RPATH "${DUCKDB_ROOT}/lib" INSTALL_RPATH "$ORIGIN/../lib")
endfunction()
