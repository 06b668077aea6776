#!/usr/bin/env bash
# The main job, end to end, on a fresh machine.
#
# Without a server given: builds everything, starts the built-in SQL Server stand-in (TLS with a generated
# certificate), seeds it with a generated Lync Server 2010 Group Chat deployment, and runs pchat-migrate against it.
# With a real server: PCHAT_DEMO_DBINSTANCE (e.g. 'sql01\rtc'), PCHAT_DEMO_DBNAME (the legacy Group Chat database),
# PCHAT_SQL_USER and PCHAT_SQL_PASSWORD (a SQL login; read-only access is enough).
#
# Options (environment): PCHAT_DEMO_SIZE (tiny|small|medium|large|messages:N, default small),
# PCHAT_DEMO_KIND (legacy2010|ocsr2|mgc2013, default legacy2010).
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
    echo "   listening on port $port; its certificate: $cert" >&2
    echo "== Seeding a generated ${PCHAT_DEMO_KIND:-legacy2010} deployment (size ${PCHAT_DEMO_SIZE:-small})" >&2
    PCHAT_SEED_PASSWORD="$PCHAT_SQL_PASSWORD" "$bin/pchat-seed" --server "127.0.0.1,$port" --user sa \
        --trust-server-certificate --database "$db_name" --kind "${PCHAT_DEMO_KIND:-legacy2010}" \
        --size "${PCHAT_DEMO_SIZE:-small}" --seed 42
else
    db_instance="$PCHAT_DEMO_DBINSTANCE"
    db_name="${PCHAT_DEMO_DBNAME:?set PCHAT_DEMO_DBNAME to the legacy Group Chat database}"
    user="${PCHAT_SQL_USER:?set PCHAT_SQL_USER (and PCHAT_SQL_PASSWORD)}"
    tls=()
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

echo >&2
echo "Files in $work:" >&2
echo "  GroupChat.zip            the migration package (format: docs/package-format.md)" >&2
echo "  export-report.html/.json the export report" >&2
echo "  probe.json               the inventory as JSON" >&2
