#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cli/completion.sh PATH_TO_WRISTBAND [BUILD_DIR] - `wristband completion bash|zsh`: the
# bash script loads in bash, registers itself and completes commands, every option of every
# command's --help, algorithm names, --to values and files; the zsh script is a #compdef function
# (and parses, when zsh is installed); `cmake --install` puts both where the shells look.
. "$(dirname "$0")/lib.sh"
BUILD=${2:-}

expect_ok "completion bash" completion bash
printf '%s\n' "$OUT" >"$T/wristband.bash"
check "bash: the script parses" bash -n "$T/wristband.bash"
check "bash: registered for wristband" bash -c 'source "$0" && complete -p wristband | grep -q -- "-F _wristband"' "$T/wristband.bash"

# comp WORDS...: the completions bash offers for the last word (empty = complete a new word)
comp() {
  bash -c 'source "$0"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _wristband; printf "%s\n" "${COMPREPLY[@]}"' \
    "$T/wristband.bash" x "$@" 2>/dev/null
}
check "commands: s -> serve sign store" bash -c '[ "$(printf "%s\n" "$@" | sort | tr "\n" " ")" = "serve sign store " ]' x $(comp wristband s)
check "commands: every command of --help" bash -c 'for c in keygen pubkey thumbprint sign verify decode jwks convert completion dpop serve user client keys store; do grep -qx "$c" <<<"$0" || exit 1; done' "$(comp wristband '')"
for c in keygen pubkey thumbprint sign verify decode jwks convert completion; do
  want=$("$W" $c --help | grep -o -- '--[a-z][a-z0-9-]*' | grep -v -- '--help' | sort -u)
  got=$(comp wristband $c --)
  missing=$(comm -23 <(printf '%s\n' "$want" | grep -v '^$') <(printf '%s\n' "$got" | sort -u) | tr '\n' ' ')
  check "$c: completes every option of its --help (missing: $missing)" test -z "$missing"
done
check "sign --k completes --key and --kid" test "$(comp wristband sign --k | sort | tr '\n' ' ')" = "--key --kid "
check "--alg completes algorithm names" bash -c 'grep -qx ES256 <<<"$0" && grep -qx EdDSA <<<"$0" && ! grep -qx none <<<"$0"' "$(comp wristband verify --alg '')"
check "keygen ALG completes algorithm names" bash -c 'grep -qx PS384 <<<"$0"' "$(comp wristband keygen P)"
check "convert --to completes jwk and pem" test "$(comp wristband convert --to '' | sort | tr '\n' ' ')" = "jwk pem "
check "completion completes bash and zsh" test "$(comp wristband completion '' | sort | tr '\n' ' ')" = "bash zsh "
mkdir "$T/keys" && : >"$T/keys/signing.jwk"
check "--key completes file names" bash -c 'cd "$0" && grep -qx keys/signing.jwk <<<"$1"' "$T" "$(cd "$T" && comp wristband sign --key keys/s)"
# a file name with a space or a glob character is one completion, as it is: never split into
# words, never expanded against the directory
mkdir "$T/odd" && : >"$T/odd/my key.jwk" && : >"$T/odd/[ab].pem" && : >"$T/odd/a.pem"
check "a file name with a space completes whole" test "$(cd "$T/odd" && comp wristband sign --key my)" = "my key.jwk"
check "a file name with glob characters is not expanded" test "$(cd "$T/odd" && comp wristband pubkey '[')" = "[ab].pem"
check "--secret-env completes variable names" bash -c 'grep -qx HOME <<<"$0"' "$(comp wristband verify --secret-env HO)"
check "--iss completes nothing" test -z "$(comp wristband verify --iss '')"

expect_ok "completion zsh" completion zsh
printf '%s\n' "$OUT" >"$T/_wristband"
check "zsh: a #compdef file" test "$(head -n 1 "$T/_wristband")" = "#compdef wristband"
check "zsh: lists every command" bash -c 'for c in keygen sign verify convert completion; do grep -q "compadd -- .*$c" "$0" || exit 1; done' "$T/_wristband"
if command -v zsh >/dev/null; then
  check "zsh: the script parses" zsh -n "$T/_wristband"
fi
expect_fail "completion fish" 2 usage completion fish
expect_fail "completion without a shell" 2 usage completion

# cmake --install puts them where bash-completion and zsh look
if [ -n "$BUILD" ]; then
  if cmake --install "$BUILD" --prefix "$T/prefix" --component completion >"$T/install.log" 2>&1; then ok; else bad "cmake --install --component completion: $(cat "$T/install.log")"; fi
  check "installed: share/bash-completion/completions/wristband" cmp -s "$T/prefix/share/bash-completion/completions/wristband" "$T/wristband.bash"
  check "installed: share/zsh/site-functions/_wristband" cmp -s "$T/prefix/share/zsh/site-functions/_wristband" "$T/_wristband"
fi

summary
