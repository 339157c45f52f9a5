/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vt_jose_rfc.c - the rfc/ vectors of JWE (RFC 7516 A.1-A.5, RFC 7517 C, RFC 7518
 * B and C, RFC 7519 A.1/A.2, RFC 8037 A.6/A.7), of the JWS JSON serializations (RFC 7515
 * A.6/A.7) and of RFC 7797 (format: ../shared/vectors/README.md).
 *
 * Every JWE decrypts through the public API, refused first without each opt-in it needs;
 * deterministic examples are re-encrypted byte for byte from their CEK and IV through the
 * library's own primitives (lib/jwe_int.h); every other one is round-tripped through an
 * encrypter. Key agreement examples check Z and the Concat KDF both ways, and the recipient side
 * through the header parser. An encrypted-only JWT decrypts, but is never a verified JWT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwe_int.h"
#include "vt.h"

/* Parses member name of vec as a key; a failure is recorded. */
static wb_key *key_of(vt_vec *v, const json_t *jwk, const char *what) {
  wb_key *key = NULL;
  wb_error err = {0};
  wb_status st = vt_key_from_json(&key, jwk, &err);
  vt_expect_status(v, what, true, 0, st, &err);
  return key;
}

/* Decodes member name (base64url) of obj; NULL (recorded) when it does not decode. */
static unsigned char *b64_of(vt_vec *v, const json_t *obj, const char *name, size_t *len) {
  const char *s = vt_str(obj, name);
  char *out = s != NULL ? vt_b64u_decode(s, len) : NULL;
  char what[80];
  snprintf(what, sizeof(what), "member \"%s\" to be base64url", name);
  vt_expect_true(v, what, out != NULL);
  return (unsigned char *)out;
}

/* ---- JWE ------------------------------------------------------------------------------------ */

/* Encrypts plaintext to the vector's key (its public half when it has one) with alg and enc, and
 * decrypts it back with the private key. */
static void roundtrip(vt_vec *v, const wb_key *key, const char *password, const char *alg, const char *enc,
                      const char *plaintext) {
  wb_jwe_alg a = wb_jwe_alg_from_name(alg, strlen(alg));
  wb_enc e = wb_enc_from_name(enc, strlen(enc));
  wb_encrypter *enc_ = NULL;
  wb_key *pub = NULL;
  wb_error err = {0};
  char *token = NULL;
  wb_status st;
  if (password != NULL) {
    st = wb_encrypter_new_password(&enc_, password, strlen(password), a, e, 0, &err);
  } else {
    st = wb_key_kty(key) == WB_KTY_OCT ? WB_OK : wb_key_public(&pub, key, &err);
    if (st == WB_OK)
      st = wb_encrypter_new(&enc_, pub != NULL ? pub : key, a, e, &err);
  }
  if (st == WB_OK)
    st = wb_jwe_encrypt(enc_, (const unsigned char *)plaintext, strlen(plaintext), &token, NULL, &err);
  if (vt_expect_status(v, "encrypt to the vector's key", true, 0, st, &err)) {
    wb_decrypter *d = NULL;
    vt_optin o = {false, password != NULL, false};
    st = password != NULL ? vt_decrypter(&d, NULL, password, o, &err) : wb_decrypter_new_key(&d, key, &err);
    if (vt_expect_status(v, "decrypter", true, 0, st, &err))
      vt_check_jwe(v, "decrypt our own encryption", d, token, false, true, 0,
                   (const unsigned char *)plaintext, strlen(plaintext));
    wb_decrypter_free(d);
  }
  wb_string_free(token);
  wb_encrypter_free(enc_);
  wb_key_free(pub);
}

/* Re-encrypts a deterministic example from its CEK and IV: the key wrap (AES-KW, directly or
 * under the PBES2 key), the ciphertext and the tag must be the vector's bytes. */
