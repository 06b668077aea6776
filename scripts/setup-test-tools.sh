#!/usr/bin/env bash
# Installs what tests/powershell_checks.rs needs on a fresh Debian machine:
#   - Mono's C# compiler and runtime (mcs, mono) to compile the module's P/Invoke class and call the real cdylib;
#   - node_modules in tests/powershell (tree-sitter + tree-sitter-powershell, pinned by package-lock.json);
#   - chromium, in which tests/readiness.rs renders the readiness report (headless: --dump-dom).
# Idempotent: when everything is already there it only checks and returns within a second or two.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checks_dir="$repo_root/tests/powershell"

log() { printf 'setup-test-tools: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root (or sudo) to run: $*"
        return 1
    fi
}

# --- Mono (mcs + mono) -------------------------------------------------------------------------------------------
if command -v mcs >/dev/null 2>&1 && command -v mono >/dev/null 2>&1; then
    log "mono already installed ($(command -v mono))"
else
    log "installing mono-mcs and mono-runtime with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends mono-mcs mono-runtime >/dev/null
    command -v mcs >/dev/null 2>&1 || { log "mcs still missing after apt-get install"; exit 1; }
    command -v mono >/dev/null 2>&1 || { log "mono still missing after apt-get install"; exit 1; }
fi

# --- node + npm ---------------------------------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# --- python3 + objdump (tests/release_scripts.rs: package-module.sh loads the host library with python3 ctypes) -----
if ! command -v python3 >/dev/null 2>&1 || ! command -v objdump >/dev/null 2>&1; then
    log "installing python3 and binutils with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends python3 binutils >/dev/null
fi

# --- chromium (tests/readiness.rs renders the HTML report in it) ---------------------------------------------------
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    log "chromium already installed ($(command -v chromium || command -v chromium-browser))"
else
    log "installing chromium with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
    command -v chromium >/dev/null 2>&1 || { log "chromium still missing after apt-get install"; exit 1; }
fi

# --- node_modules (tree-sitter, tree-sitter-powershell) ------------------------------------------------------------
# The stamp records the lockfile that node_modules was installed from, so an unchanged lockfile skips `npm ci`.
stamp="$checks_dir/node_modules/.pchat-lock.sha256"
want="$(sha256sum "$checks_dir/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
    && (cd "$checks_dir" && node --no-deprecation -e "import('tree-sitter').then(()=>import('tree-sitter-powershell')).catch(e=>{console.error(e.message);process.exit(1)})") ; then
    log "node_modules up to date in tests/powershell"
else
    # tree-sitter's native binding is compiled by node-gyp (tree-sitter-powershell ships prebuilds).
    missing_build_tools=""
    for tool in make g++ python3; do
        command -v "$tool" >/dev/null 2>&1 || missing_build_tools="$missing_build_tools $tool"
    done
    if [ -n "$missing_build_tools" ]; then
        log "installing build tools for the tree-sitter binding:$missing_build_tools"
        export DEBIAN_FRONTEND=noninteractive
        as_root apt-get update -qq
        as_root apt-get install -y -qq --no-install-recommends make g++ python3 >/dev/null
    fi
    log "running npm ci in tests/powershell (builds the tree-sitter binding; about a minute)"
    (cd "$checks_dir" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s\n' "$want" >"$stamp"
fi

log "ok: mcs $(mcs --version 2>/dev/null | head -n1 | sed 's/^.*version //'), mono $(mono --version 2>/dev/null | head -n1 | sed 's/^.*version \([^ ]*\).*/\1/'), node $(node --version), $( (chromium --version || chromium-browser --version) 2>/dev/null | head -n1)"
