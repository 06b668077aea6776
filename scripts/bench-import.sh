#!/usr/bin/env bash
# Import benchmark: prints messages/s of the import's writes of a package of N messages (default 1,000,000) next
# to a raw tiberius bulk insert of the same rows into the same table of a fresh mgc in the same run (same batch
# size, default 5,000), the ratio (goal >= 0.8x) and the import's peak memory. Not a test; figures vary with the
# machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p sqlserver-standin --bins --quiet
cargo build --release -p pchat-migrate --example bench_import --quiet
exec target/release/examples/bench_import "${1:-1000000}" "${2:-5000}"