static void reproduce(vt_vec *v, const json_t *vec, const wb_key *key) {
  const wb_jwe_alg_info *ai =
      wb__jwe_alg_info(wb_jwe_alg_from_name(vt_str(vec, "alg"), strlen(vt_str(vec, "alg"))));
  const wb_enc_info *ei = wb__enc_info(wb_enc_from_name(vt_str(vec, "enc"), strlen(vt_str(vec, "enc"))));
  size_t cek_len = 0, iv_len = 0, kek_len = 0, n = 0;
  unsigned char *cek = b64_of(v, vec, "cek_b64u", &cek_len), *iv = b64_of(v, vec, "iv_b64u", &iv_len);
  unsigned char *kek = NULL, ek[WB_JWE_MAX_EK], tag[WB_JWE_MAX_TAG], ct[4096];
  const char *pt = vt_str(vec, "plaintext"), *aad = vt_str(vec, "protected_b64u");
  wb_error err = {0};
  if (cek == NULL || iv == NULL || ai == NULL || ei == NULL || strlen(pt) > sizeof(ct) - 16)
    goto out;
  if (ai->kind == WB_KM_PBES2) {
    kek = b64_of(v, vec, "derived_key_b64u", &kek_len);
    unsigned char got[32];
    size_t salt_len = 0;
    unsigned char *salt = b64_of(v, vec, "p2s_b64u", &salt_len);
    wb_status st = wb__pbes2_kek(key, ai, salt, salt_len,
                                 (uint32_t)json_integer_value(json_object_get(vec, "p2c")), got, &err);
    if (vt_expect_status(v, "PBKDF2", true, 0, st, &err) && kek != NULL)
      vt_expect_true(v, "the PBES2 derived key to equal the vector's", memcmp(got, kek, kek_len) == 0);
    free(salt);
  }
  const unsigned char *wrap_key = kek != NULL ? kek : key->secret;
  wb_status st = wb__aeskw_wrap(wrap_key, ai->kw_len, cek, cek_len, ek, &err);
  size_t want_len = 0;
  unsigned char *want_ek = b64_of(v, vec, "encrypted_key_b64u", &want_len);
  if (vt_expect_status(v, "AES key wrap", true, 0, st, &err) && want_ek != NULL)
    vt_expect_true(v, "the wrapped CEK to equal the vector's",
                   want_len == cek_len + 8 && memcmp(ek, want_ek, want_len) == 0);
  st = wb__ce_encrypt(ei, cek, iv, (const unsigned char *)aad, strlen(aad), (const unsigned char *)pt,
                      strlen(pt), ct, &n, tag, &err);
  size_t want_ct_len = 0, want_tag_len = 0;
  unsigned char *want_ct = b64_of(v, vec, "ciphertext_b64u", &want_ct_len);
  unsigned char *want_tag = b64_of(v, vec, "tag_b64u", &want_tag_len);
  if (vt_expect_status(v, "content encryption", true, 0, st, &err) && want_ct != NULL && want_tag != NULL)
    vt_expect_true(v, "the ciphertext and tag to equal the vector's",
                   n == want_ct_len && memcmp(ct, want_ct, n) == 0 && want_tag_len == ei->tag_len &&
                       memcmp(tag, want_tag, want_tag_len) == 0);
  free(want_ek);
  free(want_ct);
  free(want_tag);
out:
  free(cek);
  free(iv);
  free(kek);
}

/* RFC 7517 C: the encrypted JWK reads back as the plaintext JWK. */
static void encrypted_jwk(vt_vec *v, const json_t *vec) {
  const char *pw = vt_str(vec, "password"), *jwe = vt_str(vec, "compact");
  wb_key *key = NULL;
  wb_error err = {0};
  wb_status st = wb_key_from_encrypted_jwk(&key, jwe, strlen(jwe), pw, strlen(pw), 0, &err);
  if (vt_expect_status(v, "wb_key_from_encrypted_jwk", true, 0, st, &err))
    vt_check_jwk_roundtrip(v, key, json_object_get(vec, "plaintext_jwk"));
  wb_key_free(key);
  key = NULL;
  st = wb_key_from_encrypted_jwk(&key, jwe, strlen(jwe), "wrong password", 14, 0, &err);
  vt_expect_status(v, "a wrong password", false, VT_ST(WB_ERR_DECRYPT_FAILED), st, &err);
  vt_expect_true(v, "no key after a wrong password", key == NULL);
}

