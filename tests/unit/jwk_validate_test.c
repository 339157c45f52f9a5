/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwk_validate_test.c - lib/jwk_validate.c, the checks every key passes however it
 * arrives: an EC key on a named curve wristband does not support (P-224, brainpoolP256r1) is
 * bad_key from PEM and DER, public or private, and the message names the curve; an RSA modulus
 * over 16384 bits is bad_key before OpenSSL builds anything. The other rejections (weak RSA,
 * ROCA, off-curve points, inconsistent private halves) are jwk_test.c's, small-order EdDSA keys
 * small_order_key_test.c's.
 */
#include <openssl/encoder.h>
#include <openssl/evp.h>

#include "check.h"

/* pkey encoded as format/structure, imported: must be bad_key naming want_in_message. */
static void refused_encoded(EVP_PKEY *pkey, int selection, const char *format, const char *structure,
                            const char *want_in_message) {
  unsigned char *data = NULL;
  size_t len = 0;
  OSSL_ENCODER_CTX *ctx = OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, format, structure, NULL);
  CHECK(ctx != NULL && OSSL_ENCODER_to_data(ctx, &data, &len) == 1);
  OSSL_ENCODER_CTX_free(ctx);
  wb_key *k = (wb_key *)1;
  wb_error err = {WB_OK, ""};
  wb_status st = strcmp(format, "PEM") == 0 ? wb_key_from_pem(&k, (const char *)data, len, &err)
                                            : wb_key_from_der(&k, data, len, &err);
  CHECK_ST(st, WB_ERR_BAD_KEY);
  CHECK(k == NULL);
  if (strstr(err.message, want_in_message) == NULL)
    fprintf(stderr, "%s %s: message \"%s\" lacks \"%s\"\n", format, structure, err.message, want_in_message);
  CHECK(strstr(err.message, want_in_message) != NULL);
  OPENSSL_free(data);
}

static void unsupported_curves(void) {
  static const char *const groups[] = {"secp224r1", "brainpoolP256r1"};
  for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", groups[i]);
    CHECK(ec != NULL);
    if (ec == NULL)
      continue;
    refused_encoded(ec, EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo", groups[i]);
    refused_encoded(ec, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", groups[i]);
    refused_encoded(ec, EVP_PKEY_PUBLIC_KEY, "DER", "SubjectPublicKeyInfo", "not supported");
    EVP_PKEY_free(ec);
  }
}

/* An RSA public JWK whose modulus has 16392 bits (odd, 2049 bytes): one byte over the largest. */
static void rsa_too_large(void) {
  size_t nbytes = 2049;
  unsigned char *n = malloc(nbytes);
  memset(n, 0xb5, nbytes);
  size_t cap = WB_B64URL_ENCODED_LEN(nbytes) + 1, len = 0;
  char *n64 = malloc(cap), *jwk = malloc(cap + 64);
  CHECK_ST(wb_b64url_encode(n64, cap, n, nbytes, &len, NULL), WB_OK);
  snprintf(jwk, cap + 64, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}", n64);
  wb_key *k = (wb_key *)1;
  wb_error err;
  CHECK_ST(wb_key_from_jwk(&k, jwk, strlen(jwk), &err), WB_ERR_BAD_KEY);
  CHECK(k == NULL && strstr(err.message, "over 16384 bits") != NULL);
  free(jwk);
  free(n64);
  free(n);
}

int main(void) {
  unsupported_curves();
  rsa_too_large();
  return CHECK_DONE();
}
