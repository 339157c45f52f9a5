/* SPDX-License-Identifier: MIT */
/*
 * cli/jose_forms.c - the forms of `wristband sign` and `wristband verify` beyond the compact JWT
 * (issue 13; cli/jose_cli.h): sign --encrypt-to KEY (a nested JWT: signed, then encrypted),
 * sign --json (the flattened JSON serialization; several --key give the general one),
 * sign --detached FILE (FILE's bytes signed, left out of the output); verify --decrypt-key KEY,
 * verify of a JSON token, verify --detached FILE. Which form a token is in is never guessed from
 * its contents where it decides trust: a nested JWT is read only with --decrypt-key, a detached
 * payload only with --detached.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jose_cli.h"

#define MAX_SIGNATURES 64 /* what the library accepts in a JSON JWS */

/* ---- sign ---------------------------------------------------------------------------------- */

int cli_sign_form_opt(cli_sign_form *f, int which, const char *value) {
  switch (which) {
  case CLI_FORM_ENCRYPT_TO:
    return cli_set_once("sign", &f->encrypt_to, value, "--encrypt-to");
  case CLI_FORM_DETACHED:
    return cli_set_once("sign", &f->detached, value, "--detached");
  case CLI_FORM_PASSWORD:
    return cli_set_once("sign", &f->password_file, value, "--password-file");
  default:
    f->json = 1;
    return 0;
  }
}

int cli_sign_form_active(const cli_sign_form *f) {
  return f->encrypt_to != NULL || f->detached != NULL || f->json;
}

int cli_sign_form_check(const cli_sign_form *f, int claims_given) {
  if (f->more_keys.count > 0 && !f->json)
    return cli_usage("sign", "several --key sign the JSON serialization: add --json");
  if (f->encrypt_to != NULL && (f->json || f->detached != NULL))
    return cli_usage("sign", "--encrypt-to makes a compact nested JWT: not with --json or --detached");
  if (f->detached != NULL && claims_given)
    return cli_usage("sign", "--detached signs FILE's bytes: no claims, CLAIMS_FILE or claims flags");
  if (f->detached != NULL && cli_is_stdin(f->detached))
    return cli_usage("sign", "--detached needs a file");
  return 0;
}

/* A signer for key: alg (WB_ALG_INVALID: the key's default), typ, kid. */
static int make_signer(const wb_key *key, wb_alg alg, const char *typ, int detached, const char *kid,
                       wb_signer **s) {
  wb_error err = {0};
  if (alg == WB_ALG_INVALID && (alg = wb_key_default_alg(key)) == WB_ALG_INVALID)
    return cli_usage("sign", "a --key has no alg and its type allows several: give --alg");
  wb_status st = wb_signer_new(s, key, alg, &err);
  if (st == WB_OK && (typ != NULL || detached)) /* a detached payload is no JWT: no typ by default */
    st = wb_signer_set_typ(*s, typ, &err);
  if (st == WB_OK && kid != NULL)
    st = wb_signer_set_kid(*s, kid, &err);
  return st == WB_OK ? 0 : cli_fail_wb(CLI_EXIT_USAGE, &err);
}

/* The signers: key, then one per further --key (with --alg when given, else its default). */
static int make_signers(const cli_sign_form *f, const wb_key *key, wb_alg alg, const char *alg_text,
                        const char *typ, const char *kid, wb_signer **s, size_t *n) {
  int rc = make_signer(key, alg, typ, f->detached != NULL, kid, &s[0]);
  *n = rc == 0;
  for (size_t i = 0; rc == 0 && i < f->more_keys.count; i++) {
    cli_key k = {0};
    wb_alg a = WB_ALG_INVALID;
    if (alg_text != NULL && cli_parse_alg("sign", alg_text, &a) != 0)
      return CLI_EXIT_USAGE;
    rc = cli_load_one_key_pw("sign", f->more_keys.items[i], f->password_file, &k);
    if (rc == 0)
      rc = make_signer(k.one, a, typ, f->detached != NULL, NULL, &s[*n]);
    *n += rc == 0;
    cli_key_free(&k);
  }
  return rc;
}