void vt_rfc_jwe(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const char *pw = vt_str(vec, "password"), *pt = vt_str(vec, "plaintext"), *compact = vt_str(vec, "compact");
  const json_t *jwk = json_object_get(vec, "key");
  wb_key *key = NULL; /* the key, or the password as an oct key (PBES2 derives from its bytes) */
  if (pw == NULL)
    key = key_of(&v, jwk, "import the vector's key");
  else
    vt_expect_status(&v, "the password as a key", true, 0,
                     wb_key_from_secret(&key, (const unsigned char *)pw, strlen(pw), NULL), NULL);
  vt_jwe_valid(&v, pw == NULL ? jwk : NULL, pw, compact, false, (const unsigned char *)pt, strlen(pt));
  if (key != NULL && json_is_true(json_object_get(vec, "deterministic")))
    reproduce(&v, vec, key);
  if (key != NULL && strcmp(vt_str(vec, "alg"), "RSA1_5") != 0)
    roundtrip(&v, key, pw, vt_str(vec, "alg"), vt_str(vec, "enc"), pt);
  if (json_object_get(vec, "plaintext_jwk") != NULL)
    encrypted_jwk(&v, vec);
  wb_key_free(key);
  vt_end(&v);
}

void vt_rfc_jwe_json(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const json_t *keys = json_object_get(vec, "keys");
  const json_t *obj =
      json_object_get(vec, "json") ? json_object_get(vec, "json") : json_object_get(vec, "json_flattened");
  char *text = vt_dump(obj);
  const char *pt = vt_str(vec, "plaintext");
  if (keys == NULL) {
    vt_jwe_valid(&v, json_object_get(vec, "key"), NULL, text, true, (const unsigned char *)pt, strlen(pt));
  } else {
    for (size_t i = 0; i < json_array_size(keys); i++) /* each recipient's key alone decrypts */
      vt_jwe_valid(&v, json_array_get(keys, i), NULL, text, true, (const unsigned char *)pt, strlen(pt));
  }
  free(text);
  vt_end(&v);
}

/* ---- AEAD, key agreement ---------------------------------------------------------------------- */

void vt_rfc_aead(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const char *enc = vt_str(vec, "enc");
  const wb_enc_info *ei = wb__enc_info(wb_enc_from_name(enc, strlen(enc)));
  size_t kl, pl, il, al, el, tl, n = 0;
  unsigned char *k = vt_hex(vt_str(vec, "K"), &kl), *p = vt_hex(vt_str(vec, "P"), &pl);
  unsigned char *iv = vt_hex(vt_str(vec, "IV"), &il), *a = vt_hex(vt_str(vec, "A"), &al);
  unsigned char *e = vt_hex(vt_str(vec, "E"), &el), *t = vt_hex(vt_str(vec, "T"), &tl);
  unsigned char ct[512], tag[WB_JWE_MAX_TAG], back[512];
  wb_error err = {0};
  if (vt_expect_true(&v, "the vector's hex and enc to decode",
                     ei != NULL && k && p && iv && a && e && t && pl < 400 && kl == ei->cek_len)) {
    wb_status st = wb__ce_encrypt(ei, k, iv, a, al, p, pl, ct, &n, tag, &err);
    if (vt_expect_status(&v, "encrypt", true, 0, st, &err))
      vt_expect_true(&v, "E and T as printed",
                     n == el && memcmp(ct, e, el) == 0 && tl == ei->tag_len && memcmp(tag, t, tl) == 0);
    st = wb__ce_decrypt(ei, k, iv, il, a, al, e, el, t, tl, back, &n, &err);
    if (vt_expect_status(&v, "decrypt", true, 0, st, &err))
      vt_expect_true(&v, "P back", n == pl && memcmp(back, p, pl) == 0);
    t[tl - 1] ^= 1; /* the last bit of the tag: compared over its full length */
    st = wb__ce_decrypt(ei, k, iv, il, a, al, e, el, t, tl, back, &n, &err);
    vt_expect_status(&v, "decrypt with the tag's last bit flipped", false, VT_ST(WB_ERR_DECRYPT_FAILED), st,
                     &err);
    t[tl - 1] ^= 1;
    st = wb__ce_decrypt(ei, k, iv, il, a, al, e, el, t, tl - 1, back, &n, &err);
    vt_expect_status(&v, "decrypt with a truncated tag", false, VT_ST(WB_ERR_DECRYPT_FAILED), st, &err);
  }
  free(k), free(p), free(iv), free(a), free(e), free(t);
  vt_end(&v);
}

