#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/outfile_faults.sh - a key file written with -o survives every failure of the write
# (cli/outfile.c): under tests/cli/failsys.c (LD_PRELOAD), fchmod, write (no progress), fsync,
# close or rename of the temporary file fails; each time the command exits 2 with one line
# naming the file, FILE keeps its old bytes and no temporary file stays beside it. A write
# interrupted by a signal (EINTR) is retried and the key written whole.
# Usage: outfile_faults.sh PATH_TO_WRISTBAND PATH_TO_FAILSYS_SO. Not under ASan (LD_PRELOAD).
. "$(dirname "$0")/lib.sh"
FAILSYS_SO=$(realpath "${2:-}")
[ -f "$FAILSYS_SO" ] || { bad "usage: $0 WRISTBAND FAILSYS_SO"; summary; exit; }

"$W" keygen ES256 --kid old -o "$T/key.jwk"
cp "$T/key.jwk" "$T/key.orig"

# faulty FAULT ARGS...: runs wristband with the fault; sets RC, OUT, ERR as run does
faulty() {
  local fault=$1
  shift
  FAILSYS=$fault LD_PRELOAD=$FAILSYS_SO "$W" "$@" >"$T/out" 2>"$T/err" </dev/null
  RC=$?
  ERR=$(cat "$T/err")
}

for case in "fchmod:cannot write" "write0:cannot write" "fsync:cannot write" "close:cannot write" \
  "rename:cannot replace"; do
  fault=${case%%:*} what=${case#*:}
  for cmd in "keygen ES256 --kid new -o $T/key.jwk" "convert $T/key.orig --to pem -o $T/key.jwk" \
    "keygen A256KW --password-file $T/pw -o $T/key.jwk"; do
    printf 'a password' >"$T/pw"
    # shellcheck disable=SC2086 # the command's words
    faulty "$fault" $cmd
    if [ "$RC" -ne 2 ]; then
      bad "$fault, $cmd: exit $RC, wanted 2 ($ERR)"
    elif [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q "^wristband: io: $what '$T/key.jwk': " "$T/err"; then
      bad "$fault, $cmd: stderr is not one line 'io: $what': $ERR"
    elif [ -s "$T/out" ]; then
      bad "$fault, $cmd: stdout not empty"
    else
      ok
    fi
    check "$fault, $cmd: the old file unchanged" cmp -s "$T/key.jwk" "$T/key.orig"
    check "$fault, $cmd: no temporary file left" [ -z "$(find "$T" -maxdepth 1 -name '.*.tmp')" ]
  done
done

faulty eintr keygen ES256 --kid new -o "$T/key.jwk"
check "an interrupted write is retried: exit 0 ($ERR)" [ "$RC" -eq 0 ]
check "... the new key written whole" [ "$(json_get "$T/key.jwk" 'j["kid"]')" = new ]
check "... mode 0600" [ "$(stat -c %a "$T/key.jwk")" = 600 ]
check "... no temporary file left" [ -z "$(find "$T" -maxdepth 1 -name '.*.tmp')" ]

summary
