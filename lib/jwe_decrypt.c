/* SPDX-License-Identifier: MIT */
/*
 * lib/jwe_decrypt.c - JWE decryption (RFC 7516 section 5.2) of the compact serialization (7.1)
 * and of the flattened and general JSON serializations (7.2), with the decrypter's policy.
 *
 * In order, stopping at the first failure: size limits; the serialization split or parsed
 * (strict base64url, strict JSON, no duplicate names, header parts with disjoint names); the
 * recipient chosen; alg and enc known and allowed (RSA1_5, PBES2 and zip only after their
 * opt-in; "zip" protected; "crit" refused: no JWE extension is understood); the key chosen by
 * kid, else the one key that fits; the key recovered (lib/jwe_keymgmt.c: public problems
 * reported, secret ones turned into a random key); the content decrypted and authenticated
 * (lib/jwe_content.c); the plaintext inflated under its ceiling. Every failure of the last two
 * steps that depends on a secret is the same WB_ERR_DECRYPT_FAILED. Contract: include/wristband/jwe.h.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jwe_int.h"
#include "jws.h"

/* The encoded pieces of one recipient's JWE, spans into the caller's input (or a tape arena). */
typedef struct jwe_in {
  const wb_jose_view *hdr;
  const char *protected_b64, *aad_b64, *ek, *iv, *ct, *tag;
  size_t protected_len, aad_len, ek_len, iv_len, ct_len, tag_len;
  bool has_aad;
} jwe_in;

static wb_status decrypt_failed(wb_error *err) {
  return wb__fail(err, WB_ERR_DECRYPT_FAILED, "decryption failed");
}

/* ---- choosing the key --------------------------------------------------------------------------- */

static wb_status choose_key(const wb_decrypter *d, const wb_jose_view *h, const wb_jwe_alg_info *ai,
                            const wb_enc_info *ei, const wb_key **out, wb_error *err) {
  *out = NULL;
  const char *kid = wb__jose_str(h, WB_JH_KID, NULL);
  if (kid != NULL && !d->password) {
    for (size_t i = 0; i < d->nkeys; i++) {
      if (d->keys[i]->kid != NULL && strcmp(d->keys[i]->kid, kid) == 0) {
        *out = d->keys[i];
        return wb__jwe_key_fits(*out, ai, ei, WB_JWE_OP_DECRYPT, err);
      }
    }
    if (d->nkeys != 1 || d->keys[0]->kid != NULL)
      return wb__fail(err, WB_ERR_KEY_NOT_FOUND, "no key has the JWE's kid");
  }
  size_t fits = 0;
  wb_error why = {WB_OK, ""};
  for (size_t i = 0; i < d->nkeys; i++) {
    wb_error e;
    if (wb__jwe_key_fits(d->keys[i], ai, ei, WB_JWE_OP_DECRYPT, &e) != WB_OK) {
      why = e;
      continue;
    }
    *out = d->keys[i];
    fits++;
  }
  if (fits == 1)
    return WB_OK;
  *out = NULL;
  if (fits == 0 && d->nkeys == 1) /* one key: say why it does not fit */
    return wb__fail(err, why.code, "%s", why.message);
  return wb__fail(err, WB_ERR_KEY_NOT_FOUND, "the JWE has no kid and %s keys fit %s with %s",
                  fits == 0 ? "no" : "several", ai->name, ei->name);
}

