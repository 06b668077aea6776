#!/usr/bin/env bash
# Inspect benchmark: prints the time and peak memory (VmHWM of a child process that only inspects) of inspecting a
# package of N rooms (default 40,000) and every package of the hostile corpus, with zip bombs of B bytes (default
# 2 GiB). Not a test; figures vary with the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p pchat-migrate --example bench_inspect --quiet
exec target/release/examples/bench_inspect "${1:-40000}" "${2:-2147483648}"