/* The header view of a JSON object (as text): its tape in *t (free with wb__jtape_free). */
static bool view_of(const json_t *hdr, char **text, wb_jtape **t, wb_jose_view *h) {
  wb_limits lim;
  wb_limits_default(&lim);
  *text = vt_dump(hdr);
  *t = NULL;
  if (wb__jtape_build(t, *text, strlen(*text), &lim, true, NULL) != WB_OK)
    return false;
  wb_jose_part part = {*t, 0, WB_JH_PROTECTED};
  return wb__jose_view_build(h, &part, 1, NULL) == WB_OK;
}

void vt_rfc_ecdh_kdf(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  wb_key *eph = key_of(&v, json_object_get(vec, "ephemeral_private_key"), "import the ephemeral key");
  wb_key *rcpt = key_of(&v, json_object_get(vec, "recipient_private_key"), "import the recipient key");
  size_t zl = 0, dl = 0, n = 0;
  unsigned char *want_z = vt_hex(vt_str(vec, "Z_hex"), &zl),
                *want_d = b64_of(&v, vec, "derived_key_b64u", &dl);
  unsigned char z[66], d[32];
  wb_error err = {0};
  if (eph != NULL && rcpt != NULL && want_z != NULL && want_d != NULL) {
    wb_status st = wb__ecdh_z(eph->pkey, rcpt->pkey, z, &n, &err);
    if (vt_expect_status(&v, "Z", true, 0, st, &err))
      vt_expect_true(&v, "Z as printed", n == zl && memcmp(z, want_z, zl) == 0);
    st = wb__concat_kdf(want_z, zl, vt_str(vec, "enc"), (const unsigned char *)"Alice", 5,
                        (const unsigned char *)"Bob", 3, dl, d, &err);
    if (vt_expect_status(&v, "Concat KDF", true, 0, st, &err))
      vt_expect_true(&v, "the derived key as printed", memcmp(d, want_d, dl) == 0);
    char *text = NULL;
    wb_jtape *t = NULL;
    wb_jose_view h;
    memset(d, 0, sizeof(d));
    if (vt_expect_true(&v, "the protected header to parse",
                       view_of(json_object_get(vec, "protected_header"), &text, &t, &h))) {
      st = wb__ecdh_receive(rcpt, &h, vt_str(vec, "enc"), dl, d, &err);
      if (vt_expect_status(&v, "the recipient's side from the header", true, 0, st, &err))
        vt_expect_true(&v, "the recipient derives the printed key", memcmp(d, want_d, dl) == 0);
    }
    wb__jtape_free(t);
    free(text);
  }
  free(want_z);
  free(want_d);
  wb_key_free(eph);
  wb_key_free(rcpt);
  vt_end(&v);
}