/* alg, enc, zip and crit of a recipient's header against the policy; then its key. */
static wb_status judge(const wb_decrypter *d, const wb_jose_view *h, const wb_jwe_alg_info **ai,
                       const wb_enc_info **ei, const wb_key **key, wb_error *err) {
  size_t alg_len = 0, enc_len = 0, zip_len = 0;
  const char *alg = wb__jose_str(h, WB_JH_ALG, &alg_len), *enc = wb__jose_str(h, WB_JH_ENC, &enc_len);
  const char *zip = wb__jose_str(h, WB_JH_ZIP, &zip_len);
  if (alg == NULL || enc == NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "a JWE header needs \"alg\" and \"enc\"");
  *ai = wb__jwe_alg_info(wb_jwe_alg_from_name(alg, alg_len));
  *ei = wb__enc_info(wb_enc_from_name(enc, enc_len));
  wb_status st = wb__jwe_policy(d, *ai, *ei, err);
  if (st != WB_OK)
    return st;
  if (zip != NULL && h->m[WB_JH_ZIP].src != WB_JH_PROTECTED)
    return wb__fail(err, WB_ERR_MALFORMED, "header \"zip\" must be integrity protected");
  if (zip != NULL && strcmp(zip, "DEF") != 0)
    return wb__fail(err, WB_ERR_UNSUPPORTED, "unknown compression \"zip\"");
  if (zip != NULL && d->max_inflated == 0)
    return wb__fail(err, WB_ERR_ALG_NOT_ALLOWED,
                    "compressed plaintexts are refused unless the decrypter opts in");
  if (wb__jose_node(h, WB_JH_B64) != NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "header \"b64\" belongs to JWS, not JWE");
  if ((st = wb__jose_check_crit(h, NULL, 0, err)) != WB_OK)
    return st;
  return choose_key(d, h, *ai, *ei, key, err);
}

/* ---- decrypting one recipient ------------------------------------------------------------------- */

/* Decodes a base64url span into buf (capacity cap); a longer span is too_long's status. */
static wb_status decode(const char *b64, size_t len, unsigned char *buf, size_t cap, size_t *out,
                        wb_status too_long, const char *what, wb_error *err) {
  *out = 0;
  if (WB_B64URL_DECODED_LEN(len) > cap)
    return too_long == WB_ERR_DECRYPT_FAILED ? decrypt_failed(err)
                                             : wb__fail(err, too_long, "the %s is too long", what);
  if (wb_b64url_decode(buf, cap, b64, len, out, NULL) != WB_OK)
    return wb__fail(err, WB_ERR_MALFORMED, "the %s is not canonical base64url", what);
  return WB_OK;
}

/* The AAD of RFC 7516 5.2 step 14 of a JWE with "aad", into a new buffer: protected_b64 "." aad_b64
 * (without "aad" the AAD is the protected header's base64url as it is: no buffer). */
