#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/files.sh - files the CLI writes (keygen -o, convert -o): a new 0600 file created with
# O_EXCL in FILE's directory and rename()d over FILE. Each reproduced consequence of writing in
# place has its check: an open descriptor to the old file never sees the key, a symlink at FILE
# is never followed, a failed write leaves what was at FILE as it was, and `-o -` is stdout.
. "$(dirname "$0")/lib.sh"

# an open descriptor to the old (0644) file keeps reading the old bytes, never the new key
printf 'old public contents\n' >"$T/held.jwk"
chmod 644 "$T/held.jwk"
exec 3<"$T/held.jwk"
expect_ok "keygen -o over a file someone holds open" keygen HS256 -o "$T/held.jwk"
check "the holder still reads the old contents" test "$(cat <&3)" = "old public contents"
exec 3<&-
check "FILE now holds the key" test "$(json_get "$T/held.jwk" 'j["kty"]')" = oct
check "FILE is 0600" test "$(stat -c %a "$T/held.jwk")" = 600
(umask 000 && "$W" keygen ES256 -o "$T/umask0.jwk")
check "0600 also under umask 000" test "$(stat -c %a "$T/umask0.jwk")" = 600
check "no temporary file left behind" test -z "$(find "$T" -name '.*' -newer "$T/held.jwk" ! -path "$T")"

# a symlink at FILE is never followed: its target keeps its bytes, the link stays
printf 'target bytes\n' >"$T/target"
ln -s "$T/target" "$T/link.jwk"
expect_fail "symlink at FILE refused" 2 io keygen HS256 -o "$T/link.jwk"
check "the error says it is a symbolic link" grep -q 'symbolic link' "$T/err"
check "the symlink target is untouched" test "$(cat "$T/target")" = "target bytes"
check "the symlink is still there" test -L "$T/link.jwk"
ln -s "$T/nowhere" "$T/dangling.jwk"
expect_fail "dangling symlink at FILE refused" 2 io keygen HS256 -o "$T/dangling.jwk"
check "a dangling symlink's target is not created" test ! -e "$T/nowhere"

# a failed write leaves the previous file as it was (the write fails: a 1 KiB file size limit, an
# RSA key of about 1.7 KB; stderr, a file here, still has room for the one line)
printf 'previous key\n' >"$T/prev.jwk"
bash -c 'trap "" XFSZ; ulimit -f 1; exec "$0" keygen RS256 -o "$1"' "$W" "$T/prev.jwk" >"$T/out" 2>"$T/err"
check "failed write: exit 2" test $? -eq 2
check "failed write: one io line" grep -Eq '^wristband: io: ' "$T/err"
check "failed write: the previous file is untouched" test "$(cat "$T/prev.jwk")" = "previous key"
check "failed write: no temporary file left" test "$(ls -A "$T" | grep -c '^\.')" = 0

# what is not a regular file is never replaced nor deleted
mkfifo "$T/fifo"
expect_fail "a FIFO at FILE refused" 2 io keygen HS256 -o "$T/fifo"
check "the FIFO is still there" test -p "$T/fifo"
expect_fail "a device at FILE refused" 2 io keygen HS256 -o /dev/null
check "the error suggests -o -" grep -q -- "-o -" "$T/err"
check "/dev/null is still a device" test -c /dev/null
mkdir "$T/dir"
expect_fail "a directory at FILE refused" 2 io keygen HS256 -o "$T/dir"
expect_fail "a missing directory" 2 io keygen HS256 -o "$T/nodir/k.jwk"
printf 'x' >"$T/plain"
expect_fail "a path through a regular file" 2 io keygen HS256 -o "$T/plain/k.jwk"
check "... the file is untouched" test "$(cat "$T/plain")" = x
"$W" keygen ES256 --kid a >"$T/a.jwk"
"$W" keygen ES256 --kid b >"$T/b.jwk"
printf '{"keys":[%s,%s]}' "$(cat "$T/a.jwk")" "$(cat "$T/b.jwk")" >"$T/ab.jwks"
expect_ok "convert a private JWKS -o FILE" convert "$T/ab.jwks" --to jwk -o "$T/ab.out"
check "... 0600" test "$(stat -c %a "$T/ab.out")" = 600
check "... both private keys" test "$(json_get "$T/ab.out" 'sum("d" in k for k in j["keys"])')" = 2

# -o - is stdout, as everywhere else
mkdir "$T/cwd"
(cd "$T/cwd" && "$W" keygen ES256 -o - >"$T/stdout.jwk")
check "-o - prints the key" test "$(json_get "$T/stdout.jwk" 'j["kty"]')" = EC
check "-o - creates no file named -" test ! -e "$T/cwd/-"

# a long file name that is legal (NAME_MAX is 255) can be written: the temporary name beside it
# must not be longer than the name itself allows
long=$(printf 'k%.0s' $(seq 240))
mkdir "$T/longdir"
expect_ok "keygen -o a 240-byte file name" keygen ES256 -o "$T/longdir/$long"
check "... the key is there" test "$(json_get "$T/longdir/$long" 'j["kty"]')" = EC
check "... and nothing else" test "$(ls -A "$T/longdir" | wc -l)" = 1
long=$(printf 'k%.0s' $(seq 255))
expect_ok "keygen -o a 255-byte file name" keygen ES256 -o "$T/longdir/$long"

# Ctrl-C (or a TERM, HUP, QUIT) while the key is being written never leaves the temporary file,
# a hidden copy of the private key, behind: strace delivers SIGINT on entry to fsync, after the
# temporary file was created and filled, before the rename (no timing involved)
if command -v strace >/dev/null; then
  for sig in SIGINT SIGTERM; do
    mkdir "$T/sig$sig"
    sh -c 'strace -o /dev/null -e trace=fsync -e inject=fsync:signal=$0 "$1" keygen ES256 -o "$2"' \
      $sig "$W" "$T/sig$sig/k.jwk" >/dev/null 2>&1 # sh reports the signal death, not this script
    check "$sig during the write: no temporary file left" test -z "$(ls -A "$T/sig$sig" | grep '^\.')"
    check "$sig during the write: FILE is whole or absent" bash -c '[ ! -e "$0" ] || '"$PY"' -c "import json,sys; json.load(open(sys.argv[1]))" "$0"' "$T/sig$sig/k.jwk"
  done
  printf 'previous key\n' >"$T/sigprev.jwk"
  strace -o /dev/null -e trace=rename -e inject=rename:error=EIO:signal=SIGINT "$W" keygen ES256 -o "$T/sigprev.jwk" >/dev/null 2>&1
  check "SIGINT with a failed rename: the previous file is untouched" test "$(cat "$T/sigprev.jwk")" = "previous key"
  check "SIGINT with a failed rename: no temporary file left" test -z "$(ls -A "$T" | grep '^\.sigprev')"
else
  bad "strace is needed to deliver a signal mid-write (scripts/install-deps.sh installs it)"
fi

summary
