#!/usr/bin/env bash
# Builds the libFuzzer targets with clang 16 (ASan + UBSan) in build-fuzz/ and runs each for
# FUZZ_SECONDS (default 60) from the committed seeds in fuzz/corpus/<target>/. New inputs go to
# build-fuzz/corpus/<target>/ (kept between runs, never committed); a crash, a sanitizer report,
# a leak, a timeout or running out of memory fails the run and leaves the input in
# build-fuzz/artifacts/ (replay: build-fuzz/bin/fuzz_<target> <file>).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
build="$root/build-fuzz"

bash "$root/scripts/bootstrap.sh" fuzz
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-16 \
    -DSPARK_FUZZ=ON >/dev/null
cmake --build "$build" --target fuzz_all

mkdir -p "$build/artifacts"
failed=()
for seeds in "$root"/fuzz/corpus/*/; do
    target=$(basename "$seeds")
    corpus="$build/corpus/$target"
    mkdir -p "$corpus"
    echo "fuzz: $target for ${seconds}s"
    # -timeout: one input may take at most 10 s; -rss_limit_mb: the whole process at most 2 GB.
    if ! "$build/bin/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -dict="$root/fuzz/requests.dict" -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1 \
        "$corpus" "$seeds" >"$build/$target.log" 2>&1; then
        failed+=("$target")
        tail -40 "$build/$target.log"
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/$target.log" | tr '\n' ' '
        echo
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]} (inputs in $build/artifacts/)" >&2
    exit 1
fi
echo "fuzz: no findings"
