#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/fetch-vectors.sh - puts the test vectors into a vectors folder, every file checked
# against its SHA-256 in scripts/vectors.lock: Project Wycheproof's JOSE vectors and the JOSE
# Cookbook (RFC 7520) downloaded from GitHub at the pinned commits, and the project's own files
# (the RFC appendix examples, notes on Wycheproof) taken from tests/vectors/data/.
#
#   scripts/fetch-vectors.sh [DEST]              download (curl) into DEST
#   scripts/fetch-vectors.sh --from DIR [DEST]   copy the upstream files from DIR instead, a vectors
#                                                folder of the same layout (another machine's copy)
#   scripts/fetch-vectors.sh --check [DEST]      verify DEST against the lock file, change nothing
#
# DEST defaults to $WRISTBAND_VECTORS, else vectors/ at the top of the repository (where the test
# suite looks when $WRISTBAND_VECTORS is unset). The files are assembled in a scratch folder beside
# DEST and moved into place only when every digest matched: a failed run leaves DEST as it was.
# An existing DEST is replaced only if this script wrote it (or it is empty).
# WB_VECTORS_RAW_URL (default https://raw.githubusercontent.com) is the download base, as
# BASE/OWNER/REPO/COMMIT/PATH; the test suite points it at a file:// mirror.
# Exit status: 0 done (or already up to date), 1 a file is missing or its digest differs, 2 usage.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
lock=$root/scripts/vectors.lock
data=$root/tests/vectors/data
marker=.wristband-vectors
raw_url=${WB_VECTORS_RAW_URL:-https://raw.githubusercontent.com}

usage() {
  sed -n 's/^#   \(scripts\/fetch-vectors.sh\)/usage: \1/p' "$0" >&2
  exit 2
}
die() {
  echo "fetch-vectors: $*" >&2
  exit "${rc:-1}"
}

mode=fetch
from=
dest=
while [ $# -gt 0 ]; do
  case $1 in
    --from)
      [ $# -ge 2 ] || usage
      mode=copy
      from=$2
      shift 2
      ;;
    --check)
      mode=check
      shift
      ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
      [ -z "$dest" ] || usage
      dest=$1
      shift
      ;;
  esac
done
dest=${dest:-${WRISTBAND_VECTORS:-$root/vectors}}
dest=${dest%/}
[ -n "$dest" ] || usage
if [ "$mode" = copy ]; then
  [ -d "$from" ] || rc=2 die "--from $from: no such folder"
  from=$(cd "$from" && pwd)
fi

# The lock file: "source NAME REPO COMMIT" lines, then "SHA256 PATH ORIGIN" lines.
declare -A repo_of commit_of
paths=()
origins=()
sums=()
while read -r a b c d; do
  case $a in
    '' | '#'*) continue ;;
    source)
      repo_of[$b]=$c
      commit_of[$b]=$d
      ;;
    *)
      [[ $a =~ ^[0-9a-f]{64}$ && -n $b && -n $c && $b != /* && $b != *..* ]] ||
        die "$lock: malformed line: $a $b $c"
      sums+=("$a")
      paths+=("$b")
      origins+=("$c")
      ;;
  esac
done <"$lock"
[ ${#paths[@]} -gt 0 ] || die "$lock lists no files"

# verify DIR: checks every listed file of DIR; prints one line per missing or differing file.
verify() {
  local dir=$1 i bad=0 sum file
  local -a present=()
  local -A got=()
  for i in "${!paths[@]}"; do
    if [ -f "$dir/${paths[$i]}" ]; then
      present+=("${paths[$i]}")
    else
      echo "fetch-vectors: ${paths[$i]}: missing" >&2
      bad=1
    fi
  done
  if [ ${#present[@]} -gt 0 ]; then
    while read -r sum file; do got[$file]=$sum; done < <(cd "$dir" && sha256sum -- "${present[@]}")
  fi
  for i in "${!paths[@]}"; do
    [ -f "$dir/${paths[$i]}" ] || continue
    if [ "${got[${paths[$i]}]:-}" != "${sums[$i]}" ]; then
      echo "fetch-vectors: ${paths[$i]}: SHA-256 ${got[${paths[$i]}]:-?}, expected ${sums[$i]} (${origins[$i]}): refused" >&2
      bad=1
    fi
  done
  return $bad
}

describe() {
  local name out=
  for name in "${!repo_of[@]}"; do
    out="$out${out:+, }${repo_of[$name]}@${commit_of[$name]:0:12}"
  done
  echo "$out"
}

if [ "$mode" = check ]; then
  [ -d "$dest" ] || die "$dest: no such folder"
  verify "$dest" || die "$dest does not match scripts/vectors.lock"
  echo "fetch-vectors: $dest: all ${#paths[@]} files match scripts/vectors.lock"
  exit 0
fi

if [ -d "$dest" ] && verify "$dest" 2>/dev/null; then
  echo "fetch-vectors: $dest is up to date (${#paths[@]} files match scripts/vectors.lock)"
  exit 0
fi
if [ -e "$dest" ] && { [ ! -d "$dest" ] ||
  { [ -n "$(ls -A "$dest")" ] && [ ! -f "$dest/$marker" ]; }; }; then
  rc=2 die "$dest exists and was not written by fetch-vectors.sh; name a new or empty folder"
fi
[ "$mode" = copy ] || command -v curl >/dev/null || rc=2 die "curl is needed (scripts/install-deps.sh installs it)"

parent=$(dirname "$dest")
mkdir -p "$parent"
stage=$(mktemp -d "$parent/.fetch-vectors.XXXXXX")
trap 'rm -rf "$stage"' EXIT

failed=0
for i in "${!paths[@]}"; do
  path=${paths[$i]}
  origin=${origins[$i]}
  mkdir -p "$stage/$(dirname "$path")"
  if [ "$origin" = repo ]; then
    src=$data/$path
    [ -f "$src" ] && cp "$src" "$stage/$path" || { echo "fetch-vectors: $path: missing from tests/vectors/data" >&2; failed=1; }
    continue
  fi
  name=${origin%%:*}
  upath=${origin#*:}
  [ -n "${repo_of[$name]:-}" ] || die "$lock: $path names an unknown source '$name'"
  if [ "$mode" = copy ]; then
    [ -f "$from/$path" ] && cp "$from/$path" "$stage/$path" || { echo "fetch-vectors: $path: missing from $from" >&2; failed=1; }
  else
    url=$raw_url/${repo_of[$name]}/${commit_of[$name]}/$upath
    # The first failed download ends the run (an unreachable host would fail every file).
    curl -fsSL --retry 2 --connect-timeout 20 --max-time 300 -o "$stage/$path" "$url" 2>"$stage/.curl" ||
      die "$path: download of $url failed: $(head -n 1 "$stage/.curl"); nothing changed in $dest"
  fi
done
rm -f "$stage/.curl"
[ "$failed" -eq 0 ] || die "nothing changed in $dest"
verify "$stage" || die "nothing changed in $dest"

cp "$data/README.md" "$stage/README.md"
{
  echo "Written by scripts/fetch-vectors.sh; contents pinned by scripts/vectors.lock:"
  echo "$(describe) and the repository's tests/vectors/data."
} >"$stage/$marker"
chmod -R u+w,a+rX,go-w "$stage"
if [ -e "$dest" ]; then
  old=$(mktemp -d "$parent/.fetch-vectors-old.XXXXXX")
  mv "$dest" "$old/"
  mv "$stage" "$dest"
  rm -rf "$old"
else
  mv "$stage" "$dest"
fi
how=$([ "$mode" = copy ] && echo "copied from $from" || echo "downloaded from $(describe)")
echo "fetch-vectors: ${#paths[@]} files in $dest, SHA-256 checked ($how; the project's own from tests/vectors/data)"
