/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe.c - JWE set-up: the tables of key management ("alg", RFC 7518 4.1) and content
 * encryption ("enc", RFC 7518 5.1) algorithms with their names, the OpenSSL ciphers and digests
 * they need (fetched once per process), the encrypter and the decrypter objects and their policy
 * calls, and the branch-free helpers the decryption path shares. Encryption is in
 * lib/jwe_encrypt.c, decryption in lib/jwe_decrypt.c; lib/jwe_int.h lists every JWE file.
 * Contract: include/wristband/jwe.h.
 */
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jwe_int.h"

static const wb_jwe_alg_info alg_table[WB_JWE_ALG_COUNT_] = {
    [WB_JWE_RSA1_5] = {WB_JWE_RSA1_5, "RSA1_5", WB_KM_RSA1_5, 0, NULL},
    [WB_JWE_RSA_OAEP] = {WB_JWE_RSA_OAEP, "RSA-OAEP", WB_KM_RSA_OAEP, 0, "SHA1"},
    [WB_JWE_RSA_OAEP_256] = {WB_JWE_RSA_OAEP_256, "RSA-OAEP-256", WB_KM_RSA_OAEP, 0, "SHA256"},
    [WB_JWE_RSA_OAEP_384] = {WB_JWE_RSA_OAEP_384, "RSA-OAEP-384", WB_KM_RSA_OAEP, 0, "SHA384"},
    [WB_JWE_RSA_OAEP_512] = {WB_JWE_RSA_OAEP_512, "RSA-OAEP-512", WB_KM_RSA_OAEP, 0, "SHA512"},
    [WB_JWE_A128KW] = {WB_JWE_A128KW, "A128KW", WB_KM_AESKW, 16, NULL},
    [WB_JWE_A192KW] = {WB_JWE_A192KW, "A192KW", WB_KM_AESKW, 24, NULL},
    [WB_JWE_A256KW] = {WB_JWE_A256KW, "A256KW", WB_KM_AESKW, 32, NULL},
    [WB_JWE_DIR] = {WB_JWE_DIR, "dir", WB_KM_DIR, 0, NULL},
    [WB_JWE_ECDH_ES] = {WB_JWE_ECDH_ES, "ECDH-ES", WB_KM_ECDH_ES, 0, NULL},
    [WB_JWE_ECDH_ES_A128KW] = {WB_JWE_ECDH_ES_A128KW, "ECDH-ES+A128KW", WB_KM_ECDH_ES, 16, NULL},
    [WB_JWE_ECDH_ES_A192KW] = {WB_JWE_ECDH_ES_A192KW, "ECDH-ES+A192KW", WB_KM_ECDH_ES, 24, NULL},
    [WB_JWE_ECDH_ES_A256KW] = {WB_JWE_ECDH_ES_A256KW, "ECDH-ES+A256KW", WB_KM_ECDH_ES, 32, NULL},
    [WB_JWE_A128GCMKW] = {WB_JWE_A128GCMKW, "A128GCMKW", WB_KM_AESGCMKW, 16, NULL},
    [WB_JWE_A192GCMKW] = {WB_JWE_A192GCMKW, "A192GCMKW", WB_KM_AESGCMKW, 24, NULL},
    [WB_JWE_A256GCMKW] = {WB_JWE_A256GCMKW, "A256GCMKW", WB_KM_AESGCMKW, 32, NULL},
    [WB_JWE_PBES2_HS256_A128KW] = {WB_JWE_PBES2_HS256_A128KW, "PBES2-HS256+A128KW", WB_KM_PBES2, 16,
                                   "SHA256"},
    [WB_JWE_PBES2_HS384_A192KW] = {WB_JWE_PBES2_HS384_A192KW, "PBES2-HS384+A192KW", WB_KM_PBES2, 24,
                                   "SHA384"},
    [WB_JWE_PBES2_HS512_A256KW] = {WB_JWE_PBES2_HS512_A256KW, "PBES2-HS512+A256KW", WB_KM_PBES2, 32,
                                   "SHA512"},
};

