# Shared by scripts/build-release.sh and scripts/package-module.sh (sourced, not run).
# The runtime identifiers and their Rust targets are the same table as Native/PChatMigrationPlatform.cs
# (KnownRuntimeIds, RustTarget); tests/release_scripts.rs checks that they agree. docs/platforms.md explains them.

RELEASE_RIDS=(win-x64 win7-x64 win-x86 win7-x86 win-arm64 linux-x64 linux-arm64 osx-x64 osx-arm64)
# What scripts/build-release.sh builds when no --rid is given: the platforms issue 10 supports.
DEFAULT_RELEASE_RIDS=(win-x64 win7-x64 linux-x64 linux-arm64)

die() {
    echo "error: $*" >&2
    exit 1
}

rust_target_of() {
    case "$1" in
        win-x64) echo x86_64-pc-windows-msvc ;;
        win7-x64) echo x86_64-win7-windows-msvc ;;
        win-x86) echo i686-pc-windows-msvc ;;
        win7-x86) echo i686-win7-windows-msvc ;;
        win-arm64) echo aarch64-pc-windows-msvc ;;
        linux-x64) echo x86_64-unknown-linux-gnu ;;
        linux-arm64) echo aarch64-unknown-linux-gnu ;;
        osx-x64) echo x86_64-apple-darwin ;;
        osx-arm64) echo aarch64-apple-darwin ;;
        *) return 1 ;;
    esac
}

library_file_of() {
    case "$1" in
        win*) echo pchat_migrate.dll ;;
        osx-*) echo libpchat_migrate.dylib ;;
        *) echo libpchat_migrate.so ;;
    esac
}

# The rid of the machine running the script (empty when it has none).
host_rid() {
    local os arch
    case "$(uname -s)" in
        Linux) os=linux ;;
        Darwin) os=osx ;;
        MINGW* | MSYS* | CYGWIN*) os=win ;;
        *) os= ;;
    esac
    case "$(uname -m)" in
        x86_64 | amd64) arch=x64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) arch= ;;
    esac
    if [[ -n "$os" && -n "$arch" ]]; then
        echo "$os-$arch"
    fi
}

# `version = "x.y.z"` of the [package] table of Cargo.toml.
crate_version() {
    awk '/^\[package\]/ { p = 1; next } /^\[/ { p = 0 } p && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' "$1/Cargo.toml"
}

# PCM_ABI_VERSION of the generated header.
header_abi_version() {
    sed -n 's/^#define PCM_ABI_VERSION \([0-9][0-9]*\).*/\1/p' "$1/include/pchat_migrate.h" | head -n 1
}

# `$script:PChatExpectedAbiVersion = N` of the module's loader.
module_abi_version() {
    sed -n 's/^\$script:PChatExpectedAbiVersion *= *\([0-9][0-9]*\).*/\1/p' "$1/PersistentChatMigration.psm1" | head -n 1
}

# `ModuleVersion = 'x.y.z'` of a manifest.
manifest_version() {
    sed -n "s/^ *ModuleVersion *= *'\([^']*\)'.*/\1/p" "$1" | head -n 1
}

# Loads a library built for this host and prints "<pcm_version> <pcm_abi_version>" (python3 ctypes: the real
# cdylib, not the CLI that links the rlib). Fails with the loader's message when it cannot be loaded.
loaded_library_versions() {
    command -v python3 >/dev/null 2>&1 || return 2
    python3 - "$1" <<'PY'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.pcm_version.restype = ctypes.c_char_p
lib.pcm_abi_version.restype = ctypes.c_uint32
print(lib.pcm_version().decode("utf-8"), lib.pcm_abi_version())
PY
}

# Checks that a file is a library of the rid's OS and architecture by its header (PE "MZ", ELF class/machine,
# Mach-O magic); prints the problem and fails otherwise. Catches Git LFS pointers and files put in the wrong folder.
check_binary_kind() {
    local rid="$1" file="$2" magic machine
    magic=$(od -An -tx1 -N4 "$file" | tr -d ' \n')
    case "$rid" in
        win*)
            [[ "${magic:0:4}" == "4d5a" ]] || { echo "$file is not a Windows DLL (no MZ header; first bytes: $magic)"; return 1; }
            ;;
        linux-*)
            [[ "$magic" == "7f454c46" ]] || { echo "$file is not an ELF library (first bytes: $magic)"; return 1; }
            machine=$(od -An -tu2 -j18 -N2 "$file" | tr -d ' \n')
            case "$rid:$machine" in
                linux-x64:62 | linux-arm64:183) ;;
                *) echo "$file is an ELF library for machine $machine, not for $rid (x64 = 62, arm64 = 183)"; return 1 ;;
            esac
            ;;
        osx-*)
            case "$magic" in
                cffaedfe | cafebabe) ;;
                *) echo "$file is not a Mach-O library (first bytes: $magic)"; return 1 ;;
            esac
            ;;
    esac
}

# Value of a "key": "value" or "key": number line of a flat JSON file (the BUILDINFO.json build-release.sh writes).
json_field() {
    sed -n "s/^ *\"$2\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\} *$/\1/p" "$1" | head -n 1
}

# Reads `objdump -p` / `llvm-objdump -p` / `dumpbin /imports` text of a Windows DLL on stdin and prints one line per
# problem: a dynamically linked C runtime (the build lacks +crt-static and would need the Visual C++
# Redistributable), or, for the win7 builds, an import that only Windows 8/10 have.
windows_import_problems() {
    local rid="$1" dump
    dump=$(cat)
    local name
    for name in $(grep -ioE '(vcruntime[0-9_]*|msvcp[0-9_]*|ucrtbase|api-ms-win-crt-[a-z0-9-]*)\.dll' <<<"$dump" | tr 'A-Z' 'a-z' | sort -u); do
        echo "imports $name: the C runtime is linked dynamically (the target's rustflags lack -C target-feature=+crt-static)"
    done
    if [[ "$rid" == win7-* ]]; then
        for name in $(grep -oE '\b(ProcessPrng|WaitOnAddress|WakeByAddressSingle|WakeByAddressAll)\b' <<<"$dump" | sort -u); do
            echo "imports $name, which Windows 7 / Server 2008 R2 lack (a Windows 10 std or C library crept into the win7 build)"
        done
    fi
}

# The import table of a Windows DLL as text, with whichever tool this machine has; empty when none.
windows_import_dump() {
    local tool
    for tool in llvm-objdump x86_64-w64-mingw32-objdump objdump; do
        if command -v "$tool" >/dev/null 2>&1 && "$tool" -p "$1" 2>/dev/null | grep -q 'DLL Name'; then
            "$tool" -p "$1"
            return 0
        fi
    done
    if command -v dumpbin >/dev/null 2>&1; then
        dumpbin /imports "$1"
    fi
}

# The newest GLIBC_x.y symbol version a Linux library needs (its glibc floor); empty when unknown.
glibc_floor() {
    command -v objdump >/dev/null 2>&1 || return 0
    objdump -T "$1" 2>/dev/null | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)*' | sed 's/GLIBC_//' | sort -uV | tail -n 1
}
