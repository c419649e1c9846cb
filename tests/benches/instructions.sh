#!/usr/bin/env bash
# Instruction counts of the core benchmarks (core/benches/wire.rs), next to their floors.
#
# What it does: builds core/benches/instructions.rs in the bench profile (the same bodies and
# floors as the criterion bench wire.rs, shared through core/benches/common/mod.rs), then runs
# every benchmark under valgrind (cachegrind, no cache simulation: it only counts the
# instructions executed) twice, with N and 2N iterations. The difference of the two counts,
# divided by N, is the cost of one iteration: the process start and the fixtures' setup are the
# same in both runs and cancel out. It prints a markdown table: benchmark, instructions per
# iteration, its floor, the floor's instructions, the ratio.
#
# Unlike criterion's times, these counts do not depend on how busy the machine is: valgrind runs
# the program on a synthetic CPU and counts, so the same binary gives the same numbers on every
# run (to a fraction of an instruction per iteration).
#
# Usage (from anywhere in the repository; needs valgrind, e.g. `apt-get install valgrind`):
#
#   tests/benches/instructions.sh                       # the table
#   ITERS=5000 tests/benches/instructions.sh            # N (default 2000)
#   tests/benches/instructions.sh --baseline OLD.tsv    # add columns comparing with another run
#
# Each run also writes the counts to $TARGET/instructions/instructions.tsv (benchmark, floor,
# instructions per iteration); pass a copy of that file from another checkout as --baseline to
# compare (see BENCHMARKS.md). valgrind's own output files stay under $TARGET/instructions/,
# $TARGET being $CARGO_TARGET_DIR or the workspace's target/.
set -euo pipefail

baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
        --baseline) baseline="${2:?--baseline needs a file}"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "instructions.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

if ! command -v valgrind >/dev/null 2>&1; then
    echo "instructions.sh: valgrind not found; install it (Debian/Ubuntu: apt-get install valgrind)" >&2
    exit 1
fi

iters="${ITERS:-2000}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$target/instructions"
mkdir -p "$out"

# Build, and find the binary in cargo's JSON messages.
bin="$(cargo bench -p ssooidc-core --bench instructions --no-run --message-format=json 2>"$out/build.log" \
    | grep '"name":"instructions"' | grep -o '"executable":"[^"]*"' | tail -n 1 | cut -d'"' -f4)" || true
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "instructions.sh: the build failed or gave no binary; see $out/build.log" >&2
    tail -n 20 "$out/build.log" >&2
    exit 1
fi

# Instructions executed by `$bin NAME ITERATIONS` (the whole process).
count() {
    local name="$1" n="$2" file
    file="$out/$(echo "$name" | tr / .).$n.cachegrind"
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$file" \
        --log-file="$file.log" "$bin" "$name" "$n"
    awk '/^summary:/ { print $2 }' "$file"
}

declare -A per_iter floor_of
names=()
while IFS=$'\t' read -r name floor; do
    names+=("$name")
    floor_of[$name]="$floor"
    c1="$(count "$name" "$iters")"
    c2="$(count "$name" "$((2 * iters))")"
    per_iter[$name]="$(awk -v a="$c1" -v b="$c2" -v n="$iters" 'BEGIN { printf "%.1f", (b - a) / n }')"
    echo "  $name: ${per_iter[$name]} instructions per iteration" >&2
done < <("$bin" --list)

tsv="$out/instructions.tsv"
: >"$tsv"
for name in "${names[@]}"; do
    printf '%s\t%s\t%s\n' "$name" "${floor_of[$name]}" "${per_iter[$name]}" >>"$tsv"
done

declare -A base
if [ -n "$baseline" ]; then
    while IFS=$'\t' read -r name _ value; do base[$name]="$value"; done <"$baseline"
    echo "| benchmark | instructions | floor | floor instructions | ratio | baseline | baseline ratio | instructions vs baseline | ratio vs baseline |"
    echo "|---|---|---|---|---|---|---|---|---|"
else
    echo "| benchmark | instructions | floor | floor instructions | ratio |"
    echo "|---|---|---|---|---|"
fi
for name in "${names[@]}"; do
    floor="${floor_of[$name]}"
    [ "$floor" = "-" ] && continue
    mine="${per_iter[$name]}" fl="${per_iter[$floor]}"
    row="$(awk -v m="$mine" -v f="$fl" 'BEGIN { printf "%.0f | %s | %.0f | %.2fx", m, "'"${floor#*/}"'", f, m / f }')"
    if [ -n "$baseline" ]; then
        bm="${base[$name]:-}" bf="${base[$floor]:-}"
        if [ -n "$bm" ] && [ -n "$bf" ]; then
            row="$row | $(awk -v m="$mine" -v f="$fl" -v bm="$bm" -v bf="$bf" 'BEGIN {
                printf "%.0f | %.2fx | %+.1f%% | %+.1f%%", bm, bm / bf, (m / bm - 1) * 100, ((m / f) / (bm / bf) - 1) * 100 }')"
        else
            row="$row | — | — | — | —"
        fi
    fi
    echo "| $name | $row |"
done
