#!/usr/bin/env bash
# Release builds of the native library (and the CLI) for each runtime identifier, into dist/native/<rid>/ with a
# BUILDINFO.json that scripts/package-module.sh checks. docs/platforms.md says which build runs where.
#
#   bash scripts/build-release.sh                       # win-x64 win7-x64 linux-x64 linux-arm64
#   bash scripts/build-release.sh --rid linux-x64       # what a Linux x64 machine can build by itself
#   bash scripts/build-release.sh --check --rid win7-x64   # only say what this machine lacks for it
#   bash scripts/build-release.sh --list                # rid -> Rust target, toolchain
#
# Options: --rid RID (repeatable), --out DIR (default dist/native), --check, --skip-unavailable (build what this
# machine can and list the rest instead of refusing), --list.
#
# Windows builds link the C runtime statically (-C target-feature=+crt-static, from .cargo/config.toml), so the DLL
# needs no Visual C++ Redistributable. win-x64 (x86_64-pc-windows-msvc, tier 1) needs Windows 10 / Server 2016+;
# win7-x64 (x86_64-win7-windows-msvc, tier 3) runs on Windows 7 / Server 2008 R2 and later and is built with nightly
# Rust and -Z build-std, because Rust ships no standard library for it. From Linux the Windows builds need cargo-xwin
# (clang-cl, lld-link and the MSVC CRT / Windows SDK it downloads); on Windows, Visual Studio's C++ build tools.
# Before every build the prerequisites are checked, and a missing one is named with the command that installs it.
#
# Exit codes: 0 built, 1 a build or a post-build check failed, 2 bad arguments, 3 prerequisites missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
# shellcheck source=scripts/release-common.sh
source scripts/release-common.sh
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"

rids=()
out="$repo/dist/native"
check_only=0
skip_unavailable=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rid) [[ $# -ge 2 ]] || { echo "--rid needs a value" >&2; exit 2; }; rids+=("$2"); shift 2 ;;
        --out) [[ $# -ge 2 ]] || { echo "--out needs a value" >&2; exit 2; }; out="$2"; shift 2 ;;
        --check) check_only=1; shift ;;
        --skip-unavailable) skip_unavailable=1; shift ;;
        --list)
            for rid in "${RELEASE_RIDS[@]}"; do
                toolchain=stable
                [[ "$rid" == win7-* ]] && toolchain="nightly + -Z build-std=std,panic_abort"
                printf '%s %s %s\n' "$rid" "$(rust_target_of "$rid")" "$toolchain"
            done
            exit 0
            ;;
        -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ ${#rids[@]} -gt 0 ]] || rids=("${DEFAULT_RELEASE_RIDS[@]}")
for rid in "${rids[@]}"; do
    rust_target_of "$rid" >/dev/null || { echo "unknown runtime identifier '$rid'; known: ${RELEASE_RIDS[*]}" >&2; exit 2; }
done

host=$(host_rid)
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) on_windows=1 ;; *) on_windows=0 ;; esac

has_rustup_target() { # toolchain target
    rustup target list --toolchain "$1" --installed 2>/dev/null | grep -qx "$2"
}