/* An OKP private JWK of curve from the public x (base64url) and the private key in hex. */
static wb_key *okp_key(vt_vec *v, const char *crv, const char *x, const char *d_hex) {
  size_t n = 0;
  unsigned char *d = vt_hex(d_hex, &n);
  char d64[128];
  if (d == NULL || wb_b64url_encode(d64, sizeof(d64), d, n, NULL, NULL) != WB_OK) {
    free(d);
    vt_expect_true(v, "the private key hex to decode", false);
    return NULL;
  }
  free(d);
  json_t *jwk = json_pack("{ssssssss}", "kty", "OKP", "crv", crv, "x", x, "d", d64);
  wb_key *key = key_of(v, jwk, "import the key pair");
  json_decref(jwk);
  return key;
}

void vt_rfc_xdh(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const char *crv = vt_str(vec, "curve");
  const json_t *epub = json_object_get(vec, "ephemeral_public_key");
  wb_key *rcpt = okp_key(&v, crv, vt_str(json_object_get(vec, "recipient_public_key"), "x"),
                         vt_str(vec, "recipient_private_key_hex"));
  wb_key *eph = okp_key(&v, crv, vt_str(epub, "x"), vt_str(vec, "ephemeral_private_key_hex"));
  size_t zl = 0, n = 0;
  unsigned char *want_z = vt_hex(vt_str(vec, "Z_hex"), &zl), z[66], d[16], want_d[16];
  wb_error err = {0};
  if (rcpt != NULL && eph != NULL && want_z != NULL) {
    wb_status st = wb__ecdh_z(eph->pkey, rcpt->pkey, z, &n, &err);
    if (vt_expect_status(&v, "Z from the sender's side", true, 0, st, &err))
      vt_expect_true(&v, "Z as printed", n == zl && memcmp(z, want_z, zl) == 0);
    st = wb__ecdh_z(rcpt->pkey, eph->pkey, z, &n, &err);
    if (vt_expect_status(&v, "Z from the recipient's side", true, 0, st, &err))
      vt_expect_true(&v, "Z as printed", n == zl && memcmp(z, want_z, zl) == 0);
    json_t *hdr = json_pack("{sssssO}", "alg", "ECDH-ES", "enc", "A128GCM", "epk", epub);
    char *text = NULL;
    wb_jtape *t = NULL;
    wb_jose_view h;
    if (vt_expect_true(&v, "a header with the epk to parse", view_of(hdr, &text, &t, &h)) &&
        wb__concat_kdf(want_z, zl, "A128GCM", NULL, 0, NULL, 0, sizeof(want_d), want_d, &err) == WB_OK) {
      st = wb__ecdh_receive(rcpt, &h, "A128GCM", sizeof(d), d, &err);
      if (vt_expect_status(&v, "the recipient's side from the header", true, 0, st, &err))
        vt_expect_true(&v, "the key derived from the printed Z", memcmp(d, want_d, sizeof(d)) == 0);
    }
    wb__jtape_free(t);
    free(text);
    json_decref(hdr);
  }
  free(want_z);
  wb_key_free(rcpt);
  wb_key_free(eph);
  vt_end(&v);
}

/* ---- JWT: encrypted only, nested ------------------------------------------------------------- */

