#!/usr/bin/env bash
# File copy benchmark: generates FILES files totalling about MIB MiB (defaults 2,000 and 500) in nested folders
# (room/file/name, as the legacy repository lays them out), then prints the throughput (MiB/s) and peak RSS of
#   1. `pchat-migrate copy-files` (SHA-256 while copying, fsync, read-back verification, rename, journal),
#   2. `cp -r` of the same tree (no verification, no fsync) as the floor,
#   3. a re-run of copy-files (every file trusted from the journal) and one without the journal (every file
#      hashed on both sides, nothing copied).
# The source is in the page cache for every run (it was just written). Not a test; figures vary with the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
files="${1:-2000}"
mib="${2:-500}"
cargo build --release -p pchat-migrate --bin pchat-migrate --quiet
bin="$PWD/target/release/pchat-migrate"
work="$(mktemp -d "${TMPDIR:-/tmp}/pcm-bench-copy.XXXXXX")"
trap 'rm -rf "$work"' EXIT

python3 - "$work/src" "$files" "$mib" <<'PY'
import os, sys
root, files, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
total = mib * 1024 * 1024
# Sizes 1..7 units, a mix of small and large files, scaled to the total.
weights = [1 + (i * 5) % 7 for i in range(files)]
unit = total / sum(weights)
for i, w in enumerate(weights):
    folder = os.path.join(root, f"room-{i % 40:02d}", f"file-{i:05d}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"upload {i}.bin"), "wb") as f:
        f.write(os.urandom(int(w * unit)))
PY
bytes="$(du -sb "$work/src" | cut -f1)"
printf 'tree: %s files, %.1f MiB in %s\n' "$files" "$(echo "$bytes / 1048576" | bc -l)" "$work/src"

# Runs a command under /usr/bin/time; prints elapsed seconds and max RSS (KiB) into the named variables.
measure() {
    local out="$work/time.txt"
    /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null
    read -r elapsed rss <"$out"
}
report() {
    printf '%-44s %8.2f s  %8.1f MiB/s  peak RSS %6.1f MiB\n' "$1" "$elapsed" \
        "$(echo "$bytes / 1048576 / $elapsed" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

sync
measure "$bin" -q copy-files --source "$work/src" --destination "$work/dst"
report "pchat-migrate copy-files (verified, fsync)"
sync
measure cp -r "$work/src" "$work/cp"
report "cp -r (floor: no verification, no fsync)"
measure "$bin" -q copy-files --source "$work/src" --destination "$work/dst"
report "copy-files re-run (journal: nothing read)"
rm "$work/dst/.pchat-copy-journal.jsonl"
measure "$bin" -q copy-files --source "$work/src" --destination "$work/dst"
report "copy-files re-run without journal (rehash)"
