#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/fuzz_targets for ${FUZZ_SECONDS:-60} seconds each and prints
# the executions and time per target. Installs cargo-fuzz if it is missing.
#
# The toolchain is stable, so nightly-only flags are unlocked with RUSTC_BOOTSTRAP=1. The sanitizer is
# ${FUZZ_SANITIZER:-address}; set FUZZ_SANITIZER=none when the address sanitizer runtime is not
# available. New corpus entries go to fuzz/target/corpus/<target> (ignored by git); the seeds in
# fuzz/corpus/<target> are only read. Crashes land in fuzz/artifacts/<target>.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-address}"
export RUSTC_BOOTSTRAP=1

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

shopt -s nullglob
targets=(fuzz/fuzz_targets/*.rs)
if [ ${#targets[@]} -eq 0 ]; then
    echo "no fuzz targets in $root/fuzz/fuzz_targets" >&2
    exit 1
fi

failed=0
summary=()
for file in "${targets[@]}"; do
    name="$(basename "$file" .rs)"
    work="fuzz/target/corpus/$name"
    seeds="fuzz/corpus/$name"
    mkdir -p "$work" "$seeds"
    log="$(mktemp)"
    echo "== $name: fuzzing for ${seconds}s (sanitizer: $sanitizer)" >&2
    status=0
    cargo fuzz run --fuzz-dir fuzz --sanitizer "$sanitizer" "$name" "$work" "$seeds" -- \
        -max_total_time="$seconds" -print_final_stats=1 2>&1 | tee "$log" >&2 || status=$?
    done_line="$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
    rm -f "$log"
    if [ "$status" -ne 0 ] || [ -z "$done_line" ]; then
        summary+=("$name: FAILED (exit $status); see fuzz/artifacts/$name")
        failed=1
        continue
    fi
    runs="$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1/' <<<"$done_line")"
    secs="$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\2/' <<<"$done_line")"
    summary+=("$name: $runs executions in $secs s ($(( runs / (secs > 0 ? secs : 1) )) exec/s)")
done

echo
printf '%s\n' "${summary[@]}"
exit "$failed"