# Prints what this machine lacks to build a rid (one line each, with the fix); prints nothing when it can.
missing_prerequisites() {
    local rid="$1" target
    target=$(rust_target_of "$rid")
    command -v cargo >/dev/null 2>&1 || { echo "cargo is not installed: https://rustup.rs"; return; }
    [[ "$rid" == "$host" ]] && return
    if ! command -v rustup >/dev/null 2>&1; then
        echo "rustup is not installed (needed to add the $target target): https://rustup.rs"
        return
    fi
    if [[ "$rid" == win7-* ]]; then
        if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
            echo "$target is a tier 3 target without a prebuilt std: it needs nightly Rust for -Z build-std: rustup toolchain install nightly --component rust-src"
        elif ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
            echo "-Z build-std needs the standard library's source: rustup component add rust-src --toolchain nightly"
        elif ! rustc +nightly --print target-list 2>/dev/null | grep -qx "$target"; then
            echo "this nightly does not know $target (added in Rust 1.76 nightlies): rustup update nightly"
        fi
    else
        case "$rid" in
            osx-*) echo "$target can only be built on macOS (Xcode command line tools): run this script on a Mac"; return ;;
        esac
        has_rustup_target stable "$target" || has_rustup_target "$(rustup show active-toolchain 2>/dev/null | cut -d' ' -f1)" "$target" ||
            echo "the Rust standard library for $target is not installed: rustup target add $target"
    fi
    case "$rid" in
        win*)
            if [[ $on_windows -eq 1 ]]; then
                command -v link.exe >/dev/null 2>&1 || [[ -e "/c/Program Files (x86)/Microsoft Visual Studio/Installer/vswhere.exe" ]] ||
                    echo "the MSVC linker is missing: install Visual Studio 2017+ (or its Build Tools) with the 'Desktop development with C++' workload"
            else
                cargo xwin --version >/dev/null 2>&1 ||
                    echo "cross-compiling $target from $(uname -s) needs cargo-xwin: cargo install --locked cargo-xwin (it downloads the MSVC CRT and the Windows SDK on first use, which means accepting Microsoft's license)"
                command -v clang >/dev/null 2>&1 || echo "cargo-xwin needs clang (clang-cl) for aws-lc-sys's C code: apt-get install clang"
                command -v lld-link >/dev/null 2>&1 || command -v ld.lld >/dev/null 2>&1 ||
                    echo "cargo-xwin links with lld-link: apt-get install lld"
            fi
            ;;
        linux-arm64)
            command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 ||
                echo "linking for aarch64-unknown-linux-gnu needs the cross linker aarch64-linux-gnu-gcc (.cargo/config.toml names it; it also compiles aws-lc-sys's C code): apt-get install gcc-aarch64-linux-gnu"
            ;;
        linux-x64)
            command -v x86_64-linux-gnu-gcc >/dev/null 2>&1 ||
                echo "linking for x86_64-unknown-linux-gnu from $host needs x86_64-linux-gnu-gcc: apt-get install gcc-x86-64-linux-gnu"
            ;;
    esac
}

# The cargo command line for a rid (printed and run by build_rid).
cargo_command() {
    local rid="$1" target
    target=$(rust_target_of "$rid")
    local -a cmd=(cargo)
    [[ "$rid" == win7-* ]] && cmd+=(+nightly)
    if [[ "$rid" == win* && $on_windows -eq 0 ]]; then
        cmd+=(xwin)
    fi
    cmd+=(build --release --locked --lib --bin pchat-migrate)
    if [[ "$rid" != "$host" ]]; then
        cmd+=(--target "$target")
    fi
    [[ "$rid" == win7-* ]] && cmd+=(-Z build-std=std,panic_abort)
    printf '%s\n' "${cmd[@]}"
}

# RUSTFLAGS replaces .cargo/config.toml's per-target rustflags, which carry +crt-static for Windows.
check_rustflags() {
    local rid="$1"
    if [[ "$rid" == win* && -n "${RUSTFLAGS:-}${CARGO_ENCODED_RUSTFLAGS:-}" && "${RUSTFLAGS:-}${CARGO_ENCODED_RUSTFLAGS:-}" != *crt-static* ]]; then
        echo "error: RUSTFLAGS is set, which makes cargo ignore the +crt-static of .cargo/config.toml: unset it or add -C target-feature=+crt-static" >&2
        return 1
    fi
}

build_rid() {
    local rid="$1" target file dir built
    target=$(rust_target_of "$rid")
    file=$(library_file_of "$rid")
    check_rustflags "$rid" || return 1
    local -a cmd
    mapfile -t cmd < <(cargo_command "$rid")
    echo "== $rid ($target): ${cmd[*]}"
    "${cmd[@]}"
    if [[ "$rid" == "$host" ]]; then dir="$repo/target/release"; else dir="$repo/target/$target/release"; fi
    built="$dir/$file"
    [[ -f "$built" ]] || { echo "error: cargo finished but $built does not exist" >&2; return 1; }
    post_build_checks "$rid" "$built" || return 1
    local dest="$out/$rid"
    rm -rf "$dest"
    mkdir -p "$dest"
    cp "$built" "$dest/"
    local cli="$dir/pchat-migrate"
    [[ "$rid" == win* ]] && cli="$dir/pchat-migrate.exe"
    [[ -f "$cli" ]] && cp "$cli" "$dest/"
    write_buildinfo "$rid" "$dest/$file" "${cmd[*]}" >"$dest/BUILDINFO.json"
    echo "   -> $dest/$file"
}

