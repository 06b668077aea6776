#!/usr/bin/env bash
# Verify benchmark: imports a package of N messages (default 1,000,000) over R rooms (default 1,000) into a fresh
# mgc on the stand-in, then prints the verify operation's throughput (messages/s) and peak memory in full mode
# (parallelism 4 and 1) and quick mode. Not a test; figures vary with the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p sqlserver-standin --bins --quiet
cargo build --release -p pchat-migrate --example bench_verify --quiet
exec target/release/examples/bench_verify "${1:-1000000}" "${2:-1000}"
