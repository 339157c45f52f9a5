/* SPDX-License-Identifier: MIT */
/*
 * cli/keypass.c - what the JWE commands share (cli/jose_cli.h): password files, KEY files kept as
 * encrypted JWKs (RFC 7517 appendix C) and read with --password-file, JWE algorithm names, the
 * decrypter a command builds from its options, and reading a compact or JSON JOSE object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jose_cli.h"

int cli_read_password(const char *path, cli_buf *pw) {
  if (cli_is_stdin(path))
    return cli_usage(NULL, "--password-file needs a file: stdin carries the token or the key");
  int rc = cli_read(path, CLI_MAX_PASSWORD, "password file", CLI_EXIT_USAGE, pw);
  if (rc != 0)
    return rc;
  if (pw->len > 0 && pw->data[pw->len - 1] == '\n')
    pw->len--;
  if (pw->len > 0 && pw->data[pw->len - 1] == '\r')
    pw->len--;
  if (pw->len == 0 || memchr(pw->data, '\0', pw->len) != NULL) {
    cli_buf_free(pw);
    return cli_fail(CLI_EXIT_USAGE, "invalid_arg", "the password file '%s' is empty or holds a NUL byte",
                    path);
  }
  return 0;
}

/* 1 when text[0..len) (surrounding whitespace ignored) has the shape of a compact JWE. */
static int looks_like_jwe(const char *text, size_t len) {
  size_t dots = 0;
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
    len--;
  if (len < 3 || memcmp(text, "eyJ", 3) != 0)
    return 0;
  for (size_t i = 0; i < len; i++)
    dots += text[i] == '.';
  return dots == 4;
}

/* An encrypted JWK in b: decrypted with the password of password_file into k. */
static int load_encrypted(const char *cmd, const cli_buf *b, const char *password_file, cli_key *k) {
  if (password_file == NULL)
    return cli_usage(cmd, "KEY is an encrypted JWK: give its --password-file");
  cli_buf pw = {0};
  int rc = cli_read_password(password_file, &pw);
  if (rc != 0)
    return rc;
  size_t len = b->len;
  while (len > 0 && (b->data[len - 1] == '\n' || b->data[len - 1] == '\r' || b->data[len - 1] == ' '))
    len--;
  wb_error err = {0};
  if (wb_key_from_encrypted_jwk(&k->key, b->data, len, pw.data, pw.len, 0, &err) != WB_OK)
    rc = cli_fail(CLI_EXIT_USAGE, wb_status_name(err.code), "KEY: %s", err.message);
  else
    k->one = k->key;
  cli_buf_free(&pw);
  return rc;
}

