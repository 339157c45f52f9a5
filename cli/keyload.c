/* SPDX-License-Identifier: MIT */
/*
 * cli/keyload.c - loading KEY arguments: a JWK, a JWKS or a PEM/DER key (cli/cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* 1 when the text looks like JSON (first non-blank byte '{'): JWK and JWKS carry their own kid. */
static int looks_like_json(const cli_buf *b) {
  for (size_t i = 0; i < b->len; i++) {
    if (!cli_is_space(b->data[i]))
      return b->data[i] == '{';
  }
  return 0;
}

/* PEM and DER keys have no kid: give them their thumbprint, as `sign` puts it in the header. */
static int set_thumbprint_kid(wb_key *key) {
  char tp[WB_THUMBPRINT_LEN];
  wb_error err = {0};
  if (wb_key_kid(key) != NULL)
    return 0;
  if (wb_key_thumbprint(key, tp, &err) != WB_OK || wb_key_set_kid(key, tp, &err) != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  return 0;
}

/* 1 when every byte of b is printable ASCII or whitespace: text, as a typed secret is. */
static int is_text(const cli_buf *b) {
  for (size_t i = 0; i < b->len; i++) {
    unsigned char c = (unsigned char)b->data[i];
    if ((c < 0x20 && !cli_is_space((char)c)) || c >= 0x7f)
      return 0;
  }
  return 1;
}

/* 1 when b looks like a compact JWS or JWE: base64url words joined by 2 or 4 dots. */
static int looks_like_token(const cli_buf *b, size_t *segments) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  size_t n = b->len;
  while (n > 0 && cli_is_space(b->data[n - 1]))
    n--;
  *segments = 1;
  for (size_t i = 0; i < n; i++)
    *segments += b->data[i] == '.';
  return n > 3 && strncmp(b->data, "eyJ", 3) == 0 && strspn(b->data, alphabet) == n &&
         (*segments == 3 || *segments == 5);
}

/*
 * KEY failed to parse and is not JSON (for JSON the parsers' own messages say what is wrong):
 * says what the file looks like and what was expected. Returns the exit code after printing.
 */
static int fail_key_file(const char *cmd, const char *path, const cli_buf *b, const wb_error *err) {
  const char *name = cli_is_stdin(path) ? "-" : path, *reason = wb_status_name(err->code);
  /* only sign and verify take a secret: elsewhere the hint names no option the command lacks */
  int secrets = strcmp(cmd, "sign") == 0 || strcmp(cmd, "verify") == 0;
  size_t skip = 0, segments;
  while (skip < b->len && cli_is_space(b->data[skip]))
    skip++;
  if (skip == b->len)
    return cli_fail(CLI_EXIT_USAGE, reason, "KEY '%s' is empty: expected a JWK, a JWKS or a PEM key", name);
  if (b->data[skip] == '{')
    return cli_fail_wb(CLI_EXIT_USAGE, err);
  if (strstr(b->data, "-----BEGIN CERTIFICATE-----") != NULL)
    return cli_fail(CLI_EXIT_USAGE, reason,
                    "KEY '%s' is a PEM CERTIFICATE, not a key: extract its public key with "
                    "openssl x509 -pubkey -noout -in FILE",
                    name);
  if (strncmp(b->data + skip, "-----BEGIN", 10) == 0)
    return cli_fail(CLI_EXIT_USAGE, reason, "KEY '%s': %s", name, err->message);
  if (looks_like_token(b, &segments))
    return cli_fail(CLI_EXIT_USAGE, reason,
                    "KEY '%s' looks like a JWT (%zu segments), not a key: pass it as TOKEN and give the "
                    "key with --key",
                    name, segments);
  if (is_text(b))
    return cli_fail(CLI_EXIT_USAGE, reason,
                    "KEY '%s' is not a JWK, JWKS or PEM key: it looks like a raw secret (%zu bytes of "
                    "text)%s",
                    name, b->len, secrets ? "; for an HMAC secret use --secret-file FILE" : "");
  return cli_fail(CLI_EXIT_USAGE, reason,
                  "KEY '%s' is %zu bytes of binary data but not a DER key (SPKI, PKCS#8, PKCS#1 or "
                  "SEC1)%s",
                  name, b->len, secrets ? "; a raw HMAC secret goes in --secret-file FILE" : "");
}

/* Parses b as a key set into k (k->one set when it holds a single key); 0 or the exit code. */
static int parse_set(const char *cmd, const char *path, const cli_buf *b, cli_key *k) {
  wb_error err = {0};
  if (wb_keyset_parse(&k->set, b->data, b->len, &err) != WB_OK)
    return fail_key_file(cmd, path, b, &err);
  if (wb_keyset_count(k->set) == 1)
    k->one = wb_keyset_get(k->set, 0);
  return 0;
}

