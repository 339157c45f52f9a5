#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/vectors/fetch_test.sh SOURCE_DIR VECTORS_DIR [VECTORS_TEST] - scripts/fetch-vectors.sh and
# its SHA-256 check, without the network:
#   - VECTORS_DIR (the folder this build's tests read) matches scripts/vectors.lock exactly;
#   - --from VECTORS_DIR assembles a complete folder (VECTORS_TEST, the vector suite, passes on it),
#     and a second run finds it up to date;
#   - the download path, pointed at a file:// mirror laid out as GitHub's raw URLs
#     (OWNER/REPO/COMMIT/PATH), gives the same folder;
#   - a tampered upstream file (copied or downloaded), a tampered file of tests/vectors/data, and a
#     missing file are refused with a message naming the file, and leave the destination as it was;
#   - a destination folder the script did not write is never replaced.
# Exit 77 (skipped) when VECTORS_DIR does not exist.
set -u
src=${1:?usage: fetch_test.sh SOURCE_DIR VECTORS_DIR [VECTORS_TEST]}
vec=${2:?usage: fetch_test.sh SOURCE_DIR VECTORS_DIR [VECTORS_TEST]}
vectors_test=${3:-}
if [ ! -d "$vec" ]; then
  echo "fetch test skipped: no vectors folder at $vec (see README.md, \"Test vectors\")"
  exit 77
fi
fetch=$src/scripts/fetch-vectors.sh
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $1"
  [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/      /'
}
# run ARGS...: runs fetch-vectors.sh (with $FETCH if set); sets RC and OUT (stdout + stderr).
run() {
  OUT=$(WRISTBAND_VECTORS= "${FETCH:-$fetch}" "$@" 2>&1)
  RC=$?
}
# snapshot DIR: one line per file with its digest, to show that a failed run changed nothing.
snapshot() { (cd "$1" 2>/dev/null && find . -type f -exec sha256sum {} + | sort) || echo "(absent)"; }
# tamper FILE: changes one byte in the middle of FILE.
tamper() {
  chmod u+w "$1"
  /usr/bin/python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)' "$1"
}
# upstream files of the lock file: "PATH NAME UPSTREAM_PATH", and the sources "NAME REPO COMMIT".
lock=$src/scripts/vectors.lock
upstream=$(awk '!/^#/ && $1 != "source" && NF == 3 && $3 != "repo" {split($3, o, ":"); print $2, o[1], substr($3, length(o[1]) + 2)}' "$lock")
sources=$(awk '$1 == "source" {print $2, $3, $4}' "$lock")
count=$(awk '!/^#/ && $1 != "source" && NF == 3' "$lock" | wc -l)

# 1. the configured vectors folder is exactly the pinned one
run --check "$vec"
[ "$RC" -eq 0 ] && ok || bad "--check $vec: the tests read the pinned files" "$OUT"

# 2. copy from a local folder; the result is complete and usable; a second run is a no-op
run --from "$vec" "$tmp/out"
if [ "$RC" -eq 0 ] && [ "$(cd "$tmp/out" && find . -type f ! -path ./README.md ! -path ./.wristband-vectors | wc -l)" -eq "$count" ]; then
  ok
else
  bad "--from $vec DEST: exit $RC, $count files" "$OUT"
fi
run --check "$tmp/out"
[ "$RC" -eq 0 ] && ok || bad "--check on the copied folder" "$OUT"
before=$(snapshot "$tmp/out")
run --from "$vec" "$tmp/out"
[ "$RC" -eq 0 ] && grep -q "up to date" <<<"$OUT" && [ "$(snapshot "$tmp/out")" = "$before" ] && ok ||
  bad "a second run finds the folder up to date and changes nothing" "$OUT"
if [ -n "$vectors_test" ]; then
  if vout=$(WRISTBAND_VECTORS="$tmp/out" "$vectors_test" 2>&1); then ok; else
    bad "the vector suite passes on the fetched folder" "$(printf '%s\n' "$vout" | tail -5)"
  fi
fi
# WRISTBAND_VECTORS is the default destination
OUT=$(WRISTBAND_VECTORS="$tmp/env" "$fetch" --from "$vec" 2>&1)
[ -f "$tmp/env/rfc/index.json" ] && ok || bad "\$WRISTBAND_VECTORS is the default destination" "$OUT"

# 3. a tampered upstream file, copied: refused, named, nothing written
mkdir -p "$tmp/bad"
cp -R "$vec/." "$tmp/bad/" && chmod -R u+w "$tmp/bad"
victim=wycheproof/testvectors/json_web_signature_test.json
tamper "$tmp/bad/$victim"
run --from "$tmp/bad" "$tmp/new"
[ "$RC" -eq 1 ] && grep -q "$victim: SHA-256 .*refused" <<<"$OUT" && [ ! -e "$tmp/new" ] && ok ||
  bad "a tampered copied file is refused and nothing is written (exit $RC)" "$OUT"
