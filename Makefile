# The two commands a newcomer needs: `make run` and `make test` (each bootstraps and builds).
BUILD_DIR ?= build
# ccache: paths relative to the checkout, so another clone (CI's) reuses the same cache entries.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
PORT ?= 4001
SPARK_DB ?= var/spark.duckdb

.PHONY: bootstrap configure build run test sanitize fuzz bench format clean

bootstrap:
	@bash scripts/bootstrap.sh

configure: bootstrap
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD_DIR)
	@bash scripts/build_web.sh

# Starts the service on 127.0.0.1:$(PORT); the first start imports the bundled sample candles.
run: build
	@mkdir -p $(dir $(SPARK_DB))
	$(BUILD_DIR)/bin/spark-executor serve --port $(PORT) --db $(SPARK_DB) --seed-dir data/sample --web-dir web/dist

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/).
sanitize:
	@bash scripts/sanitize.sh

# Every libFuzzer target for FUZZ_SECONDS each (default 60), clang 16, in build-fuzz/.
fuzz:
	@bash scripts/fuzz.sh

bench: build
	@bash scripts/bench.sh $(BUILD_DIR)

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	@rm -rf $(BUILD_DIR) build-asan build-fuzz
