/* SPDX-License-Identifier: MIT */
/*
 * lib/jwk_pem.c - PEM and DER keys: import of SPKI, PKCS#8, PKCS#1 RSA public/private and SEC1 EC
 * private keys through OSSL_DECODER, export as SPKI (public) or PKCS#8 (private) through
 * OSSL_ENCODER. Imported keys go through the same checks as JWKs (wb__key_adopt_pkey in
 * lib/jwk_validate.c): RSA >= 2048 bits, exponent, ROCA, CRT consistency, EC point on the curve.
 * Encrypted PEM is refused (no passphrase callback is ever installed), and so is PEM holding more
 * than one key (OpenSSL would take the first one silently). PEM keys carry no kid: callers name
 * them by thumbprint. Contract: include/wristband/key.h.
 */
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Decodes data in format "PEM" or "DER" into a new EVP_PKEY, or NULL. */
static EVP_PKEY *decode_pkey(const char *format, const unsigned char *data, size_t len) {
  EVP_PKEY *pkey = NULL;
  OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, format, NULL, NULL, 0, NULL, NULL);
  if (dctx == NULL) /* LCOV_EXCL_BR_LINE: cov-slow-oom */
    return NULL;    /* LCOV_EXCL_LINE: cov-slow-oom */
  const unsigned char *p = data;
  size_t left = len;
  if (OSSL_DECODER_from_data(dctx, &p, &left) != 1) {
    EVP_PKEY_free(pkey);
    pkey = NULL;
  }
  OSSL_DECODER_CTX_free(dctx);
  ERR_clear_error(); /* each decoder that did not match leaves an error behind */
  return pkey;
}

/*
 * The number of PEM blocks in text[0..len) whose label names a key ("-----BEGIN <...>KEY-----":
 * PUBLIC KEY, PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY, ...), and in
 * *first the offset of the first one (len when none). Other blocks (EC PARAMETERS, CERTIFICATE)
 * are not keys and do not count.
 */
static size_t pem_key_blocks(const char *text, size_t len, size_t *first) {
  static const char begin[] = "-----BEGIN ";
  const size_t blen = sizeof(begin) - 1;
  size_t keys = 0;
  *first = len;
  for (size_t i = 0; i + blen <= len; i++) {
    if (memcmp(text + i, begin, blen) != 0)
      continue;
    size_t j = i + blen; /* the label runs to the next "-----" on the line */
    while (j < len && text[j] != '-' && text[j] != '\n')
      j++;
    bool key = j + 5 <= len && memcmp(text + j, "-----", 5) == 0 && j - (i + blen) >= 3 &&
               memcmp(text + j - 3, "KEY", 3) == 0;
    if (key && keys++ == 0)
      *first = i;
    i = j;
  }
  return keys;
}

static wb_status key_from_encoded(wb_key **out, const char *format, const unsigned char *data, size_t len,
                                  wb_error *err) {
  if (out != NULL) /* NULL on every failure, a NULL input included */
    *out = NULL;
  if (out == NULL || data == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "%s import: NULL argument", format);
  if (len == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "%s import: empty input", format);
  if (len > WB_KEY_TEXT_MAX)
    return wb__fail(err, WB_ERR_TOO_LARGE, "%s input longer than %d bytes", format, WB_KEY_TEXT_MAX);
  if (strcmp(format, "PEM") == 0) {
    size_t first, nkeys = pem_key_blocks((const char *)data, len, &first);
    if (nkeys > 1) /* the decoder would take the first silently: which one did the caller mean? */
      return wb__fail(err, WB_ERR_BAD_KEY, "PEM holds %zu keys: ambiguous, give one key per file", nkeys);
    if (nkeys == 1) { /* decode the key's block, not EC PARAMETERS or a certificate before it */
      data += first;
      len -= first;
    }
  }
  EVP_PKEY *pkey = decode_pkey(format, data, len);
  if (pkey == NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "%s is not an unencrypted SPKI, PKCS#8, PKCS#1 or SEC1 key",
                    format);
  return wb__key_from_pkey(out, pkey, err);
}

wb_status wb_key_from_pem(wb_key **out, const char *pem, size_t len, wb_error *err) {
  return key_from_encoded(out, "PEM", (const unsigned char *)pem, len, err);
}

wb_status wb_key_from_der(wb_key **out, const unsigned char *der, size_t len, wb_error *err) {
  return key_from_encoded(out, "DER", der, len, err);
}

wb_status wb_key_to_pem(const wb_key *key, wb_key_part part, char **pem, wb_error *err) {
  if (pem != NULL)
    *pem = NULL;
  if (key == NULL || pem == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_to_pem: NULL argument");
  if (part != WB_KEY_PUBLIC && part != WB_KEY_PRIVATE)
    return wb__fail(err, WB_ERR_INVALID_ARG, "wb_key_to_pem: part must be WB_KEY_PUBLIC or WB_KEY_PRIVATE");
  if (key->kty == WB_KTY_OCT) /* every other key holds a pkey (wb__key_adopt_pkey) */
    return wb__fail(err, WB_ERR_INVALID_ARG, "oct keys have no PEM form");
  bool priv = part == WB_KEY_PRIVATE && key->is_private;
  wb_status st;
  unsigned char *data = NULL;
  size_t len = 0;
  OSSL_ENCODER_CTX *ectx =
      OSSL_ENCODER_CTX_new_for_pkey(key->pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, "PEM",
                                    priv ? "PrivateKeyInfo" : "SubjectPublicKeyInfo", NULL);
  if (ectx == NULL || OSSL_ENCODER_to_data(ectx, &data, &len) != 1) {
    st = wb__fail(err, WB_ERR_CRYPTO, "PEM encoding failed");
    goto out;
  }
  if ((*pem = malloc(len + 1)) == NULL) {
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
    goto out;
  }
  memcpy(*pem, data, len);
  (*pem)[len] = '\0';
  st = wb__ok(err);
out:
  if (data != NULL)
    OPENSSL_clear_free(data, len);
  OSSL_ENCODER_CTX_free(ectx);
  ERR_clear_error();
  return st;
}
