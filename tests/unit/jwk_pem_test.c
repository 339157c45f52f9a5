/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwk_pem_test.c - PEM import of lib/jwk_pem.c: a PEM text holding more than one key
 * is refused as ambiguous (bad_key, out-parameter NULL), on every path that reads PEM
 * (wb_key_from_pem, wb_key_parse, wb_keyset_parse), whatever the kinds of the keys; blocks that
 * are not keys (EC PARAMETERS, a certificate) and text around the block do not count.
 * (Before, the first key was used silently.) What counts as a key block: only a complete
 * "-----BEGIN <label ending in KEY>-----" line, so a truncated BEGIN, a label without its closing
 * dashes or a label too short to end in KEY do not. Also the edges of the PEM calls: text
 * without any block is malformed, text over 64 KiB too_large, and the private PEM of a public
 * key is its SPKI. The other PEM cases are in jwk_test.c.
 */
#include "check.h"

/* `openssl ecparam -name prime256v1 -genkey`: parameters, then a SEC1 key. One key. */
static const char ec_with_params[] = "-----BEGIN EC PARAMETERS-----\n"
                                     "BggqhkjOPQMBBw==\n"
                                     "-----END EC PARAMETERS-----\n"
                                     "-----BEGIN EC PRIVATE KEY-----\n"
                                     "MHcCAQEEIOiFbkboIAc3lQcMIerCRVdwbeCLfBJK9QepnFNMCwpNoAoGCCqGSM49\n"
                                     "AwEHoUQDQgAElVt8/KVJWIA0moKaoC8u0E23jDMr+qhI5FqbqmI/NVC5pipFNXTi\n"
                                     "g8Jbv3w7FZ0P49u9r+nc27yj98uXag54Lg==\n"
                                     "-----END EC PRIVATE KEY-----\n";

/* An Ed25519 SPKI public key. */
static const char ed_public[] = "-----BEGIN PUBLIC KEY-----\n"
                                "MCowBQYDK2VwAyEAH5G0eLFqjxzxdhAsKmgUQjMrHx87Ad0CVxWKfQwfBmc=\n"
                                "-----END PUBLIC KEY-----\n";

/* Not a key: a block whose label is not a key's (its content is never decoded). */
static const char not_a_key[] = "-----BEGIN CERTIFICATE-----\n"
                                "bm90IGEgY2VydGlmaWNhdGU=\n"
                                "-----END CERTIFICATE-----\n";

/* A PEM text of a fresh key of kty/crv, public or private. */
static char *pem_of(wb_kty kty, wb_crv crv, wb_key_part part) {
  wb_key *k = NULL;
  char *pem = NULL;
  CHECK_ST(wb_key_generate(&k, kty, crv, 0, NULL), WB_OK);
  CHECK_ST(wb_key_to_pem(k, part, &pem, NULL), WB_OK);
  wb_key_free(k);
  return pem;
}

/* The concatenation a, between, b (free()). */
static char *join(const char *a, const char *between, const char *b) {
  size_t n = strlen(a) + strlen(between) + strlen(b) + 1;
  char *s = malloc(n);
  snprintf(s, n, "%s%s%s", a, between, b);
  return s;
}

/* text must be refused as ambiguous by every PEM path, naming the number of keys. */
static void check_ambiguous(const char *text, unsigned nkeys, int line) {
  wb_key *k = (wb_key *)1;
  wb_keyset *set = (wb_keyset *)1;
  wb_error e = {0};
  char want[32];
  snprintf(want, sizeof(want), "holds %u keys", nkeys);
  wb_status st = wb_key_from_pem(&k, text, strlen(text), &e);
  if (st != WB_ERR_BAD_KEY || k != NULL || strstr(e.message, want) == NULL)
    fprintf(stderr, "line %d: wb_key_from_pem gave %s (%s), want bad_key \"%s\"\n", line, wb_status_name(st),
            e.message, want);
  CHECK(st == WB_ERR_BAD_KEY && k == NULL && strstr(e.message, "ambiguous") != NULL);
  if (k != NULL && k != (wb_key *)1)
    wb_key_free(k);
  k = (wb_key *)1;
  CHECK_ST(wb_key_parse(&k, text, strlen(text), NULL), WB_ERR_BAD_KEY);
  CHECK(k == NULL);
  CHECK_ST(wb_keyset_parse(&set, text, strlen(text), NULL), WB_ERR_BAD_KEY);
  CHECK(set == NULL);
}
#define CHECK_AMBIGUOUS(text, n) check_ambiguous(text, n, __LINE__)