int cli_load_key(const char *cmd, const char *path, cli_key *k) {
  cli_buf b;
  memset(k, 0, sizeof(*k));
  int rc = cli_read(path, CLI_MAX_FILE, "KEY", CLI_EXIT_USAGE, &b);
  if (rc != 0)
    return rc;
  if (wb_key_parse(&k->key, b.data, b.len, NULL) == WB_OK) {
    k->one = k->key;
    rc = looks_like_json(&b) ? 0 : set_thumbprint_kid(k->key);
  } else {
    /* Not a single key: a JWKS, or broken, in which case the key-set parser's reason is the most
     * specific one (it sniffs the same way and reports on the part that failed). */
    rc = parse_set(cmd, path, &b, k);
  }
  cli_buf_free(&b);
  if (rc != 0)
    cli_key_free(k);
  return rc;
}

int cli_load_key_set(const char *cmd, const char *path, cli_key *k) {
  cli_buf b;
  memset(k, 0, sizeof(*k));
  int rc = cli_read(path, CLI_MAX_FILE, "KEY", CLI_EXIT_USAGE, &b);
  if (rc != 0)
    return rc;
  rc = parse_set(cmd, path, &b, k);
  cli_buf_free(&b);
  return rc;
}

int cli_load_one_key(const char *cmd, const char *path, cli_key *k) {
  int rc = cli_load_key(cmd, path, k);
  if (rc != 0)
    return rc;
  if (k->one != NULL)
    return 0;
  size_t n = wb_keyset_count(k->set);
  cli_key_free(k);
  return cli_usage(cmd, "KEY is a key set of %zu keys; %s needs exactly one", n, cmd);
}

void cli_key_free(cli_key *k) {
  wb_key_free(k->key);
  wb_keyset_free(k->set);
  memset(k, 0, sizeof(*k));
}

/* ---- output ------------------------------------------------------------------------------- */

/* Writes text (NUL-terminated) and a newline unless it ends with one; to stdout or path. */
static int emit_text(const char *text, const char *path) {
  size_t n = strlen(text);
  int nl = n == 0 || text[n - 1] != '\n';
  if (path == NULL || strcmp(path, "-") == 0) {
    fputs(text, stdout);
    if (nl)
      fputc('\n', stdout);
    return 0;
  }
  char *copy = malloc(n + 2);
  if (copy == NULL)
    return cli_fail(CLI_EXIT_USAGE, "nomem", "out of memory");
  memcpy(copy, text, n);
  copy[n] = '\n';
  int rc = cli_write_private(path, copy, n + (size_t)nl);
  cli_wipe(copy, n + 1);
  free(copy);
  return rc;
}

int cli_emit_key(const wb_key *key, cli_format format, wb_key_part part, const char *path) {
  wb_error err = {0};
  char *text = NULL;
  if (wb_key_kty(key) == WB_KTY_OCT && format == CLI_FORMAT_PEM)
    return cli_usage(NULL, "an oct (HMAC) key is a raw secret and has no PEM form: use JWK");
  if (wb_key_kty(key) == WB_KTY_OCT && part == WB_KEY_PUBLIC)
    return cli_fail(CLI_EXIT_USAGE, "bad_key", "an oct key is a shared secret: it has no public half");
  wb_status st = format == CLI_FORMAT_PEM ? wb_key_to_pem(key, part, &text, &err)
                                          : wb_key_to_jwk(key, part, &text, &err);
  if (st != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  int rc = emit_text(text, path);
  wb_string_free(text);
  return rc;
}

int cli_emit_set(const wb_keyset *set, cli_format format, wb_key_part part, const char *path) {
  wb_error err = {0};
  char *text = NULL;
  if (format == CLI_FORMAT_PEM && wb_keyset_count(set) != 1)
    return cli_usage(NULL,
                     "PEM holds one key and KEY is a set of %zu: give a file with one key, or "
                     "write the set as a JWKS",
                     wb_keyset_count(set));
  if (format == CLI_FORMAT_PEM)
    return cli_emit_key(wb_keyset_get(set, 0), format, part, path);
  for (size_t i = 0; part == WB_KEY_PUBLIC && i < wb_keyset_count(set); i++) {
    if (wb_key_kty(wb_keyset_get(set, i)) == WB_KTY_OCT)
      return cli_fail(CLI_EXIT_USAGE, "bad_key", "an oct key is a shared secret: it has no public half");
  }
  if (wb_keyset_to_jwks(set, part, &text, &err) != WB_OK)
    return cli_fail_wb(CLI_EXIT_USAGE, &err);
  int rc = emit_text(text, path);
  wb_string_free(text);
  return rc;
}

void cli_kid_list(const wb_keyset *set, char *out, size_t cap) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < wb_keyset_count(set); i++) {
    const char *kid = wb_key_kid(wb_keyset_get(set, i));
    int n = snprintf(out + used, cap - used, "%s%s", i > 0 ? ", " : "", kid != NULL ? kid : "(none)");
    if (n < 0 || (size_t)n >= cap - used) {
      snprintf(out + (cap > 4 ? cap - 4 : 0), cap > 4 ? 4 : cap, "...");
      return;
    }
    used += (size_t)n;
  }
}
