#!/usr/bin/env bash
# The benchmark (not a test; figures vary with the machine): for each size — generated messages (100000, 1M,
# 10M) or realistic[:N] (40,000 rooms, ~100,000 principals, three rooms with 60 % of N messages; N = 5M by
# default) — prints export and import messages/s next to their raw tiberius floors ("NN% of the raw ..."), verify
# messages/s, the package codec without a database (one core), inspect time and the peak RSS of every phase.
#
#   bash scripts/bench.sh            # 100000 1M 10M realistic (long: the 10M seed alone takes a while)
#   bash scripts/bench.sh 1M         # one size
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --workspace --bins --examples --quiet
exec target/release/examples/bench "$@"
