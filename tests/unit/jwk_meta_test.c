/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwk_meta_test.c - lib/jwk_meta.c: the "alg" of a JWK naming a JWE algorithm binds
 * the key to its family as a signature alg does: ECDH-ES (and its key-wrapping variants) fits EC
 * keys and the X25519 and X448 OKP keys only, never an oct, RSA or Ed25519 key. A key that
 * imports with a JWE alg keeps it on export and never signs or verifies. The JWS side, use and
 * key_ops are in jwk_test.c.
 */
#include <jansson.h>

#include "check.h"

/* A generated key's private JWK with "alg" set to alg (new string, free()). */
static char *jwk_with_alg(wb_kty kty, wb_crv crv, const char *alg) {
  wb_key *k = NULL;
  char *text = NULL, *out = NULL;
  if (wb_key_generate(&k, kty, crv, 0, NULL) == WB_OK &&
      wb_key_to_jwk(k, WB_KEY_PRIVATE, &text, NULL) == WB_OK) {
    json_t *j = json_loads(text, 0, NULL);
    json_object_set_new(j, "alg", json_string(alg));
    out = json_dumps(j, JSON_COMPACT);
    json_decref(j);
  }
  wb_string_free(text);
  wb_key_free(k);
  return out;
}

/* Imports the key of (kty, crv) with alg; checks the status, and on success that the alg stays. */
static void import_with_alg(wb_kty kty, wb_crv crv, const char *alg, wb_status want) {
  char *jwk = jwk_with_alg(kty, crv, alg), *back = NULL, member[64];
  wb_key *k = (wb_key *)1;
  wb_error err;
  CHECK(jwk != NULL);
  if (jwk == NULL)
    return;
  wb_status st = wb_key_from_jwk(&k, jwk, strlen(jwk), &err);
  if (st != want)
    fprintf(stderr, "alg %s on kty %d crv %d: %s (%s)\n", alg, kty, crv, wb_status_name(st), err.message);
  CHECK(st == want && (st == WB_OK) == (k != NULL));
  if (st == WB_OK) {
    snprintf(member, sizeof(member), "\"alg\":\"%s\"", alg);
    CHECK_ST(wb_key_to_jwk(k, WB_KEY_PRIVATE, &back, NULL), WB_OK);
    CHECK(back != NULL && strstr(back, member) != NULL);
    CHECK(wb_key_default_alg(k) == WB_ALG_INVALID);
    CHECK_ST(wb_key_check_alg(k, WB_ALG_EDDSA, WB_KEY_OP_VERIFY, NULL), WB_ERR_ALG_NOT_ALLOWED);
    wb_string_free(back);
    wb_key_free(k);
  } else {
    CHECK(strstr(err.message, "does not fit") != NULL);
  }
  free(jwk);
}

int main(void) {
  import_with_alg(WB_KTY_EC, WB_CRV_P256, "ECDH-ES", WB_OK);
  import_with_alg(WB_KTY_OKP, WB_CRV_X25519, "ECDH-ES", WB_OK);
  import_with_alg(WB_KTY_OKP, WB_CRV_X448, "ECDH-ES+A256KW", WB_OK);
  import_with_alg(WB_KTY_OKP, WB_CRV_ED25519, "ECDH-ES", WB_ERR_BAD_KEY); /* a signature curve */
  import_with_alg(WB_KTY_OCT, WB_CRV_NONE, "ECDH-ES+A128KW", WB_ERR_BAD_KEY);
  import_with_alg(WB_KTY_OCT, WB_CRV_NONE, "A128KW", WB_OK);
  import_with_alg(WB_KTY_EC, WB_CRV_P256, "A128KW", WB_ERR_BAD_KEY);
  import_with_alg(WB_KTY_OKP, WB_CRV_X25519, "RSA-OAEP", WB_ERR_BAD_KEY);
  return CHECK_DONE();
}
