#!/usr/bin/env bash
# Transform benchmark: times the conversion rules on a synthetic legacy deployment of C categories (nested four
# deep) and R rooms (defaults 5,000 and 40,000), and prints the peak memory. Not a test; figures vary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p pchat-migrate --example bench_transform --quiet
exec target/release/examples/bench_transform "${1:-5000}" "${2:-40000}"
