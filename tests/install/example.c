/* SPDX-License-Identifier: MIT */
/*
 * example.c - wristband in one page: load a key, sign a token, verify it with a policy, read
 * the claims. This is the README's example program; tests/install builds it against the
 * installed library with `cc example.c $(pkg-config --cflags --libs wristband)` and runs it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wristband/wristband.h>

/* The P-256 key of RFC 7515 A.3 as a JWK. A real service reads its key from a file or a secret
 * store (wb_key_parse takes JWK, PEM or DER) and a verifier-only service fetches a JWKS
 * (wb_keyset_from_jwks). */
static const char signing_jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"example-2024\","
                                  "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                                  "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","
                                  "\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}";

static int report(const char *step, const wb_error *err) {
  fprintf(stderr, "%s failed: %s: %s\n", step, wb_status_name(err->code), err->message);
  return 1;
}

/* Issuer side: an ES256 access token for alice, valid 15 minutes. *token: wb_string_free(). */
static wb_status issue(const wb_key *key, char **token, wb_error *err) {
  wb_signer *signer = NULL;
  wb_builder *claims = NULL;
  int64_t now = (int64_t)time(NULL);
  wb_status st = wb_signer_new(&signer, key, WB_ALG_ES256, err);
  if (st == WB_OK)
    st = wb_signer_set_typ(signer, "at+jwt", err);
  if (st == WB_OK)
    st = wb_builder_new(&claims, err);
  if (st == WB_OK)
    st = wb_builder_set_string(claims, "iss", "https://auth.example.com", err);
  if (st == WB_OK)
    st = wb_builder_set_string(claims, "sub", "alice", err);
  if (st == WB_OK)
    st = wb_builder_set_string(claims, "aud", "api", err);
  if (st == WB_OK)
    st = wb_builder_set_int(claims, "iat", now, err);
  if (st == WB_OK)
    st = wb_builder_set_int(claims, "exp", now + 900, err);
  if (st == WB_OK)
    st = wb_builder_append_string(claims, "roles", "admin", err);
  if (st == WB_OK)
    st = wb_builder_set_random_jti(claims, err);
  if (st == WB_OK)
    st = wb_sign(signer, claims, token, NULL, err);
  wb_builder_free(claims);
  wb_signer_free(signer);
  return st;
}

/* Verifier side: built once, shared by every request (and thread) afterwards. */
static wb_status make_verifier(const wb_key *public_key, wb_verifier **v, wb_error *err) {
  wb_status st = wb_verifier_new_key(v, public_key, err);
  if (st == WB_OK)
    st = wb_verifier_allow_alg(*v, WB_ALG_ES256, err);
  if (st == WB_OK)
    st = wb_verifier_expect_issuer(*v, "https://auth.example.com", err);
  if (st == WB_OK)
    st = wb_verifier_expect_audience(*v, "api", err);
  if (st == WB_OK)
    st = wb_verifier_expect_typ(*v, "at+jwt", err);
  if (st == WB_OK)
    st = wb_verifier_set_leeway(*v, 30, err);
  return st;
}

int main(void) {
  wb_error err = {0};
  wb_key *key = NULL, *public_key = NULL;
  wb_verifier *verifier = NULL;
  wb_claims *claims = NULL;
  char *token = NULL;
  int rc = 1;

  if (wb_key_from_jwk(&key, signing_jwk, strlen(signing_jwk), &err) != WB_OK) {
    rc = report("loading the key", &err);
    goto out;
  }
  if (issue(key, &token, &err) != WB_OK) {
    rc = report("signing", &err);
    goto out;
  }
  printf("token: %s\n", token);

  if (wb_key_public(&public_key, key, &err) != WB_OK || make_verifier(public_key, &verifier, &err) != WB_OK) {
    rc = report("setting up the verifier", &err);
    goto out;
  }
  if (wb_verify(verifier, token, strlen(token), &claims, &err) != WB_OK) {
    rc = report("verifying", &err);
    goto out;
  }
  int64_t exp = 0;
  if (wb_claims_exp(claims, &exp, &err) != WB_OK || !wb_claims_has_string(claims, "roles", "admin")) {
    fprintf(stderr, "unexpected claims\n");
    goto out;
  }
  printf("verified: sub=%s iss=%s admin=yes expires in %llds\n", wb_claims_sub(claims), wb_claims_iss(claims),
         (long long)(exp - (int64_t)time(NULL)));

  /* A single changed character and the token is worthless. */
  char *c = &token[strlen(token) - 5];
  *c = *c == 'A' ? 'B' : 'A';
  wb_claims *forged = NULL;
  wb_status st = wb_verify(verifier, token, strlen(token), &forged, &err);
  printf("tampered token: %s\n", wb_status_name(st));
  rc = st != WB_OK && forged == NULL ? 0 : 1;
out:
  wb_claims_free(claims);
  wb_string_free(token);
  wb_verifier_free(verifier);
  wb_key_free(public_key);
  wb_key_free(key);
  return rc;
}
