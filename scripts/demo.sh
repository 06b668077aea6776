#!/usr/bin/env bash
# The main job, end to end, on a fresh machine.
#
# Without a server given: builds everything, starts the built-in SQL Server stand-in (TLS with a generated
# certificate), seeds it with a generated Lync Server 2010 Group Chat deployment and a freshly installed Lync 2013
# Persistent Chat database (`mgc`, the 2013 fixture schema with its lookup rows, system principal and root), and
# runs the migration against them: probe -> export -> inspect -> readiness -> import --what-if -> import -> a
# second --what-if (nothing left to write: the target is the ledger) -> verify (from the package, then quick from
# the legacy database) -> file manifest and file store copy (twice: the second resumes) -> the legacy-client plan
# (from examples/legacy-client-facts.json) -> the archive of the package.
# With a real server: PCHAT_DEMO_DBINSTANCE (e.g. 'sql01\rtc'), PCHAT_DEMO_DBNAME (the legacy Group Chat database),
# PCHAT_SQL_USER and PCHAT_SQL_PASSWORD (a SQL login; read-only access is enough). The import steps run only when
# PCHAT_DEMO_TARGET_DBINSTANCE names a Persistent Chat server (PCHAT_DEMO_TARGET_DBNAME, default mgc; the same
# login): the demo never writes to a real mgc you did not name.
#
# Options (environment): PCHAT_DEMO_SIZE (tiny|small|medium|large|messages:N, default small),
# PCHAT_DEMO_KIND (legacy2010|ocsr2|mgc2013, default legacy2010), PCHAT_DEMO_FILE_REPOSITORY (the legacy file
# repository to copy; without it a sample one is made from the package's file links).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== Building (release)" >&2
cargo build --release --workspace --bins --quiet
bin=target/release
work="$(mktemp -d "${TMPDIR:-/tmp}/pchat-demo.XXXXXX")"

if [ -z "${PCHAT_DEMO_DBINSTANCE:-}" ]; then
    echo "== Starting the SQL Server stand-in" >&2
    mkfifo "$work/standin.stdin"
    "$bin/sqlserver-standin" <"$work/standin.stdin" >"$work/standin.out" 2>"$work/standin.log" &
    standin_pid=$!
    exec 3>"$work/standin.stdin"   # the stand-in serves until its stdin closes
    trap 'exec 3>&-; wait "$standin_pid" 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
        grep -q "listening on" "$work/standin.out" 2>/dev/null && break
        sleep 0.1
    done
    port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/standin.out")"
    cert="$(sed -n 's/.*certificate \(.*\.pem\).*/\1/p' "$work/standin.log" | head -n1)"
    [ -n "$port" ] || { echo "the stand-in did not start; see $work/standin.log" >&2; exit 1; }
    export PCHAT_SQL_PASSWORD='Standin-Passw0rd!'
    user=sa
    db_instance="localhost,$port"
    db_name=GroupChat
    tls=(--ca-certificate "$cert")
    target_instance="$db_instance"
    target_db=mgc
    target_tls=(--target-ca-certificate "$cert")
    echo "   listening on port $port; its certificate: $cert" >&2
    echo "== Seeding a generated ${PCHAT_DEMO_KIND:-legacy2010} deployment (size ${PCHAT_DEMO_SIZE:-small})" >&2
    PCHAT_SEED_PASSWORD="$PCHAT_SQL_PASSWORD" "$bin/pchat-seed" --server "127.0.0.1,$port" --user sa \
        --trust-server-certificate --database "$db_name" --kind "${PCHAT_DEMO_KIND:-legacy2010}" \
        --size "${PCHAT_DEMO_SIZE:-small}" --seed 42
    echo "== Creating the target: a fresh Lync 2013 Persistent Chat database ($target_db)" >&2
    PCHAT_SEED_PASSWORD="$PCHAT_SQL_PASSWORD" "$bin/pchat-seed" --server "127.0.0.1,$port" --user sa \
        --trust-server-certificate --database "$target_db" --kind mgc2013 --schema-only