int cli_load_key_pw(const char *cmd, const char *path, const char *password_file, cli_key *k) {
  struct stat sb;
  memset(k, 0, sizeof(*k));
  /* stdin, a pipe or a FIFO can be read once: no sniffing there, the plain loader */
  if (cli_is_stdin(path) || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
    return cli_load_key(cmd, path, k);
  cli_buf b = {0};
  int rc = cli_read(path, CLI_MAX_FILE, "KEY", CLI_EXIT_USAGE, &b);
  if (rc != 0)
    return rc;
  int jwe = looks_like_jwe(b.data, b.len);
  rc = jwe ? load_encrypted(cmd, &b, password_file, k) : cli_load_key(cmd, path, k);
  cli_buf_free(&b);
  if (rc != 0)
    cli_key_free(k);
  return rc;
}

int cli_load_one_key_pw(const char *cmd, const char *path, const char *password_file, cli_key *k) {
  int rc = cli_load_key_pw(cmd, path, password_file, k);
  if (rc != 0 || k->one != NULL)
    return rc;
  size_t n = wb_keyset_count(k->set);
  cli_key_free(k);
  return cli_usage(cmd, "KEY is a key set of %zu keys; %s needs exactly one", n, cmd);
}

int cli_parse_jwe_alg(const char *cmd, const char *text, wb_jwe_alg *alg) {
  *alg = wb_jwe_alg_from_name(text, strlen(text));
  if (*alg == WB_JWE_ALG_INVALID)
    return cli_usage(cmd, "unknown key management algorithm '%s'", text);
  return 0;
}

int cli_parse_enc(const char *cmd, const char *text, wb_enc *enc) {
  *enc = wb_enc_from_name(text, strlen(text));
  if (*enc == WB_ENC_INVALID)
    return cli_usage(cmd, "unknown content encryption algorithm '%s'", text);
  return 0;
}

/* The policy of o on d: narrowing, then the opt-ins. */
static wb_status policy(const char *cmd, const cli_decrypt_opts *o, wb_decrypter *d, wb_error *err) {
  wb_status st = WB_OK;
  for (size_t i = 0; st == WB_OK && i < o->algs.count; i++) {
    wb_jwe_alg a;
    if (cli_parse_jwe_alg(cmd, o->algs.items[i], &a) != 0)
      return WB_ERR_INVALID_ARG;
    st = wb_decrypter_allow_alg(d, a, err);
  }
  for (size_t i = 0; st == WB_OK && i < o->encs.count; i++) {
    wb_enc e;
    if (cli_parse_enc(cmd, o->encs.items[i], &e) != 0)
      return WB_ERR_INVALID_ARG;
    st = wb_decrypter_allow_enc(d, e, err);
  }
  if (st == WB_OK && o->rsa1_5)
    st = wb_decrypter_allow_rsa1_5(d, err);
  if (st == WB_OK && o->pbes2)
    st = wb_decrypter_allow_pbes2(d, 0, err);
  if (st == WB_OK && o->zip)
    st = wb_decrypter_allow_zip(d, 0, err);
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_token_len = CLI_MAX_READ_JWE;
  if (st == WB_OK)
    st = wb_decrypter_set_limits(d, &lim, err);
  if (st != WB_OK)
    cli_fail_wb(CLI_EXIT_USAGE, err);
  return st;
}

/* A decrypter for PBES2 tokens: the password of o->password_file. */
static int password_decrypter(const char *cmd, const cli_decrypt_opts *o, wb_decrypter **d) {
  cli_buf pw = {0};
  wb_error err = {0};
  int rc = cli_read_password(o->password_file, &pw);
  if (rc == 0 && wb_decrypter_new_password(d, pw.data, pw.len, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  if (rc == 0 && policy(cmd, o, *d, &err) != WB_OK)
    rc = CLI_EXIT_USAGE;
  cli_buf_free(&pw);
  if (rc != 0) {
    wb_decrypter_free(*d);
    *d = NULL;
  }
  return rc;
}

int cli_decrypter(const char *cmd, const cli_decrypt_opts *o, wb_decrypter **d) {
  cli_key k = {0};
  wb_error err = {0};
  *d = NULL;
  if (o->key == NULL)
    return password_decrypter(cmd, o, d);
  int rc = cli_load_key_pw(cmd, o->key, o->password_file, &k);
  if (rc != 0)
    return rc;
  wb_status st = k.set != NULL ? wb_decrypter_new(d, k.set, &err) : wb_decrypter_new_key(d, k.key, &err);
  if (st != WB_OK)
    rc = cli_fail(CLI_EXIT_USAGE, wb_status_name(err.code), "KEY cannot decrypt: %s", err.message);
  else if (policy(cmd, o, *d, &err) != WB_OK)
    rc = CLI_EXIT_USAGE;
  cli_key_free(&k);
  if (rc != 0) {
    wb_decrypter_free(*d);
    *d = NULL;
  }
  return rc;
}

static int is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int cli_read_jose(const char *arg, cli_buf *buf, const char **text, size_t *len, int *json) {
  const char *s = arg;
  size_t n = arg != NULL ? strlen(arg) : 0;
  memset(buf, 0, sizeof(*buf));
  if (cli_is_stdin(arg)) {
    int rc = cli_read(arg, CLI_MAX_READ_JWE, "TOKEN", CLI_EXIT_REJECTED, buf);
    if (rc != 0)
      return rc;
    s = buf->data;
    n = buf->len;
  }
  while (n > 0 && is_ws(*s)) {
    s++;
    n--;
  }
  while (n > 0 && is_ws(s[n - 1]))
    n--;
  *json = n > 0 && s[0] == '{';
  if (n == 0)
    return cli_fail(CLI_EXIT_REJECTED, "malformed", "the token is empty");
  struct stat sb;
  if (!*json && !cli_is_stdin(arg) && stat(arg, &sb) == 0)
    return cli_fail(CLI_EXIT_REJECTED, "malformed",
                    "TOKEN '%s' is the name of a file, not a token: read the file with '- < %s'", arg, arg);
  for (size_t i = 0; !*json && i < n; i++) { /* a compact form is printable ASCII without spaces */
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7f)
      return cli_fail(CLI_EXIT_REJECTED, "malformed", "the token contains binary data or whitespace");
  }
  *text = s;
  *len = n;
  return 0;
}