# ... and an existing, out-of-date destination keeps its files
rm "$tmp/out/rfc/index.json"
before=$(snapshot "$tmp/out")
run --from "$tmp/bad" "$tmp/out"
[ "$RC" -eq 1 ] && [ "$(snapshot "$tmp/out")" = "$before" ] && ok ||
  bad "a refused run leaves the existing destination as it was (exit $RC)" "$OUT"
run --check "$tmp/out"
[ "$RC" -eq 1 ] && grep -q "rfc/index.json: missing" <<<"$OUT" && ok || bad "--check names a missing file" "$OUT"
run --check "$tmp/bad"
[ "$RC" -eq 1 ] && grep -q "$victim: SHA-256" <<<"$OUT" && ok || bad "--check names a tampered file" "$OUT"
# a missing upstream file
rm "$tmp/bad/rfc7520/jws/4_1.rsa_v15_signature.json"
run --from "$tmp/bad" "$tmp/new"
[ "$RC" -eq 1 ] && grep -q "rfc7520/jws/4_1.rsa_v15_signature.json: missing" <<<"$OUT" && [ ! -e "$tmp/new" ] && ok ||
  bad "a missing file is refused" "$OUT"

# 4. a tampered file of the project's own data (a copy of the script, lock and data)
mkdir -p "$tmp/repo/scripts" "$tmp/repo/tests/vectors"
cp "$fetch" "$lock" "$tmp/repo/scripts/"
cp -R "$src/tests/vectors/data" "$tmp/repo/tests/vectors/"
tamper "$tmp/repo/tests/vectors/data/rfc/rfc7515_A.1_hs256.json"
FETCH=$tmp/repo/scripts/fetch-vectors.sh run --from "$vec" "$tmp/new"
[ "$RC" -eq 1 ] && grep -q "rfc/rfc7515_A.1_hs256.json: SHA-256 .*repo" <<<"$OUT" && [ ! -e "$tmp/new" ] && ok ||
  bad "a tampered tests/vectors/data file is refused" "$OUT"

# 5. the download path, from a file:// mirror of GitHub's raw layout
while read -r path name upath; do
  read -r repo commit <<<"$(awk -v n="$name" '$1 == n {print $2, $3}' <<<"$sources")"
  mkdir -p "$(dirname "$tmp/mirror/$repo/$commit/$upath")"
  cp "$vec/$path" "$tmp/mirror/$repo/$commit/$upath"
done <<<"$upstream"
export WB_VECTORS_RAW_URL=file://$tmp/mirror
run "$tmp/dl"
[ "$RC" -eq 0 ] && [ "$(snapshot "$tmp/dl")" = "$(snapshot "$tmp/env")" ] && ok ||
  bad "download from the mirror gives the same folder (exit $RC)" "$OUT"
read -r path name upath <<<"$(grep '^wycheproof/testvectors/json_web_key_test.json ' <<<"$upstream")"
read -r repo commit <<<"$(awk -v n="$name" '$1 == n {print $2, $3}' <<<"$sources")"
tamper "$tmp/mirror/$repo/$commit/$upath"
run "$tmp/dl2"
[ "$RC" -eq 1 ] && grep -q "$path: SHA-256 .*refused" <<<"$OUT" && [ ! -e "$tmp/dl2" ] && ok ||
  bad "a tampered download is refused and nothing is written (exit $RC)" "$OUT"
rm "$tmp/mirror/$repo/$commit/$upath"
run "$tmp/dl2"
[ "$RC" -eq 1 ] && grep -q "$path: download of file://.* failed" <<<"$OUT" && [ ! -e "$tmp/dl2" ] && ok ||
  bad "a failed download is refused and nothing is written (exit $RC)" "$OUT"
unset WB_VECTORS_RAW_URL

# 6. a folder the script did not write is never replaced
mkdir -p "$tmp/mine" && echo keep >"$tmp/mine/notes.txt"
run --from "$vec" "$tmp/mine"
[ "$RC" -eq 2 ] && [ "$(cat "$tmp/mine/notes.txt")" = keep ] && [ ! -e "$tmp/mine/rfc" ] && ok ||
  bad "a non-empty folder not written by the script is refused (exit $RC)" "$OUT"
run --from "$tmp/nonexistent" "$tmp/new"
[ "$RC" -eq 2 ] && ok || bad "--from a missing folder: exit 2 (got $RC)" "$OUT"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