post_build_checks() {
    local rid="$1" built="$2" problem
    problem=$(check_binary_kind "$rid" "$built") || { echo "error: $problem" >&2; return 1; }
    if [[ "$rid" == win* ]]; then
        local dump
        dump=$(windows_import_dump "$built")
        if [[ -z "$dump" ]]; then
            echo "warning: no objdump/llvm-objdump/dumpbin here: the import table of $built was not checked for a dynamic C runtime" >&2
        else
            problem=$(windows_import_problems "$rid" <<<"$dump")
            [[ -z "$problem" ]] || { echo "error: $built $problem" >&2; return 1; }
        fi
    fi
    [[ "$rid" == "$host" ]] || return 0
    # A build for this machine is loaded and asked for its versions.
    local versions rc=0 expected
    expected="$(crate_version "$repo") $(header_abi_version "$repo")"
    versions=$(loaded_library_versions "$built" 2>&1) || rc=$?
    if [[ $rc -eq 2 && -z "$versions" ]]; then
        echo "warning: no python3 here: $built was not loaded to check its versions" >&2
    elif [[ $rc -ne 0 ]]; then
        echo "error: the built $built does not load here: $versions" >&2
        return 1
    elif [[ "$versions" != "$expected" ]]; then
        echo "error: $built reports '$versions', expected '$expected'" >&2
        return 1
    fi
}

write_buildinfo() {
    local rid="$1" file="$2" command="$3" floor=""
    [[ "$rid" == linux-* ]] && floor=$(glibc_floor "$file")
    local toolchain=stable
    [[ "$rid" == win7-* ]] && toolchain=nightly
    cat <<JSON
{
  "rid": "$rid",
  "target": "$(rust_target_of "$rid")",
  "crateVersion": "$(crate_version "$repo")",
  "abiVersion": $(header_abi_version "$repo"),
  "crtStatic": $([[ "$rid" == win* ]] && echo true || echo false),
  "glibcFloor": "$floor",
  "rustc": "$(rustc ${toolchain:+"+$toolchain"} --version 2>/dev/null || rustc --version)",
  "command": "$command",
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
JSON
}

unavailable=()
for rid in "${rids[@]}"; do
    missing=$(missing_prerequisites "$rid")
    if [[ -n "$missing" ]]; then
        unavailable+=("$rid")
        echo "$rid ($(rust_target_of "$rid")) cannot be built on this machine ($(uname -s) $(uname -m)):" >&2
        sed 's/^/  - /' <<<"$missing" >&2
    elif [[ $check_only -eq 1 ]]; then
        echo "$rid ($(rust_target_of "$rid")): prerequisites present; would run: $(cargo_command "$rid" | tr '\n' ' ')"
    fi
done
if [[ ${#unavailable[@]} -gt 0 && ( $check_only -eq 1 || $skip_unavailable -eq 0 ) ]]; then
    echo "missing prerequisites for: ${unavailable[*]} (nothing was built; --skip-unavailable builds the others)" >&2
    exit 3
fi
[[ $check_only -eq 1 ]] && exit 0

built_any=0
for rid in "${rids[@]}"; do
    if printf '%s\n' "${unavailable[@]}" | grep -qx "$rid"; then
        continue
    fi
    build_rid "$rid" || exit 1
    built_any=1
done
[[ ${#unavailable[@]} -eq 0 ]] || echo "skipped (prerequisites missing): ${unavailable[*]}" >&2
[[ $built_any -eq 1 ]] || exit 3
echo "built into $out: $(cd "$out" && ls -d -- */ | tr -d / | tr '\n' ' ')"
