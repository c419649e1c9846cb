#!/usr/bin/env bash
# Builds every fuzz target, then runs each (or the named ones) for SECONDS seconds.
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Exits non-zero when any target crashes (or fails to build); the crashing input is kept in
# fuzz/artifacts/<target>/ and the log in fuzz/logs/<target>.log. Prints each target's run time
# and execution count.
#
# Toolchain: `nightly` when rustup has one, otherwise the stable toolchain with
# RUSTC_BOOTSTRAP=1 (cargo fuzz needs -Zsanitizer; stable ships the ASan runtime).
# cargo-fuzz is installed from crates.io when missing.
#
# Each run starts from the committed seeds in fuzz/corpus/<target>/ plus whatever earlier runs
# found in fuzz/corpus-generated/<target>/ (not committed), where new inputs are written.
# Extra libFuzzer flags can be given in FUZZ_ARGS, e.g. FUZZ_ARGS="-jobs=2".
set -euo pipefail

usage() {
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
}
[[ $# -ge 1 && $1 =~ ^[0-9]+$ ]] || usage
seconds=$1
shift

cd "$(dirname "$0")"
export CARGO_TERM_COLOR=never

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
    echo "== toolchain: nightly ($(rustc +nightly --version))"
else
    toolchain=()
    export RUSTC_BOOTSTRAP=1
    echo "== toolchain: $(rustc --version) with RUSTC_BOOTSTRAP=1"
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
fi

echo "== building ${#targets[@]} fuzz targets"
build_start=$SECONDS
cargo "${toolchain[@]}" fuzz build
echo "== built in $((SECONDS - build_start)) s"

mkdir -p logs
failed=()
summary=()
for target in "${targets[@]}"; do
    seeds=corpus/$target
    work=corpus-generated/$target
    mkdir -p "$seeds" "$work" "artifacts/$target"
    log=logs/$target.log
    echo "== $target: ${seconds} s"
    start=$SECONDS
    status=0
    # shellcheck disable=SC2086 # FUZZ_ARGS is split on purpose
    cargo "${toolchain[@]}" fuzz run "$target" "$work" "$seeds" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        ${FUZZ_ARGS:-} >"$log" 2>&1 || status=$?
    elapsed=$((SECONDS - start))
    execs=$(grep -ho 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' |
        awk '{ s += $1 } END { print s + 0 }')
    # libFuzzer's own count of the seconds it fuzzed ("Done N runs in S second(s)"); the wall
    # time also includes cargo's up-to-date check and loading the corpus.
    fuzzed=$(grep -ho 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{ s += $5 } END { print s + 0 }')
    if [[ $status -ne 0 ]]; then
        failed+=("$target")
        line="$target: CRASHED after ${elapsed} s and ${execs} execs (exit $status), see fuzz/$log"
        grep -E 'panicked|ERROR: |SUMMARY|Test unit written' "$log" | head -n 8 | sed 's/^/    /' || true
        # The input itself, so that a crash on a machine that is gone (CI's) can be replayed
        # from its log alone: see "When CI's fuzzing fails" in fuzz/README.md.
        for unit in $(grep -ho 'Test unit written to [^ ]*' "$log" | awk '{ print $5 }'); do
            [[ -f $unit ]] || continue
            size=$(wc -c <"$unit")
            if [[ $size -le 65536 ]]; then
                echo "    input ($size bytes, base64; $target): $(base64 -w0 "$unit")"
            else
                echo "    input ($size bytes) too large to print: $unit"
            fi
        done
    else
        line="$target: ok, fuzzed ${fuzzed} s (${elapsed} s wall), ${execs} execs"
    fi
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "== crashed: ${failed[*]}"
    exit 1
fi