static wb_status aad_of(const jwe_in *in, unsigned char **aad, size_t *len, wb_error *err) {
  *len = in->protected_len + 1 + in->aad_len;
  if ((*aad = malloc(*len + 1)) == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  memcpy(*aad, in->protected_b64, in->protected_len);
  (*aad)[in->protected_len] = '.';
  memcpy(*aad + in->protected_len + 1, in->aad_b64, in->aad_len);
  return WB_OK;
}

/* Inflates pt[0..*len) under the decrypter's ceiling; *pt is replaced (the old one wiped). */
static wb_status inflate_pt(const wb_decrypter *d, unsigned char **pt, size_t *len, wb_error *err) {
  unsigned char *big = NULL, *out = NULL;
  size_t n = 0;
  wb_status st = wb__inflate(*pt, *len, d->max_inflated, &big, &n, err);
  if (st == WB_OK && (out = malloc(n + 1)) == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (st == WB_OK) {
    memcpy(out, big, n);
    out[n] = '\0';
  }
  wb_plaintext_free(big, n);
  wb_plaintext_free(*pt, *len);
  *pt = out;
  *len = st == WB_OK ? n : 0;
  return st;
}

/* Key recovery and content decryption: every secret-dependent failure is one decrypt_failed. */
static wb_status open_sealed(const wb_decrypter *d, const jwe_in *in, const wb_key *key,
                             const wb_jwe_alg_info *ai, const wb_enc_info *ei, bool zip, unsigned char **pt,
                             size_t *pt_len, wb_error *err) {
  unsigned char ek[WB_JWE_MAX_EK], iv[64], tag[64], cek[WB_JWE_MAX_CEK], *aad_buf = NULL, *out = NULL;
  size_t ek_len = 0, iv_len = 0, tag_len = 0, ct_len = 0, aad_len = in->protected_len, n = 0;
  const unsigned char *aad = (const unsigned char *)in->protected_b64; /* compact: the token's own bytes */
  unsigned good = 0;
  wb_status st = decode(in->ek, in->ek_len, ek, sizeof(ek), &ek_len, WB_ERR_MALFORMED, "encrypted key", err);
  if (st == WB_OK)
    st = decode(in->iv, in->iv_len, iv, sizeof(iv), &iv_len, WB_ERR_DECRYPT_FAILED, "IV", err);
  if (st == WB_OK)
    st = decode(in->tag, in->tag_len, tag, sizeof(tag), &tag_len, WB_ERR_DECRYPT_FAILED, "tag", err);
  size_t cap = WB_B64URL_DECODED_LEN(in->ct_len) + 1;
  if (st == WB_OK && (out = malloc(cap)) == NULL) /* the ciphertext, decrypted in place */
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (st == WB_OK)
    st = decode(in->ct, in->ct_len, out, cap, &ct_len, WB_ERR_MALFORMED, "ciphertext", err);
  if (st == WB_OK && in->has_aad && (st = aad_of(in, &aad_buf, &aad_len, err)) == WB_OK)
    aad = aad_buf;
  wb_km_in km = {ek, ek_len, in->hdr, d->max_p2c, d->substitute};
  if (st == WB_OK)
    st = wb__km_unwrap(key, ai, ei, &km, cek, &good, err);
  if (st == WB_OK) {
    st = wb__ce_decrypt_pool((wb_pool_ref *)&d->pool, ai->kind == WB_KM_DIR, ei, cek, iv, iv_len, aad,
                             aad_len, out, ct_len, tag, tag_len, out, &n,
                             err);    /* the pool is the decrypter's mutable part */
    if (st == WB_OK && good != ~0u) { /* LCOV_EXCL_BR_LINE: cov-substitute-tag */
      OPENSSL_cleanse(out, n);        /* LCOV_EXCL_LINE: cov-substitute-tag */
      st = decrypt_failed(err);       /* LCOV_EXCL_LINE: cov-substitute-tag */
    }
  }
  OPENSSL_cleanse(cek, sizeof(cek));
  OPENSSL_cleanse(ek, ek_len);
  free(aad_buf);
  if (st != WB_OK) {
    wb_plaintext_free(out, cap);
    return st;
  }
  out[n] = '\0';
  *pt = out;
  *pt_len = n;
  if (zip)
    st = inflate_pt(d, pt, pt_len, err);
  return st;
}

/* ---- compact ----------------------------------------------------------------------------------- */

static wb_status split5(const char *token, size_t len, const wb_limits *lim, const char *seg[5],
                        size_t seg_len[5], wb_error *err) {
  if (token == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL token");
  if (len > lim->max_token_len)
    return wb__fail(err, WB_ERR_TOO_LARGE, "token longer than %zu bytes", lim->max_token_len);
  size_t n = 0;
  const char *end = token + len, *dot;
  seg[0] = token;
  /* memchr, not a byte loop: the ciphertext segment is most of the token */
  while ((dot = memchr(seg[n], '.', (size_t)(end - seg[n]))) != NULL) {
    if (n == 4)
      return wb__fail(err, WB_ERR_MALFORMED, "too many segments");
    seg_len[n] = (size_t)(dot - seg[n]);
    seg[++n] = dot + 1;
  }
  if (n == 2)
    return wb__fail(err, WB_ERR_UNSUPPORTED, "token is a JWS (3 segments); expected a JWE");
  if (n != 4)
    return wb__fail(err, WB_ERR_MALFORMED, "a compact JWE has 5 segments, this token has %zu", n + 1);
  seg_len[4] = (size_t)(token + len - seg[4]);
  if (seg_len[0] == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "empty protected header");
  return WB_OK;
}

/* cty equals want: case-insensitively, an "application/" prefix optional (RFC 7515 4.1.10). */
static bool cty_is(const char *cty, const char *want) {
  if (cty == NULL)
    return false;
  if (strncasecmp(cty, "application/", 12) == 0)
    cty += 12;
  return strcasecmp(cty, want) == 0;
}

/* Decodes a protected header into *text and its tape. */
static wb_status protected_tape(const char *b64, size_t len, const wb_limits *lim, char **text, wb_jtape **t,
                                wb_error *err) {
  size_t n = 0;
  *t = NULL;
  wb_status st = wb__b64url_decode_alloc(b64, len, lim->max_header_len, text, &n, err);
  if (st == WB_OK)
    st = wb__jtape_build(t, *text, n, lim, true, err);
  return st;
}

/*
 * A per-thread memo of the last compact header a decrypter accepted, for the algorithms whose
 * header carries nothing per message (dir, AES key wrap, RSA): tokens of one sender share their
 * header bytes, so most calls skip decoding and parsing it. Keyed by the decrypter's serial,
 * which every set-up call renews; read and written by its own thread only.
 */
#define MEMO_HEADER_MAX 192
typedef struct header_memo {
  uint64_t serial;
  size_t len;
  char b64[MEMO_HEADER_MAX];
  const wb_jwe_alg_info *ai;
  const wb_enc_info *ei;
  const wb_key *key;
  bool zip;
} header_memo;
static _Thread_local header_memo memo;

static bool memo_hit(const wb_decrypter *d, const char *h64, size_t len) {
  return memo.serial == d->serial && memo.len == len && memcmp(memo.b64, h64, len) == 0;
}

static void memo_store(const wb_decrypter *d, const char *h64, size_t len, const wb_jose_view *h,
                       const wb_jwe_alg_info *ai, const wb_enc_info *ei, const wb_key *key) {
  bool static_header = ai->kind == WB_KM_DIR || ai->kind == WB_KM_AESKW || ai->kind == WB_KM_RSA_OAEP ||
                       ai->kind == WB_KM_RSA1_5;
  if (!static_header || len > MEMO_HEADER_MAX)
    return;
  memo.serial = d->serial;
  memo.len = len;
  memcpy(memo.b64, h64, len);
  memo.ai = ai;
  memo.ei = ei;
  memo.key = key;
  memo.zip = wb__jose_str(h, WB_JH_ZIP, NULL) != NULL;
}

/* The header of a compact JWE judged, from the memo when it can be (want_cty: never). */
static wb_status compact_header(const wb_decrypter *d, const char *h64, size_t h64_len, const char *want_cty,
                                char **text, wb_jtape **t, wb_jose_view *h, const wb_jwe_alg_info **ai,
                                const wb_enc_info **ei, const wb_key **key, bool *zip, wb_error *err) {
  memset(h, 0, sizeof(*h));
  if (want_cty == NULL && memo_hit(d, h64, h64_len)) {
    *ai = memo.ai;
    *ei = memo.ei;
    *key = memo.key;
    *zip = memo.zip;
    return WB_OK;
  }
  wb_status st = protected_tape(h64, h64_len, &d->limits, text, t, err);
  wb_jose_part part = {*t, 0, WB_JH_PROTECTED};
  if (st == WB_OK)
    st = wb__jose_view_build(h, &part, 1, err);
  if (st == WB_OK)
    st = judge(d, h, ai, ei, key, err);
  if (st == WB_OK && want_cty != NULL && !cty_is(wb__jose_str(h, WB_JH_CTY, NULL), want_cty))
    st = wb__fail(err, WB_ERR_CLAIM_MISMATCH, "the JWE's \"cty\" is not \"%s\"", want_cty);
  if (st == WB_OK) {
    *zip = wb__jose_str(h, WB_JH_ZIP, NULL) != NULL;
    memo_store(d, h64, h64_len, h, *ai, *ei, *key);
  }
  return st;
}

wb_status wb__jwe_decrypt_compact(const wb_decrypter *d, const char *token, size_t len, const char *want_cty,
                                  unsigned char **pt, size_t *pt_len, wb_error *err) {
  if (pt_len != NULL)
    *pt_len = 0;
  if (pt == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL plaintext");
  *pt = NULL;
  if (d == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL decrypter");
  const char *seg[5] = {NULL};
  size_t seg_len[5] = {0}, n = 0;
  char *text = NULL;
  wb_jtape *t = NULL;
  wb_jose_view h;
  const wb_jwe_alg_info *ai = NULL;
  const wb_enc_info *ei = NULL;
  const wb_key *key = NULL;
  bool zip = false;
  wb_status st = split5(token, len, &d->limits, seg, seg_len, err);
  if (st == WB_OK)
    st = compact_header(d, seg[0], seg_len[0], want_cty, &text, &t, &h, &ai, &ei, &key, &zip, err);
  jwe_in in = {&h,         seg[0], NULL,       seg[1],     seg[2],     seg[3],     seg[4],
               seg_len[0], 0,      seg_len[1], seg_len[2], seg_len[3], seg_len[4], false};
  if (st == WB_OK)
    st = open_sealed(d, &in, key, ai, ei, zip, pt, &n, err);
  wb__jtape_free(t);
  free(text);
  if (st != WB_OK)
    return st;
  if (pt_len != NULL)
    *pt_len = n;
  return wb__ok(err);
}

wb_status wb_jwe_decrypt(const wb_decrypter *d, const char *token, size_t len, unsigned char **plaintext,
                         size_t *plaintext_len, wb_error *err) {
  return wb__jwe_decrypt_compact(d, token, len, NULL, plaintext, plaintext_len, err);
}

/* ---- JSON serializations ------------------------------------------------------------------------ */

/* Recipients read in a general JSON JWE (as a JSON JWS reads at most 64 signatures): each one's
 * header is joined with the shared ones, so the work grows with their number. */
#define MAX_READ_RECIPIENTS 64

enum { J_PROTECTED, J_UNPROTECTED, J_HEADER, J_EK, J_RECIPIENTS, J_AAD, J_IV, J_CT, J_TAG, J_COUNT };

static const struct {
  const char *name;
  wb_json_type type;
} json_members[J_COUNT] = {
    {"protected", WB_JSON_STRING}, {"unprotected", WB_JSON_OBJECT},
    {"header", WB_JSON_OBJECT},    {"encrypted_key", WB_JSON_STRING},
    {"recipients", WB_JSON_ARRAY}, {"aad", WB_JSON_STRING},
    {"iv", WB_JSON_STRING},        {"ciphertext", WB_JSON_STRING},
    {"tag", WB_JSON_STRING},
};

/* The members of object node obj (only those in [first, last]); wrong types are malformed. */
static wb_status members(const wb_jtape *t, uint32_t obj, int first, int last, uint32_t *m, wb_error *err) {
  for (int i = first; i <= last; i++) {
    m[i] = wb__jtape_member(t, obj, json_members[i].name, strlen(json_members[i].name));
    if (m[i] != 0 && t->nodes[m[i]].type != json_members[i].type) {
      m[i] = 0; /* never read as a string */
      return wb__fail(err, WB_ERR_MALFORMED, "JWE member \"%s\" has the wrong JSON type",
                      json_members[i].name);
    }
  }
  return WB_OK;
}

/* The string value (unescaped) of node k of t, or "" when k is 0. */
static const char *str_of(const wb_jtape *t, uint32_t k, size_t *len) {
  const char *s = k ? t->arena + t->nodes[k].str : "";
  *len = strlen(s);
  return s;
}

/* A parsed JSON JWE: the outer tape, the protected header's own tape, the members. */
typedef struct jwe_json {
  wb_jtape *t, *pt;
  char *ptext;
  uint32_t m[J_COUNT];
} jwe_json;

static wb_status parse_json(const wb_decrypter *d, const char *json, size_t len, jwe_json *j, wb_error *err) {
  memset(j, 0, sizeof(*j));
  if (json == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL json");
  if (len > d->limits.max_token_len)
    return wb__fail(err, WB_ERR_TOO_LARGE, "JWE longer than %zu bytes", d->limits.max_token_len);
  wb_status st = wb__jtape_build(&j->t, json, len, &d->limits, true, err);
  if (st == WB_OK)
    st = members(j->t, 0, J_PROTECTED, J_TAG, j->m, err);
  if (st != WB_OK)
    return st;
  if (j->m[J_CT] == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "a JSON JWE needs \"ciphertext\"");
  if (j->m[J_RECIPIENTS] != 0 && (j->m[J_HEADER] != 0 || j->m[J_EK] != 0))
    return wb__fail(err, WB_ERR_MALFORMED, "\"recipients\" and a flattened \"header\" or \"encrypted_key\"");
  if (j->m[J_RECIPIENTS] != 0 && j->t->nodes[j->m[J_RECIPIENTS]].count == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "\"recipients\" is empty");
  if (j->m[J_RECIPIENTS] != 0 && j->t->nodes[j->m[J_RECIPIENTS]].count > MAX_READ_RECIPIENTS)
    return wb__fail(err, WB_ERR_TOO_LARGE, "more than %d recipients", MAX_READ_RECIPIENTS);
  if (j->m[J_PROTECTED] == 0)
    return WB_OK;
  size_t n = 0;
  const char *p = str_of(j->t, j->m[J_PROTECTED], &n);
  if (n == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "empty \"protected\"");
  return protected_tape(p, n, &d->limits, &j->ptext, &j->pt, err);
}

/* The header view and encrypted key of recipient object r (0 = the flattened top level). */
static wb_status recipient_view(const jwe_json *j, uint32_t r, wb_jose_view *h, uint32_t *ek, wb_error *err) {
  wb_jose_part parts[3];
  size_t n = 0;
  uint32_t own[J_COUNT] = {0};
  wb_status st = r != 0 ? members(j->t, r, J_HEADER, J_EK, own, err) : WB_OK;
  if (st != WB_OK)
    return st;
  if (r == 0) {
    own[J_HEADER] = j->m[J_HEADER];
    own[J_EK] = j->m[J_EK];
  }
  if (j->pt != NULL)
    parts[n++] = (wb_jose_part){j->pt, 0, WB_JH_PROTECTED};
  if (j->m[J_UNPROTECTED] != 0)
    parts[n++] = (wb_jose_part){j->t, j->m[J_UNPROTECTED], WB_JH_SHARED};
  if (own[J_HEADER] != 0)
    parts[n++] = (wb_jose_part){j->t, own[J_HEADER], WB_JH_OWN};
  if (n == 0)
    return wb__fail(err, WB_ERR_MALFORMED, "a JWE needs a header");
  *ek = own[J_EK];
  return wb__jose_view_build(h, parts, n, err);
}

/* true when h names the kid of one of d's keys (a password has no kid). */
static bool names_our_kid(const wb_decrypter *d, const wb_jose_view *h) {
  const char *kid = wb__jose_str(h, WB_JH_KID, NULL);
  for (size_t i = 0; kid != NULL && !d->password && i < d->nkeys; i++)
    if (d->keys[i]->kid != NULL && strcmp(d->keys[i]->kid, kid) == 0)
      return true;
  return false;
}

/* The recipient to open: the first that names the kid of one of the decrypter's keys and fits,
 * else the first the decrypter has a key for; every recipient's header must be well formed. */
static wb_status pick_recipient(const wb_decrypter *d, const jwe_json *j, wb_jose_view *h, uint32_t *ek,
                                const wb_jwe_alg_info **ai, const wb_enc_info **ei, const wb_key **key,
                                wb_error *err) {
  uint32_t arr = j->m[J_RECIPIENTS];
  size_t count = arr ? j->t->nodes[arr].count : 1;
  wb_error first = {WB_OK, ""};
  bool found = false, by_kid = false;
  for (size_t i = 0, r = arr ? arr + 1 : 0; i < count; i++, r = arr ? j->t->nodes[r].next : 0) {
    if (arr && j->t->nodes[r].type != WB_JSON_OBJECT)
      return wb__fail(err, WB_ERR_MALFORMED, "each recipient must be a JSON object");
    wb_jose_view v;
    uint32_t v_ek = 0;
    wb_status st = recipient_view(j, (uint32_t)r, &v, &v_ek, err);
    if (st != WB_OK)
      return st;
    bool ours = names_our_kid(d, &v);
    if (by_kid || (found && !ours))
      continue;
    wb_error e;
    const wb_jwe_alg_info *v_ai = NULL;
    const wb_enc_info *v_ei = NULL;
    const wb_key *v_key = NULL;
    if (judge(d, &v, &v_ai, &v_ei, &v_key, &e) == WB_OK) {
      *h = v;
      *ek = v_ek;
      *ai = v_ai;
      *ei = v_ei;
      *key = v_key;
      found = true;
      by_kid = ours;
    } else if (first.code == WB_OK) {
      first = e;
    }
  }
  return found ? WB_OK : wb__fail(err, first.code, "%s", first.message);
}

static void json_free(jwe_json *j) {
  wb__jtape_free(j->t);
  wb__jtape_free(j->pt);
  free(j->ptext);
}

/* Copies the decoded "aad" member into a new buffer for the caller. */
static wb_status aad_out(const jwe_json *j, unsigned char **aad, size_t *aad_len, wb_error *err) {
  if (aad == NULL || j->m[J_AAD] == 0)
    return WB_OK;
  size_t n = 0;
  const char *s = str_of(j->t, j->m[J_AAD], &n);
  char *buf = NULL;
  size_t got = 0;
  wb_status st = wb__b64url_decode_alloc(s, n, n, &buf, &got, err);
  if (st != WB_OK)
    return st;
  *aad = (unsigned char *)buf;
  if (aad_len != NULL)
    *aad_len = got;
  return WB_OK;
}

wb_status wb_jwe_decrypt_json(const wb_decrypter *d, const char *json, size_t len, unsigned char **plaintext,
                              size_t *plaintext_len, unsigned char **aad, size_t *aad_len, wb_error *err) {
  if (plaintext_len != NULL)
    *plaintext_len = 0;
  if (aad != NULL)
    *aad = NULL;
  if (aad_len != NULL)
    *aad_len = 0;
  if (plaintext == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL plaintext");
  *plaintext = NULL;
  if (d == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL decrypter");
  jwe_json j;
  wb_jose_view h;
  uint32_t ek = 0;
  const wb_jwe_alg_info *ai = NULL;
  const wb_enc_info *ei = NULL;
  const wb_key *key = NULL;
  size_t n = 0;
  wb_status st = parse_json(d, json, len, &j, err);
  if (st == WB_OK)
    st = pick_recipient(d, &j, &h, &ek, &ai, &ei, &key, err);
  jwe_in in = {.hdr = &h, .has_aad = j.m[J_AAD] != 0};
  if (st == WB_OK) { /* every member was type-checked: the strings are strings */
    in.protected_b64 = str_of(j.t, j.m[J_PROTECTED], &in.protected_len);
    in.aad_b64 = str_of(j.t, j.m[J_AAD], &in.aad_len);
    in.ek = str_of(j.t, ek, &in.ek_len);
    in.iv = str_of(j.t, j.m[J_IV], &in.iv_len);
    in.ct = str_of(j.t, j.m[J_CT], &in.ct_len);
    in.tag = str_of(j.t, j.m[J_TAG], &in.tag_len);
    st = open_sealed(d, &in, key, ai, ei, wb__jose_str(&h, WB_JH_ZIP, NULL) != NULL, plaintext, &n, err);
  }
  if (st == WB_OK && (st = aad_out(&j, aad, aad_len, err)) != WB_OK) {
    wb_plaintext_free(*plaintext, n);
    *plaintext = NULL;
  }
  json_free(&j);
  if (st != WB_OK)
    return st;
  if (plaintext_len != NULL)
    *plaintext_len = n;
  return wb__ok(err);
}
