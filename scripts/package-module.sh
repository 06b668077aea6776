#!/usr/bin/env bash
# Assembles the PowerShell module for release: dist/PersistentChatMigration/<version>/ with the module files, the
# native libraries under bin/<rid>/ and a manifest whose ModuleVersion, C ABI and libraries agree.
#
#   bash scripts/package-module.sh                              # builds linux-x64 (release) here, packages it
#   bash scripts/package-module.sh --prebuilt dist/native        # + the builds of scripts/build-release.sh, other hosts
#   bash scripts/package-module.sh --native linux-x64=target/debug/libpchat_migrate.so --no-build
#
# Options:
#   --prebuilt DIR        DIR/<rid>/<library> + DIR/<rid>/BUILDINFO.json (what build-release.sh writes, e.g. on a
#                         Windows build machine); each BUILDINFO must name this crate version and ABI version
#   --native RID=FILE     use FILE as the library of RID (repeatable; for the host rid it is loaded and checked)
#   --profile release|debug  the host build to use or make (default release)
#   --no-build            do not run cargo; use target/<profile>/ as it is
#   --out DIR             output root (default dist)
#   --module-source DIR   the module folder (default powershell/PersistentChatMigration)
#   --project-uri URI     ProjectUri of the packaged manifest (LicenseUri becomes URI/blob/main/LICENSE)
#   --require RID,...     fail unless these rids are in the package (e.g. win-x64,win7-x64 for a release)
#
# Refuses, naming both values, when ModuleVersion differs from the crate version, the loader's ABI version differs
# from PCM_ABI_VERSION, a library reports (or its BUILDINFO names) another version, or a file is not a library of
# its rid's OS and architecture. Exit codes: 0 packaged, 1 refused or failed, 2 bad arguments.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
# shellcheck source=scripts/release-common.sh
source scripts/release-common.sh
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"

prebuilt=""
profile=release
build=1
out="$repo/dist"
source_dir="$repo/powershell/PersistentChatMigration"
project_uri=""
require=""
declare -A native=()
while [[ $# -gt 0 ]]; do
    case "$1" in --no-build | -h | --help) ;; *) [[ $# -ge 2 ]] || { echo "$1 needs a value" >&2; exit 2; } ;; esac
    case "$1" in
        --prebuilt) prebuilt="$2"; shift 2 ;;
        --native)
            [[ "$2" == *=* ]] || { echo "--native takes RID=FILE, got '$2'" >&2; exit 2; }
            rid="${2%%=*}"
            rust_target_of "$rid" >/dev/null || { echo "unknown runtime identifier '$rid' in --native" >&2; exit 2; }
            native[$rid]="${2#*=}"
            shift 2
            ;;
        --profile)
            [[ "$2" == release || "$2" == debug ]] || { echo "--profile is release or debug" >&2; exit 2; }
            profile="$2"; shift 2
            ;;
        --no-build) build=0; shift ;;
        --out) out="$2"; shift 2 ;;
        --module-source) source_dir="$2"; shift 2 ;;
        --project-uri) project_uri="${2%/}"; shift 2 ;;
        --require) require="$2"; shift 2 ;;
        -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

manifest_in="$source_dir/PersistentChatMigration.psd1"
[[ -f "$manifest_in" ]] || die "no module manifest at $manifest_in"

# --- 1. the versions must agree -------------------------------------------------------------------------------------
version=$(crate_version "$repo")
abi=$(header_abi_version "$repo")
module_version=$(manifest_version "$manifest_in")
module_abi=$(module_abi_version "$source_dir")
[[ -n "$version" && -n "$abi" ]] || die "cannot read the crate version (Cargo.toml) or PCM_ABI_VERSION (include/pchat_migrate.h)"
[[ "$module_version" == "$version" ]] ||
    die "ModuleVersion '$module_version' in $manifest_in differs from the crate version '$version' in Cargo.toml: set ModuleVersion = '$version' (the module and its native library are released together)"
[[ "$module_abi" == "$abi" ]] ||
    die "the loader expects C ABI version '$module_abi' (\$script:PChatExpectedAbiVersion in PersistentChatMigration.psm1) but include/pchat_migrate.h defines PCM_ABI_VERSION $abi: update the module's P/Invoke declarations and that line together"

# --- 2. the libraries -----------------------------------------------------------------------------------------------
host=$(host_rid)
declare -A library=()

# Loads a host library and checks the versions it reports.
verify_loaded() {
    local rid="$1" file="$2" reported
    if ! reported=$(loaded_library_versions "$file" 2>&1); then
        [[ -z "$reported" ]] && die "python3 is needed to load $file and check its version"
        die "cannot load $file ($rid) here: $reported"
    fi
    [[ "$reported" == "$version $abi" ]] ||
        die "$file reports version/ABI '$reported', but this release is '$version $abi': rebuild it from this tree"
}

add_library() { # rid file origin
    local rid="$1" file="$2" problem
    [[ -f "$file" ]] || die "the $rid library $file does not exist"
    problem=$(check_binary_kind "$rid" "$file") || die "$problem (given as the $rid library)"
    if [[ "$rid" == "$host" ]]; then
        verify_loaded "$rid" "$file"
    fi
    library[$rid]="$file"
    echo "  $rid: $file ($3)"
}