/* text holds one key: it imports through every path (text before the block included). */
static void check_one(const char *text, int line) {
  for (int path = 0; path < 3; path++) {
    wb_key *k = NULL;
    wb_keyset *set = NULL;
    wb_error e = {0};
    wb_status st = path == 0   ? wb_key_from_pem(&k, text, strlen(text), &e)
                   : path == 1 ? wb_key_parse(&k, text, strlen(text), &e)
                               : wb_keyset_parse(&set, text, strlen(text), &e);
    if (st != WB_OK)
      fprintf(stderr, "line %d, path %d: %s: %s\n", line, path, wb_status_name(st), e.message);
    CHECK(st == WB_OK && (k != NULL || (set != NULL && wb_keyset_count(set) == 1)));
    wb_key_free(k);
    wb_keyset_free(set);
  }
}
#define CHECK_ONE(text) check_one(text, __LINE__)

/* No key block, oversized input, and the private PEM of a public key. */
static void edges(const char *pem_pub) {
  wb_key *k = (wb_key *)1;
  wb_error e;
  CHECK_ST(wb_key_from_pem(&k, "no PEM here\n", 12, &e), WB_ERR_MALFORMED);
  CHECK(k == NULL);
  size_t big = 65537;
  char *text = malloc(big);
  memset(text, '\n', big);
  memcpy(text, pem_pub, strlen(pem_pub)); /* a key, then blank lines past the limit */
  CHECK_ST(wb_key_from_pem(&k, text, big, &e), WB_ERR_TOO_LARGE);
  CHECK(k == NULL && strstr(e.message, "65536") != NULL);
  CHECK_ST(wb_key_from_der(&k, (const unsigned char *)text, big, &e), WB_ERR_TOO_LARGE);
  CHECK(k == NULL);
  CHECK_ST(wb_key_from_pem(&k, text, big - 1, &e), WB_OK); /* at the limit: read */
  char *out = NULL;
  CHECK_ST(wb_key_to_pem(k, WB_KEY_PRIVATE, &out, &e), WB_OK); /* a public key: its SPKI */
  CHECK(out != NULL && strcmp(out, pem_pub) == 0);
  wb_string_free(out);
  wb_key_free(k);
  free(text);
}

int main(void) {
  char *ec_pub = pem_of(WB_KTY_EC, WB_CRV_P256, WB_KEY_PUBLIC);
  char *ec_priv = pem_of(WB_KTY_EC, WB_CRV_P384, WB_KEY_PRIVATE);
  char *rsa_priv = pem_of(WB_KTY_RSA, WB_CRV_NONE, WB_KEY_PRIVATE);
  char *t;

  CHECK_ONE(ec_pub);
  CHECK_ONE(ec_with_params); /* parameters are not a key */
  CHECK_ONE(t = join("a comment before the key\n", ec_pub, "and one after\n")), free(t);
  CHECK_ONE(t = join(not_a_key, "", ed_public)), free(t);
  CHECK_ONE(t = join(ed_public, "", not_a_key)), free(t);

  CHECK_AMBIGUOUS(t = join(ec_pub, "", ed_public), 2), free(t);        /* two public keys */
  CHECK_AMBIGUOUS(t = join(ed_public, "\n\n", ed_public), 2), free(t); /* the same key twice */
  CHECK_AMBIGUOUS(t = join(ec_priv, "", ec_pub), 2), free(t);          /* private, then another public */
  CHECK_AMBIGUOUS(t = join(ec_with_params, "", rsa_priv), 2), free(t); /* SEC1 with parameters + PKCS#8 */
  CHECK_AMBIGUOUS(t = join(rsa_priv, "text between\n", ec_with_params), 2), free(t);
  char *three = join(ec_pub, "", ed_public);
  CHECK_AMBIGUOUS(t = join(three, not_a_key, ec_priv), 3), free(t);
  free(three);

  /* not key blocks: a BEGIN cut off by the end of the text, a label without closing dashes, a
   * label too short to end in KEY */
  CHECK_ONE(t = join(ed_public, "", "-----BEGIN ")), free(t);
  CHECK_ONE(t = join(ed_public, "", "-----BEGIN PUBLIC KEY")), free(t);
  CHECK_ONE(t = join("-----BEGIN PRIVATE KEY\n", "", ed_public)), free(t);
  CHECK_ONE(t = join("-----BEGIN AB-----\nQUI=\n-----END AB-----\n", "", ed_public)), free(t);

  edges(ec_pub);
  wb_string_free(ec_pub);
  wb_string_free(ec_priv);
  wb_string_free(rsa_priv);
  return CHECK_DONE();
}