static const wb_enc_info enc_table[WB_ENC_COUNT_] = {
    [WB_ENC_A128CBC_HS256] = {WB_ENC_A128CBC_HS256, "A128CBC-HS256", WB_CE_CBC_HMAC, 32, 16, 16, "SHA256"},
    [WB_ENC_A192CBC_HS384] = {WB_ENC_A192CBC_HS384, "A192CBC-HS384", WB_CE_CBC_HMAC, 48, 16, 24, "SHA384"},
    [WB_ENC_A256CBC_HS512] = {WB_ENC_A256CBC_HS512, "A256CBC-HS512", WB_CE_CBC_HMAC, 64, 16, 32, "SHA512"},
    [WB_ENC_A128GCM] = {WB_ENC_A128GCM, "A128GCM", WB_CE_GCM, 16, 12, 16, NULL},
    [WB_ENC_A192GCM] = {WB_ENC_A192GCM, "A192GCM", WB_CE_GCM, 24, 12, 16, NULL},
    [WB_ENC_A256GCM] = {WB_ENC_A256GCM, "A256GCM", WB_CE_GCM, 32, 12, 16, NULL},
};

const wb_jwe_alg_info *wb__jwe_alg_info(wb_jwe_alg alg) {
  if (alg <= WB_JWE_ALG_INVALID || alg >= WB_JWE_ALG_COUNT_)
    return NULL;
  return &alg_table[alg];
}

const wb_enc_info *wb__enc_info(wb_enc enc) {
  if (enc <= WB_ENC_INVALID || enc >= WB_ENC_COUNT_)
    return NULL;
  return &enc_table[enc];
}

const char *wb_jwe_alg_name(wb_jwe_alg alg) {
  const wb_jwe_alg_info *ai = wb__jwe_alg_info(alg);
  return ai ? ai->name : NULL;
}

const char *wb_enc_name(wb_enc enc) {
  const wb_enc_info *ei = wb__enc_info(enc);
  return ei ? ei->name : NULL;
}

wb_jwe_alg wb_jwe_alg_from_name(const char *name, size_t len) {
  for (int a = WB_JWE_ALG_INVALID + 1; name != NULL && a < WB_JWE_ALG_COUNT_; a++)
    if (strlen(alg_table[a].name) == len && memcmp(alg_table[a].name, name, len) == 0)
      return (wb_jwe_alg)a;
  return WB_JWE_ALG_INVALID;
}

wb_enc wb_enc_from_name(const char *name, size_t len) {
  for (int e = WB_ENC_INVALID + 1; name != NULL && e < WB_ENC_COUNT_; e++)
    if (strlen(enc_table[e].name) == len && memcmp(enc_table[e].name, name, len) == 0)
      return (wb_enc)e;
  return WB_ENC_INVALID;
}

/* ---- ciphers and digests, fetched once ------------------------------------------------------ */