else
    db_instance="$PCHAT_DEMO_DBINSTANCE"
    db_name="${PCHAT_DEMO_DBNAME:?set PCHAT_DEMO_DBNAME to the legacy Group Chat database}"
    user="${PCHAT_SQL_USER:?set PCHAT_SQL_USER (and PCHAT_SQL_PASSWORD)}"
    tls=()
    target_instance="${PCHAT_DEMO_TARGET_DBINSTANCE:-}"
    target_db="${PCHAT_DEMO_TARGET_DBNAME:-mgc}"
    target_tls=()
fi

echo "== Step 2, prepare: connect, identify and inventory the database" >&2
"$bin/pchat-migrate" probe --db-instance "$db_instance" --db-name "$db_name" --user "$user" "${tls[@]}"
"$bin/pchat-migrate" --quiet --json probe --db-instance "$db_instance" --db-name "$db_name" --user "$user" \
    "${tls[@]}" >"$work/probe.json"

echo "== Step 3, export: the legacy database into a migration package" >&2
"$bin/pchat-migrate" export --db-instance "$db_instance" --db-name "$db_name" --user "$user" "${tls[@]}" \
    --file-name "$work/GroupChat.zip" --report "$work/export-report.html"

echo "== Inspect: validate the whole package (checksums, records, references) and list its rooms" >&2
"$bin/pchat-migrate" inspect "$work/GroupChat.zip"

# The import steps need a library with the import and readiness operations registered.
operations="$("$bin/pchat-migrate" --json version)"
if ! grep -q '"import"' <<<"$operations" || ! grep -q '"readiness"' <<<"$operations"; then
    echo "== This build of the library has no import/readiness operations yet: the demo stops after the export." >&2
    exit 0
fi
target=()
if [ -n "$target_instance" ]; then
    target=(--target-db-instance "$target_instance" --target-db-name "$target_db" --target-user "$user" "${target_tls[@]}")
fi
export PCHAT_TARGET_SQL_PASSWORD="$PCHAT_SQL_PASSWORD"

echo "== Readiness: the legacy database checked for the migration${target_instance:+ against $target_db} (writes nothing)" >&2
readiness=("$bin/pchat-migrate" readiness --db-instance "$db_instance" --db-name "$db_name" --user "$user"
    "${tls[@]}" "${target[@]}")
"${readiness[@]}" --report "$work/readiness-report.html"

# The generated deployment has names that are too long once the nested categories are flattened (2013 allows
# 256 characters): Errors that refuse the import until -NameMap names them. Do what an admin does: give each a
# new name in a name-map file (JSON: legacy path -> new name).
"${readiness[@]}" --quiet --json >"$work/readiness.json"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$work/readiness.json" "$work/names.json" <<'PY'
import json, sys
findings = json.load(open(sys.argv[1], encoding="utf-8"))["data"]["findings"]
names = {}
for f in findings:
    # Errors that a new name resolves; the entity is the legacy path (the name map's key).
    if f["severity"] == "Error" and f["code"] in ("name_too_long", "name_collision", "name_empty") and f.get("entity"):
        names[f["entity"]] = "Renamed %d" % (len(names) + 1)
json.dump(names, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=2)
print("   %d name(s) too long, empty or colliding: new names in %s" % (len(names), sys.argv[2]), file=sys.stderr)
PY
else
    echo "   (python3 not found: no name map written; the import refuses names that are too long)" >&2
    echo '{}' >"$work/names.json"
fi

if [ -z "$target_instance" ]; then
    echo "== No PCHAT_DEMO_TARGET_DBINSTANCE: the demo stops before the import." >&2
    exit 0
