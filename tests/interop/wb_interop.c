/* SPDX-License-Identifier: MIT */
/*
 * tests/interop/wb_interop.c - a small command-line face of the public API, driven by
 * interop_test.py so that python3-jwcrypto and PyJWT can check wristband and be checked by it.
 *
 *   wb_interop sign ALG KEYFILE CLAIMSJSON   prints a compact JWT signed with KEYFILE (JWK or PEM)
 *   wb_interop verify KEYFILE TOKEN          verifies with KEYFILE (system clock), prints the claims
 *   wb_interop thumbprint KEYFILE            prints the RFC 7638 SHA-256 thumbprint
 *   wb_interop pubkey KEYFILE                prints the public key as a JWK
 *
 * Exit status 0 on success; 1 with "status: message" on stderr when the library refuses; 2 on
 * usage or I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wristband/wristband.h"

/* Reads a whole file into a new NUL-terminated buffer (free()); *len set. NULL on error. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *buf = NULL;
  long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (size >= 0 && fseek(f, 0, SEEK_SET) == 0)
    buf = malloc((size_t)size + 1);
  if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf != NULL) {
    buf[size] = '\0';
    *len = (size_t)size;
  }
  return buf;
}

/* Prints the failure of a library call and returns exit status 1. */
static int fail(const char *what, wb_status st, const wb_error *err) {
  fprintf(stderr, "%s: %s: %s\n", what, wb_status_name(st), err->message);
  return 1;
}

static wb_status load_key(wb_key **key, const char *path, wb_error *err) {
  size_t len = 0;
  char *text = read_file(path, &len);
  if (text == NULL) {
    snprintf(err->message, sizeof(err->message), "cannot read %s", path);
    err->code = WB_ERR_IO;
    return WB_ERR_IO;
  }
  wb_status st = wb_key_parse(key, text, len, err);
  free(text);
  return st;
}

static int cmd_sign(const char *alg_name, const char *key_path, const char *claims_json) {
  wb_error err = {0};
  wb_key *key = NULL;
  wb_signer *signer = NULL;
  wb_builder *claims = NULL;
  char *token = NULL;
  int rc = 1;
  wb_alg alg = wb_alg_from_name(alg_name, strlen(alg_name));
  wb_status st = load_key(&key, key_path, &err);
  if (st == WB_OK)
    st = wb_signer_new(&signer, key, alg, &err);
  if (st == WB_OK)
    st = wb_builder_from_json(&claims, claims_json, strlen(claims_json), &err);
  if (st == WB_OK)
    st = wb_sign(signer, claims, &token, NULL, &err);
  if (st == WB_OK) {
    printf("%s\n", token);
    rc = 0;
  } else {
    rc = fail("sign", st, &err);
  }
  wb_string_free(token);
  wb_builder_free(claims);
  wb_signer_free(signer);
  wb_key_free(key);
  return rc;
}

static int cmd_verify(const char *key_path, const char *token) {
  wb_error err = {0};
  wb_key *key = NULL;
  wb_verifier *v = NULL;
  wb_claims *claims = NULL;
  char *json = NULL;
  int rc = 1;
  wb_status st = load_key(&key, key_path, &err);
  if (st == WB_OK)
    st = wb_verifier_new_key(&v, key, &err);
  if (st == WB_OK)
    st = wb_verify(v, token, strlen(token), &claims, &err);
  if (st == WB_OK)
    st = wb_claims_get_json(claims, NULL, &json, &err);
  if (st == WB_OK) {
    printf("%s\n", json);
    rc = 0;
  } else {
    rc = fail("verify", st, &err);
  }
  wb_string_free(json);
  wb_claims_free(claims);
  wb_verifier_free(v);
  wb_key_free(key);
  return rc;
}

static int cmd_thumbprint(const char *key_path) {
  wb_error err = {0};
  wb_key *key = NULL;
  char tp[WB_THUMBPRINT_LEN];
  wb_status st = load_key(&key, key_path, &err);
  if (st == WB_OK)
    st = wb_key_thumbprint(key, tp, &err);
  if (st == WB_OK)
    printf("%s\n", tp);
  wb_key_free(key);
  return st == WB_OK ? 0 : fail("thumbprint", st, &err);
}

static int cmd_pubkey(const char *key_path) {
  wb_error err = {0};
  wb_key *key = NULL;
  char *json = NULL;
  wb_status st = load_key(&key, key_path, &err);
  if (st == WB_OK)
    st = wb_key_to_jwk(key, WB_KEY_PUBLIC, &json, &err);
  if (st == WB_OK)
    printf("%s\n", json);
  wb_string_free(json);
  wb_key_free(key);
  return st == WB_OK ? 0 : fail("pubkey", st, &err);
}

static int usage(void) {
  fprintf(stderr, "usage: wb_interop sign ALG KEYFILE CLAIMSJSON | verify KEYFILE TOKEN |\n"
                  "                  thumbprint KEYFILE | pubkey KEYFILE\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "sign") == 0)
    return cmd_sign(argv[2], argv[3], argv[4]);
  if (argc == 4 && strcmp(argv[1], "verify") == 0)
    return cmd_verify(argv[2], argv[3]);
  if (argc == 3 && strcmp(argv[1], "thumbprint") == 0)
    return cmd_thumbprint(argv[2]);
  if (argc == 3 && strcmp(argv[1], "pubkey") == 0)
    return cmd_pubkey(argv[2]);
  return usage();
}