echo "package PersistentChatMigration $version (C ABI $abi)"
if [[ -n "$prebuilt" ]]; then
    [[ -d "$prebuilt" ]] || die "--prebuilt $prebuilt is not a folder"
    for rid in "${RELEASE_RIDS[@]}"; do
        file="$prebuilt/$rid/$(library_file_of "$rid")"
        [[ -f "$file" ]] || continue
        info="$prebuilt/$rid/BUILDINFO.json"
        [[ -f "$info" ]] || die "$file has no BUILDINFO.json next to it: build it with scripts/build-release.sh"
        built_version=$(json_field "$info" crateVersion)
        built_abi=$(json_field "$info" abiVersion)
        [[ "$built_version" == "$version" && "$built_abi" == "$abi" ]] ||
            die "$file was built as version '$built_version' ABI '$built_abi' ($info), but this release is version '$version' ABI '$abi': rebuild it from this tree"
        add_library "$rid" "$file" "prebuilt, $(json_field "$info" target)"
    done
fi
for rid in "${!native[@]}"; do
    add_library "$rid" "${native[$rid]}" "--native"
done
if [[ -n "$host" && -z "${library[$host]:-}" ]]; then
    dir="$repo/target/$profile"
    if [[ $build -eq 1 ]]; then
        if [[ "$profile" == release ]]; then
            cargo build --release --locked --lib
        else
            cargo build --locked --lib
        fi
    fi
    add_library "$host" "$dir/$(library_file_of "$host")" "host build, $profile profile"
fi
[[ ${#library[@]} -gt 0 ]] || die "no native library to package"
if [[ -n "$require" ]]; then
    IFS=',' read -r -a required <<<"$require"
    for rid in "${required[@]}"; do
        [[ -n "${library[$rid]:-}" ]] || die "--require $rid: no $rid library was given (--prebuilt DIR/$rid/ or --native $rid=FILE)"
    done
fi

# --- 3. the folder --------------------------------------------------------------------------------------------------
module_root="$out/PersistentChatMigration"
dest="$module_root/$version"
rm -rf "$dest"
mkdir -p "$dest"
(cd "$source_dir" && tar --exclude='./bin/*/*' -cf - .) | (cd "$dest" && tar -xf -)
[[ -f "$repo/LICENSE" ]] && cp "$repo/LICENSE" "$dest/LICENSE"
for rid in "${!library[@]}"; do
    mkdir -p "$dest/bin/$rid"
    cp "${library[$rid]}" "$dest/bin/$rid/"
    if [[ -n "$prebuilt" && -f "$prebuilt/$rid/BUILDINFO.json" && "${library[$rid]}" == "$prebuilt/$rid/"* ]]; then
        cp "$prebuilt/$rid/BUILDINFO.json" "$dest/bin/$rid/"
    fi
done

# --- 4. the manifest: FileList of what is really there, ProjectUri/LicenseUri, then the checks ----------------------
manifest="$dest/PersistentChatMigration.psd1"
file_list=$(cd "$dest" && find . -type f ! -name '*.psd1.tmp' | sed 's|^\./||' | LC_ALL=C sort |
    sed "s/'/''/g; s/^/        '/; s/\$/',/" | sed '$ s/,$//')
awk -v list="$file_list" '
    /^ *FileList *= *@\(/ { print; print list; skip = 1; next }
    skip && /^ *\) *$/ { skip = 0 }
    !skip { print }
' "$manifest" >"$manifest.tmp"
mv "$manifest.tmp" "$manifest"
if [[ -n "$project_uri" ]]; then
    sed -i "s|^\( *ProjectUri *= *\)'[^']*'|\1'$project_uri'|; s|^\( *LicenseUri *= *\)'[^']*'|\1'$project_uri/blob/main/LICENSE'|" "$manifest"
fi
for key in Tags ProjectUri LicenseUri ReleaseNotes; do
    grep -Eq "^ *$key *= *(@\\( *)?'[^']+'" "$manifest" || die "the manifest has no $key in PrivateData.PSData (the PowerShell Gallery shows it): add it to $manifest_in"
done
grep -q "^ *PSData *= *@{" "$manifest" || die "the manifest has no PrivateData.PSData table"
[[ "$(manifest_version "$manifest")" == "$version" ]] || die "the packaged manifest lost its ModuleVersion"
for rid in "${!library[@]}"; do
    grep -q "'bin/$rid/$(library_file_of "$rid")'" "$manifest" || die "FileList of $manifest does not list bin/$rid/"
done

present=$(printf '%s\n' "${!library[@]}" | LC_ALL=C sort | tr '\n' ' ')
echo "packaged $dest"
echo "  native libraries: $present"
if [[ -z "${library[win-x64]:-}" && -z "${library[win7-x64]:-}" ]]; then
    echo "  note: no Windows build: this package does not load on Windows (add --prebuilt with win-x64 and win7-x64)"
elif [[ -z "${library[win7-x64]:-}" ]]; then
    echo "  note: no win7-x64: this package does not load on Windows Server 2008 R2 - 2012 R2 (the Lync Server 2013 servers)"
elif [[ -z "${library[win-x64]:-}" ]]; then
    echo "  note: no win-x64: Windows 10 / Server 2016+ use win7-x64 (it runs there; win-x64 is preferred when present)"
fi