/* RFC 7519 A.1: it decrypts, but it is no verified JWT: wb_verify and wb_decrypt_verify refuse it. */
static void jwt_encrypted_only(vt_vec *v, const json_t *vec) {
  const char *jwt = vt_str(vec, "jwt"), *want = vt_str(vec, "expected_plaintext");
  const json_t *jwk = json_object_get(vec, "key");
  vt_jwe_valid(v, jwk, NULL, jwt, false, (const unsigned char *)want, strlen(want));
  wb_key *key = key_of(v, jwk, "import the key");
  wb_decrypter *d = NULL;
  wb_error err = {0};
  vt_optin o = {true, false, false};
  if (key != NULL && vt_decrypter(&d, jwk, NULL, o, &err) == WB_OK) {
    wb_claims *c = NULL;
    wb_status st = wb_decrypt_verify(d, NULL, jwt, strlen(jwt), &c, &err);
    vt_expect_status(v, "wb_decrypt_verify without a verifier", false, VT_ST(WB_ERR_INVALID_ARG), st, &err);
    wb_key *pub = NULL;
    wb_verifier *ver = NULL;
    if (wb_key_public(&pub, key, &err) == WB_OK && wb_verifier_new_key(&ver, pub, &err) == WB_OK) {
      st = wb_decrypt_verify(d, ver, jwt, strlen(jwt), &c, &err);
      vt_expect_status(v, "wb_decrypt_verify of a JWE without cty JWT", false, VT_ST(WB_ERR_CLAIM_MISMATCH),
                       st, &err);
      st = wb_verify(ver, jwt, strlen(jwt), &c, &err);
      vt_expect_status(v, "wb_verify of a JWE", false, VT_ST(WB_ERR_UNSUPPORTED), st, &err);
    }
    wb_verifier_free(ver);
    wb_key_free(pub);
  }
  wb_decrypter_free(d);
  wb_key_free(key);
}

/* RFC 7519 A.2: decrypt, then verify the inner JWS with the claims policy. */
static void jwt_nested(vt_vec *v, const json_t *vec) {
  const char *jwt = vt_str(vec, "jwt"), *inner = vt_str(vec, "expected_inner_jws");
  vt_jwe_valid(v, json_object_get(vec, "decryption_key"), NULL, jwt, false, (const unsigned char *)inner,
               strlen(inner));
  wb_decrypter *d = NULL;
  wb_verifier *ver = NULL;
  wb_key *vk = key_of(v, json_object_get(vec, "verification_key"), "import the verification key");
  wb_error err = {0};
  vt_optin o = {true, false, false};
  wb_status st = vt_decrypter(&d, json_object_get(vec, "decryption_key"), NULL, o, &err);
  if (st == WB_OK && vk != NULL)
    st = wb_verifier_new_key(&ver, vk, &err);
  if (st == WB_OK)
    st = wb_verifier_set_now(ver, 1300819379, &err);
  if (vt_expect_status(v, "decrypter and verifier", true, 0, st, &err)) {
    wb_claims *c = NULL;
    st = wb_decrypt_verify(d, ver, jwt, strlen(jwt), &c, &err);
    if (vt_expect_status(v, "wb_decrypt_verify at now = exp - 1", true, 0, st, &err))
      vt_expect_str(v, "iss", "joe", wb_claims_iss(c));
    wb_claims_free(c);
    st = wb_verifier_set_now(ver, 1300819380, &err);
    if (st == WB_OK)
      st = wb_decrypt_verify(d, ver, jwt, strlen(jwt), &c, &err);
    vt_expect_status(v, "wb_decrypt_verify at now = exp", false, VT_ST(WB_ERR_EXPIRED), st, &err);
  }
  wb_verifier_free(ver);
  wb_decrypter_free(d);
  wb_key_free(vk);
}

void vt_rfc_jwt_encrypted(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  if (strcmp(vt_str(vec, "operation"), "decrypt+verify") == 0)
    jwt_nested(&v, vec);
  else
    jwt_encrypted_only(&v, vec);
  vt_end(&v);
}

/* ---- JWS JSON and RFC 7797 ------------------------------------------------------------------- */

