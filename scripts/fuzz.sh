#!/usr/bin/env bash
# Coverage-guided fuzzing (docs/fuzzing.md): runs every cargo-fuzz target of fuzz/ for SECONDS_PER_TARGET seconds
# (default 300) on the nightly toolchain, one after the other, and prints per target the executions, exec/s,
# coverage (cov = edges, ft = features), corpus size and the crash artifacts found. Not a test and never run by CI
# or scripts/test-all.sh: CI replays only the checked-in regression cases (cargo test --test fuzz_regressions).
# Exit status 1 when a target found a crash, a timeout or an out-of-memory input.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(package_reader c_abi_request)

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz.sh: cargo-fuzz needs a nightly toolchain (rustup toolchain install nightly)" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

# Seeds from the project's own code (the valid sample, the hostile corpus, one request per operation), added to
# whatever corpus earlier runs left in fuzz/corpus (not committed).
cargo run --quiet --example fuzz_seeds -- "$root/fuzz/corpus"
cargo +nightly fuzz build

failed=0
summary=()
for target in "${targets[@]}"; do
    artifacts="$root/fuzz/artifacts/$target"
    mkdir -p "$artifacts"
    log="$root/fuzz/artifacts/$target.log"
    stamp="$root/fuzz/artifacts/$target.started"
    touch "$stamp"
    dict=()
    [ -f "$root/fuzz/corpus/$target.dict" ] && dict=("-dict=$root/fuzz/corpus/$target.dict")
    echo "== $target: ${seconds}s (log $log)"
    # Absolute paths: the c_abi_request harness moves into a scratch folder of its own, under TMPDIR (removed after).
    scratch="$root/fuzz/scratch"
    mkdir -p "$scratch"
    set +e
    TMPDIR="$scratch" cargo +nightly fuzz run "$target" "$root/fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
        >"$log" 2>&1
    status=$?
    set -e
    rm -rf "$scratch"
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
    [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    per_second=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    peak_rss=$(grep -oE 'stat::peak_rss_mb: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' <<<"$done_line" | tail -1 || true)
    ft=$(grep -o 'ft: [0-9]*' <<<"$done_line" | tail -1 || true)
    corp=$(grep -o 'corp: [0-9]*/[0-9A-Za-z]*' <<<"$done_line" | tail -1 || true)
    new=$(find "$artifacts" -type f -newer "$stamp" | wc -l)
    line="$target: ${seconds}s, executions $runs, exec/s $per_second, $cov, $ft, $corp, peak RSS ${peak_rss} MB, new artifacts $new (exit $status)"
    echo "$line"
    summary+=("$line")
    if [ "$new" -gt 0 ] || [ "$status" -ne 0 ]; then
        failed=1
        find "$artifacts" -type f -newer "$stamp" | sort | sed 's/^/   artifact: /'
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -5 | sed 's/^/   /' || true
    fi
done

echo
echo "== fuzz summary ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(cargo +nightly --version))"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "crash artifacts are in fuzz/artifacts/<target>/; reproduce with cargo +nightly fuzz run <target> <file>," \
        "minimize with cargo +nightly fuzz tmin <target> <file>, then add it to tests/fuzz-regressions/<target>/"
    exit 1
fi
