/* SPDX-License-Identifier: MIT */
/*
 * cli/secret.c - HMAC secrets without writing a JWK: --secret-file FILE (the file's raw bytes),
 * --secret-env VAR (the variable's bytes) and --secret-b64 FILE|- (base64 or base64url text,
 * padding and line breaks allowed). Never a secret as an argument: other users see arguments in
 * ps, so --secret VALUE is refused with a pointer to these. A secret shorter than the hash of the
 * algorithm is refused with both lengths (RFC 7518 3.2). Bytes that are a key (PEM, a JWK or JWKS,
 * DER) are refused as a secret: an HMAC secret made of a public key's text lets anyone who has the
 * public key forge tokens, the key confusion the key rules stop for --key (RFC 8725 2.1). Buffers
 * holding secrets are wiped.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_secret_opt(cli_secret *s, int which, const char *value, const char *cmd) {
  const char **slot = which == CLI_SECRET_FILE ? &s->file : which == CLI_SECRET_ENV ? &s->env : &s->b64;
  if (which == CLI_SECRET_ARG)
    return cli_usage(cmd, "--secret takes no secret on the command line (every user sees it in ps): use "
                          "--secret-file FILE, --secret-env VAR or --secret-b64 FILE|-");
  if (s->file != NULL || s->env != NULL || s->b64 != NULL)
    return cli_usage(cmd, "give one of --secret-file, --secret-env and --secret-b64");
  *slot = value;
  return 0;
}

int cli_secret_given(const cli_secret *s) {
  return s->file != NULL || s->env != NULL || s->b64 != NULL;
}

int cli_secret_uses_stdin(const cli_secret *s) {
  return s->b64 != NULL && strcmp(s->b64, "-") == 0;
}

/* base64 or base64url text (whitespace, '=' padding and either alphabet) into raw bytes. */
static int decode_b64(const cli_buf *in, cli_buf *out) {
  wb_error err = {0};
  size_t n = 0;
  char *text = cli_xrealloc(NULL, in->len + 1);
  for (size_t i = 0; i < in->len; i++) {
    char c = in->data[i];
    if (cli_is_space(c))
      continue;
    text[n++] = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  for (int pad = 0; pad < 2 && n > 0 && text[n - 1] == '='; pad++)
    n--;
  size_t cap = WB_B64URL_DECODED_MAX(n); /* and a NUL after the bytes, as cli_buf has */
  out->data = cli_xrealloc(NULL, cap + 1);
  int rc = 0;
  if (n == 0 || wb_b64url_decode((unsigned char *)out->data, cap, text, n, &out->len, &err) != WB_OK) {
    rc = cli_fail(CLI_EXIT_USAGE, "malformed", "--secret-b64: the text is not base64 or base64url%s%s",
                  n == 0 ? " (it is empty)" : ": ", n == 0 ? "" : err.message);
    cli_wipe(out->data, cap + 1); /* a failed decode leaves what it decoded, and out->len 0 */
    free(out->data);
    out->data = NULL;
    out->len = 0;
  } else {
    out->data[out->len] = '\0';
  }
  cli_wipe(text, in->len);
  free(text);
  return rc;
}

/* 1 when b (NUL-terminated) is exactly one DER SEQUENCE, as a DER key file is. */
static int is_der_sequence(const cli_buf *b) {
  const unsigned char *d = (const unsigned char *)b->data;
  if (b->len < 2 || d[0] != 0x30)
    return 0;
  if (d[1] < 0x80)
    return b->len == 2u + d[1];
  if (d[1] == 0x81 && b->len >= 3)
    return b->len == 3u + d[2];
  return d[1] == 0x82 && b->len >= 4 && b->len == 4u + ((size_t)d[2] << 8 | d[3]);
}

/*
 * What kind of key the secret's bytes b are, or NULL when they are no key: PEM armour of anything
 * (a key or a certificate), text naming a "kty" (a JWK or JWKS, also one the library refuses, such
 * as a weak RSA key), or JSON or a DER SEQUENCE the key parsers read. The parsers only see bytes
 * shaped like a key, never an ordinary secret.
 */
static const char *key_form(const cli_buf *b) {
  size_t skip = 0;
  while (skip < b->len && cli_is_space(b->data[skip]))
    skip++;
  if (strstr(b->data, "-----BEGIN") != NULL)
    return "a PEM key or certificate";
  if (strstr(b->data, "\"kty\"") != NULL) /* also after a byte-order mark or other leading bytes */
    return "a JWK or JWKS";
  int json = skip < b->len && b->data[skip] == '{';
  if (!json && !is_der_sequence(b))
    return NULL;
  wb_key *key = NULL;
  wb_keyset *set = NULL;
  int parsed = wb_key_parse(&key, b->data, b->len, NULL) == WB_OK ||
               (json && wb_keyset_parse(&set, b->data, b->len, NULL) == WB_OK);
  wb_key_free(key);
  wb_keyset_free(set);
  return parsed ? (json ? "a JWK or JWKS" : "a DER key") : NULL;
}

/* A text file ending in a newline: the newline is part of the raw secret, say so. */
static void warn_newline(const cli_buf *b) {
  if (b->len < 2 || b->data[b->len - 1] != '\n')
    return;
  for (size_t i = 0; i + 1 < b->len; i++) {
    unsigned char c = (unsigned char)b->data[i];
    if (c < 0x20 || c >= 0x7f)
      return; /* binary: the last byte is just a byte */
  }
  cli_warn("--secret-file: the file ends with a newline, which is part of the secret (raw bytes); "
           "write it with printf '%%s', or use --secret-b64");
}

/* The raw secret bytes into b (wiped by the caller). 0 or the exit code. */
static int read_secret(const char *cmd, const cli_secret *s, cli_buf *b) {
  if (s->env != NULL) {
    if (s->env[0] == '\0' || strchr(s->env, '=') != NULL) /* getenv("A=x") would find A's tail */
      return cli_usage(cmd, "--secret-env: '%s' is not a variable name", s->env);
    const char *v = getenv(s->env);
    if (v == NULL)
      return cli_usage(cmd, "--secret-env: the environment variable %s is not set", s->env);
    if (v[0] == '\0')
      return cli_usage(cmd, "--secret-env: the environment variable %s is empty", s->env);
    b->len = strlen(v);
    b->data = cli_xrealloc(NULL, b->len + 1);
    memcpy(b->data, v, b->len + 1);
    return 0;
  }
  if (s->file != NULL) {
    int rc = cli_read(s->file, CLI_MAX_FILE, "--secret-file", CLI_EXIT_USAGE, b);
    if (rc == 0 && b->len == 0)
      rc = cli_fail(CLI_EXIT_USAGE, "bad_key", "--secret-file '%s' is empty", s->file);
    return rc;
  }
  cli_buf text = {0};
  int rc = cli_read(s->b64, CLI_MAX_FILE, "--secret-b64", CLI_EXIT_USAGE, &text);
  if (rc == 0)
    rc = decode_b64(&text, b);
  cli_buf_free(&text);
  return rc;
}

/* The secret's bytes are a key: refused (bad_key, exit 2), naming where they came from. */
static int fail_key_as_secret(const cli_secret *s, const char *form) {
  const char *opt = s->env != NULL ? "--secret-env" : s->file != NULL ? "--secret-file" : "--secret-b64";
  const char *where = s->env != NULL ? s->env : s->file != NULL ? s->file : s->b64;
  const char *q = s->env != NULL ? "" : "'";
  return cli_fail(CLI_EXIT_USAGE, "bad_key",
                  "%s %s%s%s holds %s, not a raw secret: give a key with --key (an HMAC secret made of a "
                  "key's text is known to whoever has the public key)",
                  opt, q, where, q, form);
}

int cli_load_secret(const char *cmd, const cli_secret *s, wb_key **key) {
  wb_error err = {0};
  cli_buf b = {0};
  const char *form = NULL;
  *key = NULL;
  int rc = read_secret(cmd, s, &b);
  if (rc == 0 && b.len == 0)
    rc = cli_fail(CLI_EXIT_USAGE, "bad_key", "the secret is empty");
  if (rc == 0 && (form = key_form(&b)) != NULL)
    rc = fail_key_as_secret(s, form);
  if (rc == 0 && s->file != NULL)
    warn_newline(&b);
  if (rc == 0 && wb_key_from_secret(key, (const unsigned char *)b.data, b.len, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  cli_buf_free(&b);
  return rc;
}

int cli_check_hmac_len(const wb_key *key, wb_alg alg) {
  static const struct {
    wb_alg alg;
    unsigned bytes;
  } hashes[] = {{WB_ALG_HS256, 32}, {WB_ALG_HS384, 48}, {WB_ALG_HS512, 64}};
  if (wb_key_kty(key) != WB_KTY_OCT)
    return 0;
  unsigned have = wb_key_bits(key) / 8;
  for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
    if (hashes[i].alg == alg && have < hashes[i].bytes)
      return cli_fail(CLI_EXIT_USAGE, "bad_key",
                      "the HMAC key is %u bytes; %s needs at least %u (its hash size, RFC 7518 3.2)", have,
                      wb_alg_name(alg), hashes[i].bytes);
  }
  return 0;
}
