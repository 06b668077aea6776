#!/usr/bin/env bash
# Archive benchmark: prints the throughput (messages/s) and peak memory (VmHWM of a child process that only
# archives) of archiving a package of N messages (default 1,000,000) over R rooms (default 100), with the local
# time zone and with a fixed offset. Not a test; figures vary with the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p pchat-migrate --example bench_archive --quiet
exec target/release/examples/bench_archive "${1:-1000000}" "${2:-100}"
