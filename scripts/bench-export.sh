#!/usr/bin/env bash
# Export benchmark: prints messages/s and peak memory of an export of N generated messages (default 1,000,000)
# next to a raw tiberius read of the same rows in the same run. Not a test; figures vary with the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --workspace --bins --examples --quiet
exec target/release/examples/bench_export "${1:-1000000}"