fi
import=("$bin/pchat-migrate" import --db-instance "$target_instance" --db-name "$target_db" --user "$user")
if [ ${#target_tls[@]} -gt 0 ]; then
    import+=(--ca-certificate "$cert")
fi
import+=(--file-name "$work/GroupChat.zip" --name-map "$work/names.json")

echo "== Import --what-if: the full plan, nothing written" >&2
"${import[@]}" --what-if --report "$work/import-plan.html"

echo "== Import into $target_db" >&2
"${import[@]}" --report "$work/import-report.html"

echo "== A second --what-if: the target is the ledger, nothing is left to write" >&2
"${import[@]}" --what-if

# Step 5 needs the verify operation; the demo stops here on a library without it.
if ! grep -q '"verify"' <<<"$operations"; then
    echo "== This build of the library has no verify operation: the demo stops after the import." >&2
    exit 0
fi
verify=("$bin/pchat-migrate" verify --db-instance "$target_instance" --db-name "$target_db" --user "$user")
if [ ${#target_tls[@]} -gt 0 ]; then
    verify+=(--ca-certificate "$cert")
fi
export PCHAT_SOURCE_SQL_PASSWORD="$PCHAT_SQL_PASSWORD"
echo "== Step 5, verify: the package against $target_db, room by room (names, settings, roles, every message's digest)" >&2
"${verify[@]}" --file-name "$work/GroupChat.zip" --name-map "$work/names.json" --report "$work/verify-report.html"

echo "== Verify again, straight from the legacy database (read-only), quick mode (counts and first/last chatId)" >&2
source_tls=()
if [ ${#tls[@]} -gt 0 ]; then
    source_tls=(--source-ca-certificate "$cert")
fi
"${verify[@]}" --source-db-instance "$db_instance" --source-db-name "$db_name" --source-user "$user" \
    "${source_tls[@]}" --name-map "$work/names.json" --quick

echo "== The file store: every ma-filelink: reference per room" >&2
"$bin/pchat-migrate" file-manifest --file-name "$work/GroupChat.zip" --output "$work/file-links.csv"
if [ -z "${PCHAT_DEMO_FILE_REPOSITORY:-}" ] && ! command -v python3 >/dev/null 2>&1; then
    echo "   (python3 not found: an empty sample repository; every linked file is reported missing)" >&2
    mkdir -p "$work/legacy-files"
    repository="$work/legacy-files"
elif [ -z "${PCHAT_DEMO_FILE_REPOSITORY:-}" ]; then
    # No legacy file repository here: make one from the manifest, leaving the first file out so the copy shows
    # how a referenced file missing at the source is reported.
    "$bin/pchat-migrate" --quiet --json file-manifest --file-name "$work/GroupChat.zip" >"$work/file-links.json"
    python3 - "$work/file-links.json" "$work/legacy-files" <<'PY'
import json, os, sys
entries = json.load(open(sys.argv[1], encoding="utf-8"))["data"]["entries"]
paths = sorted({e["path"] for e in entries if e.get("path")})
for p in paths[1:]:
    target = os.path.join(sys.argv[2], *p.split("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        f.write("sample file %s\n" % p)
print("   a sample legacy file repository with %d of the %d linked files in %s" % (max(len(paths) - 1, 0), len(paths), sys.argv[2]), file=sys.stderr)
PY
    repository="$work/legacy-files"
else
    repository="$PCHAT_DEMO_FILE_REPOSITORY"
fi
echo "== Copy the file repository to the 2013 file store (SHA-256 verified, resumable)" >&2
copy=("$bin/pchat-migrate" copy-files --source "$repository" --destination "$work/file-store" --file-name "$work/GroupChat.zip")
"${copy[@]}" --report "$work/file-copy.html" || [ $? -eq 3 ]
echo "== The copy again: resumes from its journal, nothing copied twice" >&2
"${copy[@]}" || [ $? -eq 3 ]

echo "== Step 7, legacy clients: the plan for the lookup URI (from sample facts; the cmdlet gathers real ones)" >&2
"$bin/pchat-migrate" legacy-clients plan --facts examples/legacy-client-facts.json

echo "== Decommission: the package as a browsable archive (rooms not migrated stay readable)" >&2
"$bin/pchat-migrate" archive --file-name "$work/GroupChat.zip" --output "$work/archive" \
    --file-store-url "$work/file-store"

echo >&2
echo "Files in $work:" >&2
echo "  GroupChat.zip            the migration package (format: docs/package-format.md)" >&2
echo "  export-report.html/.json the export report" >&2
echo "  probe.json               the inventory as JSON" >&2
echo "  readiness-report.html    the readiness report (findings, messages per month) and .json" >&2
echo "  names.json               the name map written from the readiness findings (names too long)" >&2
echo "  import-plan.html         the --what-if plan and .json; import-report.html/.json the import" >&2
echo "  verify-report.html       the verification room by room, and the decommission checklist; .json" >&2
echo "  file-links.csv           every ma-filelink: reference per room" >&2
echo "  file-store/              the copied file store; file-copy.html/.json the copy report" >&2
echo "  archive/index.html       the browsable archive (one page per room, JSON Lines, SHA256SUMS)" >&2