static const char *const cipher_names[4][3] = {{"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
                                               {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"},
                                               {"AES-128-WRAP", "AES-192-WRAP", "AES-256-WRAP"},
                                               {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"}};
static const char *const md_names[] = {"SHA1", "SHA256", "SHA384", "SHA512"};
#define NMDS (sizeof(md_names) / sizeof(md_names[0]))
static EVP_CIPHER *ciphers[4][3];
static EVP_MD *mds[NMDS];
static EVP_MAC *hmac;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void) {
  for (int m = 0; m < 4; m++)
    for (int k = 0; k < 3; k++)
      ciphers[m][k] = EVP_CIPHER_fetch(NULL, cipher_names[m][k], NULL);
  for (size_t i = 0; i < NMDS; i++)
    mds[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
  hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

EVP_MAC *wb__jwe_hmac(void) {
  pthread_once(&fetch_once, fetch_all);
  return hmac;
}

EVP_CIPHER *wb__jwe_aes(wb_aes_mode mode, size_t key_len) {
  pthread_once(&fetch_once, fetch_all);
  if ((unsigned)mode > WB_AES_ECB || (key_len != 16 && key_len != 24 && key_len != 32))
    return NULL;
  return ciphers[mode][(key_len - 16) / 8];
}

EVP_MD *wb__jwe_md(const char *name) {
  pthread_once(&fetch_once, fetch_all);
  for (size_t i = 0; i < NMDS; i++)
    if (md_names[i] == name || strcmp(md_names[i], name) == 0)
      return mds[i];
  return NULL;
}

/* ---- branch-free helpers --------------------------------------------------------------------- */

unsigned wb__ct_eq(size_t a, size_t b) {
  size_t x = a ^ b;
  /* (x | -x) has its top bit set iff x != 0 */
  size_t ne = (x | (0 - x)) >> (sizeof(size_t) * 8 - 1);
  return (unsigned)(ne - 1); /* 1 - 1 = 0 when different, 0 - 1 = all ones when equal */
}

void wb__ct_select(unsigned char *dst, const unsigned char *a, const unsigned char *b, size_t n,
                   unsigned mask) {
  unsigned char m = (unsigned char)mask;
  for (size_t i = 0; i < n; i++)
    dst[i] = (unsigned char)((a[i] & m) | (b[i] & (unsigned char)~m));
}

void wb_plaintext_free(unsigned char *plaintext, size_t len) {
  if (plaintext == NULL)
    return;
  OPENSSL_cleanse(plaintext, len);
  free(plaintext);
}

/* ---- defaults ---------------------------------------------------------------------------------- */

/* The key's own "alg" when it names a key management algorithm, "dir" when it names an enc. */
static wb_jwe_alg pinned_alg(const wb_key *key, wb_enc *pinned_enc) {
  *pinned_enc = WB_ENC_INVALID;
  if (key->jwe_alg == NULL)
    return WB_JWE_ALG_INVALID;
  wb_jwe_alg a = wb_jwe_alg_from_name(key->jwe_alg, strlen(key->jwe_alg));
  if (a != WB_JWE_ALG_INVALID)
    return a;
  *pinned_enc = wb_enc_from_name(key->jwe_alg, strlen(key->jwe_alg));
  return *pinned_enc != WB_ENC_INVALID ? WB_JWE_DIR : WB_JWE_ALG_INVALID;
}

static wb_jwe_alg default_alg(const wb_key *key) {
  switch (key->kty) {
  case WB_KTY_RSA:
    return WB_JWE_RSA_OAEP_256;
  case WB_KTY_EC:
  case WB_KTY_OKP:
    return WB_JWE_ECDH_ES; /* the key fit refuses the curves ECDH-ES does not use */
  default:                 /* WB_KTY_OCT: every key has one of the four types */
    return key->secret_len == 16   ? WB_JWE_A128KW
           : key->secret_len == 24 ? WB_JWE_A192KW
           : key->secret_len == 32 ? WB_JWE_A256KW
                                   : WB_JWE_ALG_INVALID;
  }
}

/* The enc of a dir key of len bytes: GCM for 16/24/32, CBC-HMAC for 48/64. */
static wb_enc dir_enc(size_t len) {
  static const wb_enc by_size[] = {WB_ENC_A128GCM, WB_ENC_A192GCM, WB_ENC_A256GCM, WB_ENC_A192CBC_HS384,
                                   WB_ENC_A256CBC_HS512};
  for (size_t i = 0; i < sizeof(by_size) / sizeof(by_size[0]); i++)
    if (enc_table[by_size[i]].cek_len == len)
      return by_size[i];
  return WB_ENC_INVALID;
}

/* ---- encrypter -------------------------------------------------------------------------------- */

/* *out = s as a JSON string (quotes included), or NULL when s is NULL. */
static wb_status json_quote(const char *s, char **out, wb_error *err) {
  *out = NULL;
  if (s == NULL)
    return WB_OK;
  wb_strbuf b;
  wb__sb_init(&b, 4096);
  wb__sb_json_string(&b, s, strlen(s));
  wb_status st = wb__sb_done(&b, err);
  if (st == WB_OK) {
    *out = b.p;
    return WB_OK;
  }
  wb__sb_free(&b);
  return st;
}

/* Fills recipient r for key and alg (already resolved), after the key fit. */
static wb_status recipient_set(wb_jwe_recipient *r, const wb_key *key, wb_jwe_alg alg, const wb_enc_info *ei,
                               wb_error *err) {
  const wb_jwe_alg_info *ai = wb__jwe_alg_info(alg);
  if (ai == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown key management algorithm");
  if (ai->kind == WB_KM_RSA1_5)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "RSA1_5 is never used to encrypt: use RSA-OAEP-256");
  wb_status st = wb__jwe_key_fits(key, ai, ei, WB_JWE_OP_ENCRYPT, err);
  if (st != WB_OK)
    return st;
  char *kid = NULL;
  EVP_PKEY_CTX *prepared = NULL;
  if ((st = json_quote(key->kid, &kid, err)) != WB_OK)
    return st;
  if ((st = wb__km_prepare(key, ai, &prepared, err)) != WB_OK) {
    free(kid);
    return st;
  }
  r->key = wb__key_ref(key);
  r->ai = ai;
  r->kid_json = kid;
  r->prepared = prepared;
  return WB_OK;
}

/* (Re)builds the prepared protected header after every set-up change; NULL when it varies. */
static wb_status encrypter_prepare(wb_encrypter *e, wb_error *err) {
  wb_km_kind kind = e->rcpt[0].ai->kind;
  free(e->hdr_b64);
  e->hdr_b64 = NULL;
  e->hdr_b64_len = 0;
  if (e->n != 1 || (kind != WB_KM_DIR && kind != WB_KM_AESKW && kind != WB_KM_RSA_OAEP))
    return WB_OK;
  wb_strbuf hdr;
  wb__sb_init(&hdr, 65536);
  wb_status st = wb__jwe_protected(e, NULL, NULL, &hdr, err);
  if (st == WB_OK &&
      (e->hdr_b64 = wb__b64url_encode_alloc((const unsigned char *)hdr.p, hdr.len, &e->hdr_b64_len)) == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  wb__sb_free(&hdr);
  return st;
}

static wb_status encrypter_alloc(wb_encrypter **out, wb_enc enc, wb_error *err) {
  const wb_enc_info *ei = wb__enc_info(enc);
  if (ei == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown content encryption algorithm");
  wb_encrypter *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  e->ei = ei;
  e->p2c = WB_PBES2_DEFAULT_P2C;
  atomic_init(&e->pool, NULL);
  *out = e;
  return WB_OK;
}

wb_status wb_encrypter_new(wb_encrypter **out, const wb_key *key, wb_jwe_alg alg, wb_enc enc, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  if (key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL key");
  wb_enc pinned_enc;
  wb_jwe_alg pinned = pinned_alg(key, &pinned_enc);
  if (alg == WB_JWE_ALG_INVALID)
    alg = pinned != WB_JWE_ALG_INVALID ? pinned : default_alg(key);
  if (alg == WB_JWE_ALG_INVALID)
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "the key does not determine a key management algorithm: name one");
  if (enc == WB_ENC_INVALID)
    enc = pinned_enc != WB_ENC_INVALID                  ? pinned_enc
          : alg == WB_JWE_DIR && key->kty == WB_KTY_OCT ? dir_enc(key->secret_len)
                                                        : WB_ENC_A256GCM;
  const wb_jwe_alg_info *ai = wb__jwe_alg_info(alg);
  if (ai != NULL && ai->kind == WB_KM_PBES2)
    return wb__fail(err, WB_ERR_INVALID_ARG, "PBES2 encrypts with a password: use wb_encrypter_new_password");
  wb_encrypter *e = NULL;
  wb_status st = encrypter_alloc(&e, enc, err);
  if (st != WB_OK)
    return st;
  st = recipient_set(&e->rcpt[0], key, alg, e->ei, err);
  if (st == WB_OK) {
    e->n = 1;
    st = encrypter_prepare(e, err);
  }
  if (st != WB_OK) {
    wb_encrypter_free(e);
    return st;
  }
  *out = e;
  return wb__ok(err);
}

wb_status wb_encrypter_new_password(wb_encrypter **out, const char *password, size_t len, wb_jwe_alg alg,
                                    wb_enc enc, uint32_t p2c, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  if (password == NULL || len == 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "an empty password is refused");
  if (alg == WB_JWE_ALG_INVALID)
    alg = WB_JWE_PBES2_HS512_A256KW;
  if (enc == WB_ENC_INVALID)
    enc = WB_ENC_A256GCM;
  if (p2c == 0)
    p2c = WB_PBES2_DEFAULT_P2C;
  const wb_jwe_alg_info *ai = wb__jwe_alg_info(alg);
  if (ai == NULL || ai->kind != WB_KM_PBES2)
    return wb__fail(err, WB_ERR_INVALID_ARG, "a password encrypts with a PBES2 algorithm only");
  if (p2c < WB_PBES2_MIN_P2C || p2c > WB_PBES2_MAX_P2C)
    return wb__fail(err, WB_ERR_INVALID_ARG, "p2c must be between %d and %d", WB_PBES2_MIN_P2C,
                    WB_PBES2_MAX_P2C);
  wb_key *pw = NULL;
  wb_status st = wb_key_from_secret(&pw, (const unsigned char *)password, len, err);
  if (st != WB_OK)
    return st;
  wb_encrypter *e = NULL;
  st = encrypter_alloc(&e, enc, err);
  if (st == WB_OK)
    st = recipient_set(&e->rcpt[0], pw, alg, e->ei, err);
  wb_key_free(pw);
  if (st != WB_OK) {
    wb_encrypter_free(e);
    return st;
  }
  e->n = 1;
  e->p2c = p2c;
  *out = e;
  return wb__ok(err);
}

static bool is_direct(const wb_jwe_alg_info *ai) {
  return ai->kind == WB_KM_DIR || (ai->kind == WB_KM_ECDH_ES && ai->kw_len == 0);
}

wb_status wb_encrypter_add_recipient(wb_encrypter *e, const wb_key *key, wb_jwe_alg alg, wb_error *err) {
  if (e == NULL || key == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (e->n == WB_JWE_MAX_RECIPIENTS)
    return wb__fail(err, WB_ERR_TOO_LARGE, "at most %d recipients", WB_JWE_MAX_RECIPIENTS);
  wb_enc pinned_enc;
  if (alg == WB_JWE_ALG_INVALID && (alg = pinned_alg(key, &pinned_enc)) == WB_JWE_ALG_INVALID)
    alg = default_alg(key);
  const wb_jwe_alg_info *ai = wb__jwe_alg_info(alg);
  if (ai == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "the key does not determine a key management algorithm: name one");
  if (is_direct(ai) || is_direct(e->rcpt[0].ai))
    return wb__fail(err, WB_ERR_INVALID_ARG, "%s cannot share the content key with other recipients",
                    is_direct(ai) ? ai->name : e->rcpt[0].ai->name);
  if (ai->kind == WB_KM_PBES2 || e->rcpt[0].ai->kind == WB_KM_PBES2)
    return wb__fail(err, WB_ERR_INVALID_ARG, "a password encrypter has one recipient");
  wb_status st = recipient_set(&e->rcpt[e->n], key, alg, e->ei, err);
  if (st != WB_OK)
    return st;
  e->n++;
  (void)encrypter_prepare(e, err); /* several recipients: drops the prepared header (cannot fail) */
  return wb__ok(err);
}

/* Replaces *slot with value as a JSON string (NULL clears). */
static wb_status set_quoted(wb_encrypter *e, char **slot, const char *value, wb_error *err) {
  if (e == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL encrypter");
  char *q = NULL;
  wb_status st = json_quote(value, &q, err);
  if (st != WB_OK)
    return st;
  char *old = *slot;
  *slot = q;
  if ((st = encrypter_prepare(e, err)) != WB_OK) { /* a failed call changes nothing */
    *slot = old;
    free(q);
    (void)encrypter_prepare(e, NULL);
    return st;
  }
  free(old);
  return wb__ok(err);
}

wb_status wb_encrypter_set_typ(wb_encrypter *e, const char *typ, wb_error *err) {
  return set_quoted(e, e ? &e->typ_json : NULL, typ, err);
}

wb_status wb_encrypter_set_cty(wb_encrypter *e, const char *cty, wb_error *err) {
  return set_quoted(e, e ? &e->cty_json : NULL, cty, err);
}

wb_status wb_encrypter_set_zip(wb_encrypter *e, bool zip, wb_error *err) {
  if (e == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL encrypter");
  bool old = e->zip;
  e->zip = zip;
  wb_status st = encrypter_prepare(e, err);
  if (st != WB_OK) {
    e->zip = old;
    (void)encrypter_prepare(e, NULL);
    return st;
  }
  return wb__ok(err);
}

void wb_encrypter_free(wb_encrypter *e) {
  if (e == NULL)
    return;
  for (size_t i = 0; i < e->n; i++) {
    wb_key_free(e->rcpt[i].key);
    free(e->rcpt[i].kid_json);
    EVP_PKEY_CTX_free(e->rcpt[i].prepared);
  }
  free(e->typ_json);
  free(e->cty_json);
  free(e->hdr_b64);
  wb__pool_free(&e->pool); /* the GCM contexts hold the last content key */
  free(e);
}

/* Appends ,"name":value (value already JSON) unless value is NULL; first omits the comma. */
static void member(wb_strbuf *b, const char *name, const char *value, bool quote) {
  if (value == NULL)
    return;
  wb__sb_str(b, b->len > 1 ? ",\"" : "\"");
  wb__sb_str(b, name);
  wb__sb_str(b, quote ? "\":\"" : "\":");
  wb__sb_str(b, value);
  if (quote)
    wb__sb_str(b, "\"");
}

wb_status wb__jwe_protected(const wb_encrypter *e, const char *params, const char *cty_json, wb_strbuf *out,
                            wb_error *err) {
  bool one = e->n == 1;
  wb__sb_str(out, "{");
  member(out, "alg", one ? e->rcpt[0].ai->name : NULL, true);
  member(out, "enc", e->ei->name, true);
  member(out, "zip", e->zip ? "DEF" : NULL, true);
  member(out, "kid", one ? e->rcpt[0].kid_json : NULL, false);
  member(out, "typ", e->typ_json, false);
  member(out, "cty", cty_json != NULL ? cty_json : e->cty_json, false);
  if (one && params != NULL)
    wb__sb_str(out, params);
  wb__sb_str(out, "}");
  return wb__sb_done(out, err);
}

/* ---- decrypter -------------------------------------------------------------------------------- */

static atomic_uint_fast64_t decrypter_serials = 1;

/* Every set-up call renews the serial: a header memoised under the old policy is judged again. */
static void renew(wb_decrypter *d) {
  d->serial = (uint64_t)atomic_fetch_add(&decrypter_serials, 1);
}

/* true when some key of d fits some algorithm the policy permits. */
static bool decrypter_usable(const wb_decrypter *d) {
  for (int a = WB_JWE_ALG_INVALID + 1; a < WB_JWE_ALG_COUNT_; a++) {
    const wb_jwe_alg_info *ai = &alg_table[a];
    if (d->alg_mask != 0 && !(d->alg_mask & (1u << a)))
      continue;
    if (d->password != (ai->kind == WB_KM_PBES2))
      continue;
    for (size_t i = 0; i < d->nkeys; i++)
      if (wb__jwe_key_fits(d->keys[i], ai, NULL, WB_JWE_OP_DECRYPT, NULL) == WB_OK)
        return true;
  }
  return false;
}

static wb_status decrypter_alloc(wb_decrypter **out, size_t nkeys, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  if (nkeys == 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "a decrypter needs at least one key");
  wb_decrypter *d = calloc(1, sizeof(*d));
  if (d == NULL || (d->keys = calloc(nkeys, sizeof(*d->keys))) == NULL) {
    free(d);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  wb_limits_default(&d->limits);
  atomic_init(&d->pool, NULL);
  renew(d);
  *out = d;
  wb_status st = wb_random(d->substitute, sizeof(d->substitute), err);
  if (st != WB_OK) {
    wb_decrypter_free(d);
    *out = NULL;
  }
  return st;
}

static wb_status decrypter_finish(wb_decrypter **out, wb_error *err) {
  if (!decrypter_usable(*out)) {
    wb_decrypter_free(*out);
    *out = NULL;
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED,
                    "no key can decrypt (keys bound to signing, public keys, or sizes no algorithm uses)");
  }
  return wb__ok(err);
}

wb_status wb_decrypter_new(wb_decrypter **out, const wb_keyset *set, wb_error *err) {
  wb_status st = decrypter_alloc(out, set ? set->count : 0, err);
  if (st != WB_OK)
    return st;
  for (size_t i = 0; i < set->count; i++)
    (*out)->keys[(*out)->nkeys++] = wb__key_ref(set->keys[i]);
  return decrypter_finish(out, err);
}

wb_status wb_decrypter_new_key(wb_decrypter **out, const wb_key *key, wb_error *err) {
  wb_status st = decrypter_alloc(out, key ? 1 : 0, err);
  if (st != WB_OK)
    return st;
  (*out)->keys[(*out)->nkeys++] = wb__key_ref(key);
  return decrypter_finish(out, err);
}

wb_status wb_decrypter_new_password(wb_decrypter **out, const char *password, size_t len, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  if (password == NULL || len == 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "an empty password is refused");
  wb_key *pw = NULL;
  wb_status st = wb_key_from_secret(&pw, (const unsigned char *)password, len, err);
  if (st == WB_OK)
    st = decrypter_alloc(out, 1, err);
  if (st == WB_OK) {
    (*out)->keys[(*out)->nkeys++] = wb__key_ref(pw);
    (*out)->password = true;
    (*out)->max_p2c = WB_PBES2_DEFAULT_P2C;
    st = decrypter_finish(out, err);
  }
  wb_key_free(pw);
  return st;
}

wb_status wb_decrypter_allow_alg(wb_decrypter *d, wb_jwe_alg alg, wb_error *err) {
  if (d == NULL || wb__jwe_alg_info(alg) == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown key management algorithm");
  uint32_t old = d->alg_mask;
  d->alg_mask |= 1u << alg;
  if (!decrypter_usable(d)) { /* a failed call changes nothing */
    d->alg_mask = old;
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "no key of the decrypter fits the allowed algorithms");
  }
  renew(d);
  return wb__ok(err);
}

wb_status wb_decrypter_allow_enc(wb_decrypter *d, wb_enc enc, wb_error *err) {
  if (d == NULL || wb__enc_info(enc) == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown content encryption algorithm");
  d->enc_mask |= 1u << enc;
  renew(d);
  return wb__ok(err);
}

wb_status wb_decrypter_allow_rsa1_5(wb_decrypter *d, wb_error *err) {
  if (d == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL decrypter");
  d->rsa1_5 = true;
  renew(d);
  return wb__ok(err);
}

wb_status wb_decrypter_allow_pbes2(wb_decrypter *d, uint32_t max_p2c, wb_error *err) {
  if (d == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL decrypter");
  if (max_p2c == 0)
    max_p2c = WB_PBES2_DEFAULT_P2C;
  if (max_p2c < WB_PBES2_MIN_P2C || max_p2c > WB_PBES2_MAX_P2C)
    return wb__fail(err, WB_ERR_INVALID_ARG, "the p2c cap must be between %d and %d", WB_PBES2_MIN_P2C,
                    WB_PBES2_MAX_P2C);
  d->max_p2c = max_p2c;
  renew(d);
  return wb__ok(err);
}

wb_status wb_decrypter_allow_zip(wb_decrypter *d, size_t max_inflated, wb_error *err) {
  if (d == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL decrypter");
  if (max_inflated == 0)
    max_inflated = WB_ZIP_DEFAULT_MAX;
  if (max_inflated > WB_ZIP_MAX)
    return wb__fail(err, WB_ERR_INVALID_ARG, "the inflated size cap must be at most %u bytes", WB_ZIP_MAX);
  d->max_inflated = max_inflated;
  renew(d);
  return wb__ok(err);
}

wb_status wb_decrypter_set_limits(wb_decrypter *d, const wb_limits *limits, wb_error *err) {
  if (d == NULL || limits == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (limits->max_token_len == 0 || limits->max_header_len == 0 || limits->max_claims_len == 0 ||
      limits->max_depth == 0 || limits->max_members == 0 || limits->max_keys == 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "a zero limit is refused");
  if (limits->max_depth > WB_MAX_DEPTH_LIMIT)
    return wb__fail(err, WB_ERR_INVALID_ARG, "max_depth must be at most %d", WB_MAX_DEPTH_LIMIT);
  d->limits = *limits;
  renew(d);
  return wb__ok(err);
}

void wb_decrypter_free(wb_decrypter *d) {
  if (d == NULL)
    return;
  for (size_t i = 0; i < d->nkeys; i++)
    wb_key_free(d->keys[i]);
  free(d->keys);
  OPENSSL_cleanse(d->substitute, sizeof(d->substitute));
  wb__pool_free(&d->pool);
  free(d);
}

wb_status wb__jwe_policy(const wb_decrypter *d, const wb_jwe_alg_info *ai, const wb_enc_info *ei,
                         wb_error *err) {
  if (ai == NULL)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "unknown or unsupported key management algorithm");
  if (ei == NULL)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "unknown or unsupported content encryption algorithm");
  if (d->alg_mask != 0 && !(d->alg_mask & (1u << ai->alg)))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "algorithm %s is not allowed", ai->name);
  if (d->enc_mask != 0 && !(d->enc_mask & (1u << ei->enc)))
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "content encryption %s is not allowed", ei->name);
  if (ai->kind == WB_KM_RSA1_5 && !d->rsa1_5)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "RSA1_5 is refused unless the decrypter opts in");
  if (ai->kind == WB_KM_PBES2 && d->max_p2c == 0)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "PBES2 is refused unless the decrypter opts in");
  if (d->password && ai->kind != WB_KM_PBES2)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED, "a password decrypts PBES2 only, not %s", ai->name);
  return WB_OK;
}