void vt_rfc_jws_json(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const json_t *keys =
      json_object_get(vec, "keys") ? json_object_get(vec, "keys") : json_object_get(vec, "key");
  const json_t *obj =
      json_object_get(vec, "json") ? json_object_get(vec, "json") : json_object_get(vec, "json_flattened");
  char *text = vt_dump(obj);
  const char *payload = vt_str(vec, "payload");
  vt_check_jws_json(&v, "verify every signature (WB_JWS_ALL)", keys, WB_JWS_ALL, text, NULL, 0, true,
                    payload);
  vt_check_jws_json(&v, "verify one signature (WB_JWS_ANY)", keys, WB_JWS_ANY, text, NULL, 0, true, payload);
  if (json_is_array(keys)) { /* one key of two: ANY holds, ALL does not */
    vt_check_jws_json(&v, "WB_JWS_ANY with the first key only", json_array_get(keys, 0), WB_JWS_ANY, text,
                      NULL, 0, true, payload);
    vt_check_jws_json(&v, "WB_JWS_ALL with the first key only", json_array_get(keys, 0), WB_JWS_ALL, text,
                      NULL, 0, false, NULL);
  }
  free(text);
  vt_end(&v);
}

/* RFC 7797 4.2: the detached compact form and the flattened JSON verify; re-signing reproduces both. */
void vt_rfc_b64_false(const json_t *vec) {
  vt_vec v;
  vt_begin(&v, vt_str(vec, "id"), vt_str(vec, "description"));
  const json_t *jwk = json_object_get(vec, "key");
  const char *payload = vt_str(vec, "payload"), *detached = vt_str(vec, "compact_detached");
  char *flat = vt_dump(json_object_get(vec, "json_flattened"));
  wb_key *key = key_of(&v, jwk, "import the key");
  wb_verifier *ver = NULL;
  wb_signer *s = NULL;
  wb_error err = {0};
  vt_check_jws_json(&v, "verify the flattened JSON", jwk, WB_JWS_ALL, flat, NULL, 0, true, payload);
  wb_status st = key != NULL ? wb_verifier_new_key(&ver, key, &err) : WB_ERR_BAD_KEY;
  if (st == WB_OK) {
    st = wb_jws_verify_detached(ver, detached, strlen(detached), (const unsigned char *)payload,
                                strlen(payload), &err);
    vt_expect_status(&v, "verify the detached compact form", true, 0, st, &err);
    st = wb_jws_verify_detached(ver, detached, strlen(detached), (const unsigned char *)"$.03", 4, &err);
    vt_expect_status(&v, "a changed detached payload", false, VT_ST(WB_ERR_BAD_SIGNATURE), st, &err);
    st = wb_verify(ver, detached, strlen(detached), NULL, &err);
    vt_expect_status(&v, "wb_verify (a JWT never has b64 false)", false,
                     VT_ST(WB_ERR_UNSUPPORTED_CRIT) | VT_ST(WB_ERR_BAD_SIGNATURE), st, &err);
  }
  char *tok = NULL, *json = NULL;
  st = key != NULL ? wb_signer_new(&s, key, WB_ALG_HS256, &err) : WB_ERR_BAD_KEY;
  if (st == WB_OK)
    st = wb_signer_set_typ(s, NULL, &err);
  if (st == WB_OK)
    st = wb_signer_set_b64(s, false, &err);
  if (st == WB_OK)
    st = wb_jws_sign_detached(s, (const unsigned char *)payload, strlen(payload), &tok, NULL, &err);
  if (vt_expect_status(&v, "sign detached with b64 false", true, 0, st, &err))
    vt_expect_str(&v, "the detached compact form", detached, tok);
  const wb_signer *one[1] = {s};
  st = s != NULL ? wb_jws_sign_json(one, 1, WB_SER_FLATTENED, (const unsigned char *)payload, strlen(payload),
                                    false, &json, NULL, &err)
                 : WB_ERR_BAD_KEY;
  if (vt_expect_status(&v, "sign flattened JSON with b64 false", true, 0, st, &err))
    vt_expect_str(&v, "the flattened JSON",
                  "{\"payload\":\"$.02\",\"protected\":"
                  "\"eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19\","
                  "\"signature\":\"A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY\"}",
                  json);
  wb_string_free(tok);
  wb_string_free(json);
  wb_signer_free(s);
  wb_verifier_free(ver);
  wb_key_free(key);
  free(flat);
  vt_end(&v);
}
