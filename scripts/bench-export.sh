#!/usr/bin/env bash
# The export benchmark is part of scripts/bench.sh now (export per ThrottleLimit next to the raw read, with every
# other phase); this name stays for the runbooks and notes that cite it.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/bench.sh" "${1:-1000000}"