/* The nested JWT: claims signed by s, encrypted to the --encrypt-to key. */
static int sign_encrypt(const cli_sign_form *f, const wb_signer *s, const wb_builder *claims, char **out) {
  cli_key k = {0};
  wb_encrypter *e = NULL;
  wb_error err = {0};
  int rc = cli_load_one_key("sign", f->encrypt_to, &k);
  if (rc != 0)
    return rc;
  wb_status st = wb_encrypter_new(&e, k.one, WB_JWE_ALG_INVALID, WB_ENC_INVALID, &err);
  if (st != WB_OK)
    rc = cli_fail(CLI_EXIT_USAGE, wb_status_name(err.code), "--encrypt-to: %s", err.message);
  else if (wb_sign_encrypt(s, e, claims, out, NULL, &err) != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  wb_encrypter_free(e);
  cli_key_free(&k);
  return rc;
}

int cli_sign_form_run(const cli_sign_form *f, const wb_key *key, wb_alg alg, const char *alg_text,
                      const char *typ, const char *kid, const wb_builder *claims) {
  wb_signer *s[16] = {NULL};
  size_t n = 0, len = 0;
  cli_buf file = {0};
  char *payload = NULL, *out = NULL;
  wb_error err = {0};
  wb_status st = WB_OK;
  int rc = f->more_keys.count + 1 > sizeof(s) / sizeof(s[0]) ? cli_usage("sign", "at most 16 --key") : 0;
  if (rc == 0)
    rc = make_signers(f, key, alg, alg_text, typ, kid, s, &n);
  if (rc == 0 && f->encrypt_to != NULL) {
    rc = sign_encrypt(f, s[0], claims, &out);
  } else if (rc == 0 && f->detached != NULL) {
    rc = cli_read(f->detached, CLI_MAX_FILE, "--detached FILE", CLI_EXIT_USAGE, &file);
    const unsigned char *p = (const unsigned char *)file.data;
    if (rc == 0)
      st = f->json
               ? wb_jws_sign_json((const wb_signer *const *)s, n, n > 1 ? WB_SER_GENERAL : WB_SER_FLATTENED,
                                  p, file.len, true, &out, NULL, &err)
               : wb_jws_sign_detached(s[0], p, file.len, &out, NULL, &err);
  } else if (rc == 0) {
    st = wb_builder_to_json(claims, &payload, &len, &err);
    if (st == WB_OK)
      st = wb_jws_sign_json((const wb_signer *const *)s, n, n > 1 ? WB_SER_GENERAL : WB_SER_FLATTENED,
                            (const unsigned char *)payload, len, false, &out, NULL, &err);
  }
  if (rc == 0 && st != WB_OK)
    rc = cli_fail_wb(CLI_EXIT_USAGE, &err);
  if (rc == 0)
    cli_print_line(out);
  wb_string_free(out);
  wb_string_free(payload);
  cli_buf_free(&file);
  for (size_t i = 0; i < n; i++)
    wb_signer_free(s[i]);
  return rc;
}

void cli_sign_form_free(cli_sign_form *f) {
  cli_list_free(&f->more_keys);
}

/* ---- verify -------------------------------------------------------------------------------- */

int cli_read_jws(const char *arg, cli_buf *buf, const char **tok, size_t *len, int *json) {
  const char *s = arg;
  cli_buf unused = {0};
  memset(buf, 0, sizeof(*buf));
  *json = 0;
  if (cli_is_stdin(arg)) {
    int rc = cli_read(arg, CLI_MAX_READ_TOKEN, "TOKEN", CLI_EXIT_REJECTED, buf);
    if (rc != 0)
      return rc;
    s = buf->data;
  }
  while (cli_is_space(*s))
    s++;
  if (*s == '{' && strstr(s, "\"signature") != NULL) /* a JSON JWS: the library reads it strictly */
    return cli_read_jose(s, &unused, tok, len, json);
  if (s != arg && strcmp(s, "-") == 0) /* "-" read from stdin is no token, nor a second stdin */
    return cli_fail(CLI_EXIT_REJECTED, "malformed", "the TOKEN on stdin is '-'");
  return cli_read_token(s, &unused, tok, len); /* s is the text: nothing more is read */
}

int cli_verify_form_opt(cli_verify_form *f, int which, const char *value) {
  switch (which) {
  case CLI_FORM_DECRYPT_KEY:
    return cli_set_once("verify", &f->decrypt_key, value, "--decrypt-key");
  case CLI_FORM_DETACHED:
    return cli_set_once("verify", &f->detached, value, "--detached");
  default:
    return cli_set_once("verify", &f->password_file, value, "--password-file");
  }
}

int cli_verify_form_open(cli_verify_form *f, int claims_flags) {
  if (f->password_file != NULL && f->decrypt_key == NULL)
    return cli_usage("verify", "--password-file is for the --decrypt-key KEY");
  if (f->detached != NULL && (f->decrypt_key != NULL || claims_flags))
    return cli_usage("verify", "--detached checks a signature over FILE's bytes: no --decrypt-key, no "
                               "claims flags");
  if (f->detached != NULL)
    return cli_read(f->detached, CLI_MAX_FILE, "--detached FILE", CLI_EXIT_USAGE, &f->payload);
  if (f->decrypt_key == NULL)
    return 0;
  cli_decrypt_opts o;
  memset(&o, 0, sizeof(o));
  o.key = f->decrypt_key;
  o.password_file = f->password_file;
  return cli_decrypter("verify", &o, &f->d);
}

/* The string member name of object o (NULL when absent or not a string). */
static const char *member(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

/*
 * The compact JWS of signature i of a JSON JWS that verified: its protected header, the payload
 * and its signature (the unprotected header, which no signature covers, is left out). A new string.
 */
static char *compact_of(const char *text, size_t len, size_t i, wb_error *err) {
  json_t *root = json_loadb(text, len, 0, NULL);
  const json_t *sigs = json_object_get(root, "signatures");
  const json_t *sig = sigs != NULL ? json_array_get(sigs, i) : root;
  const char *p = member(sig, "protected"), *pl = member(root, "payload"), *s = member(sig, "signature");
  char *out = NULL;
  if (p == NULL || pl == NULL || s == NULL) {
    snprintf(err->message, sizeof(err->message),
             "the claims are read from a signature with a protected header");
    err->code = WB_ERR_MALFORMED;
  } else if ((out = malloc(strlen(p) + strlen(pl) + strlen(s) + 3)) != NULL) {
    sprintf(out, "%s.%s.%s", p, pl, s);
  } else {
    err->code = WB_ERR_NOMEM;
    snprintf(err->message, sizeof(err->message), "out of memory");
  }
  json_decref(root);
  return out;
}

/* A JSON JWS: one signature by a key of v suffices; the claims are that signature's JWT. */
static wb_status verify_json(const wb_verifier *v, const char *tok, size_t len, wb_claims **claims,
                             wb_error *err) {
  wb_status results[MAX_SIGNATURES];
  size_t n = 0, i = 0;
  wb_status st = wb_jws_verify_json(v, WB_JWS_ANY, tok, len, NULL, NULL, results, MAX_SIGNATURES, &n, err);
  if (st != WB_OK)
    return st;
  while (i < n && results[i] != WB_OK)
    i++;
  char *compact = compact_of(tok, len, i, err);
  if (compact == NULL)
    return err->code;
  st = wb_verify(v, compact, strlen(compact), claims, err);
  free(compact);
  return st;
}

wb_status cli_verify_form_run(const cli_verify_form *f, const wb_verifier *v, const char *tok, size_t len,
                              int json, wb_claims **claims, wb_error *err) {
  const unsigned char *p = (const unsigned char *)f->payload.data;
  *claims = NULL;
  if (f->detached != NULL && json)
    return wb_jws_verify_json_detached(v, WB_JWS_ANY, tok, len, p, f->payload.len, NULL, 0, NULL, err);
  if (f->detached != NULL)
    return wb_jws_verify_detached(v, tok, len, p, f->payload.len, err);
  if (f->d != NULL && json) {
    snprintf(err->message, sizeof(err->message), "--decrypt-key takes a compact nested JWT, not JSON");
    return err->code = WB_ERR_UNSUPPORTED;
  }
  if (f->d != NULL)
    return wb_decrypt_verify(f->d, v, tok, len, claims, err);
  return json ? verify_json(v, tok, len, claims, err) : wb_verify(v, tok, len, claims, err);
}

void cli_verify_form_close(cli_verify_form *f) {
  wb_decrypter_free(f->d);
  f->d = NULL;
  cli_buf_free(&f->payload);
}
