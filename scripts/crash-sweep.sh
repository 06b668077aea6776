#!/usr/bin/env bash
# The crash/resume sweep (docs/crash-resume.md): tests/crash_resume.rs with POINTS points per kind (default 50:
# 50 connection cuts of the export, 50 of the import, 50 SIGKILLs of `pchat-migrate export`, 50 of `import`)
# from SEED (default 2011, the CI seed), then a table per kind. Debug build (the one the tests use). Exits
# non-zero when any point failed, or a kind did not report. Usage: scripts/crash-sweep.sh [POINTS] [SEED]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
points="${1:-50}"
seed="${2:-2011}"
results="target/crash-sweep/seed-${seed}-points-${points}"
rm -rf "$results"
mkdir -p "$results"
cargo test --quiet --no-run --test crash_resume
started=$(date +%s)
status=0
PCHAT_SWEEP_POINTS="$points" PCHAT_SWEEP_SEED="$seed" PCHAT_SWEEP_RESULTS="$PWD/$results" RUST_BACKTRACE=0 \
    cargo test --quiet --test crash_resume -- --nocapture >"$results/log.txt" 2>&1 || status=$?
elapsed=$(( $(date +%s) - started ))

echo "crash/resume sweep: seed $seed, $points points per kind, debug build, ${elapsed} s in all"
echo "command: scripts/crash-sweep.sh $points $seed   (log and per-point JSON lines: $results/)"
echo
awk -F'\t' '
    BEGIN { printf "%-12s %7s %12s %15s %11s %9s %10s\n", "kind", "points", "interrupted", "finished-first", "resumed OK", "failures", "duration" }
    $1 == "SWEEP-SUMMARY" {
        printf "%-12s %7d %12d %15d %11d %9d %9.1fs\n", $2, $3, $4, $5, $6, $7, $8
        n++; p += $3; i += $4; f += $5; ok += $6; bad += $7; s += $8
    }
    END {
        printf "%-12s %7d %12d %15d %11d %9d %9.1fs\n", "all", p, i, f, ok, bad, s
        if (n != 4) { printf "\nonly %d of 4 kinds reported a summary\n", n; exit 1 }
        if (bad > 0) exit 1
    }' "$results/log.txt" || status=1

if grep -q $'^SWEEP-POINT\t.*\tFAILED\t' "$results/log.txt"; then
    echo
    echo "failed points (rerun one with PCHAT_SWEEP_SEED=$seed PCHAT_SWEEP_ONLY=<point> cargo test --test crash_resume <kind's test>):"
    grep $'^SWEEP-POINT\t.*\tFAILED\t' "$results/log.txt" | cut -f2-4,7-8 | cut -c1-400
fi
if [ "$status" -ne 0 ]; then
    echo
    echo "the sweep FAILED (exit $status); see $results/log.txt"
    exit 1
fi
