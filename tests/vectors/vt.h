/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vt.h - the harness shared by the vector suite (vectors_test.c): per-file
 * pass/fail/skip counters, one record per vector, loading of the vector files with jansson and
 * the few library calls every loader needs (a key or key set from a JSON value, verify and
 * compare the payload).
 *
 * A vector is "passed" when every check made between vt_begin() and vt_end() held; the first
 * failing check prints the vector id, its comment, what was expected and what the library
 * returned (status name and message). Vectors the compact API cannot handle yet are never
 * silently dropped: vt_skip() prints the id and the reason.
 */
#ifndef WB_VECTORS_VT_H
#define WB_VECTORS_VT_H

#include <jansson.h>
#include <stdbool.h>

#include "wristband/wristband.h"

/** Bit of one status in an "accepted rejection statuses" mask; a mask of 0 accepts any rejection. */
#define VT_ST(s) (1u << (unsigned)(s))

/** One vector in progress. */
typedef struct vt_vec {
  const char *id;      /* printed with every failure; borrowed */
  const char *comment; /* upstream comment or description; borrowed, may be NULL */
  bool failed;         /* set by the first failing check */
} vt_vec;

/* ---- counters and output (vt_common.c) ------------------------------------------------- */

void vt_file_begin(const char *file);
/** Prints "file: N passed, M failed, K skipped". */
void vt_file_end(void);
void vt_begin(vt_vec *v, const char *id, const char *comment);
/** Counts the vector once: passed unless a check failed. */
void vt_end(vt_vec *v);
void vt_skip(const char *id, const char *reason);
/** Records a failure of the current file that is not tied to a vector (e.g. unreadable file). */
void vt_file_error(const char *what);
/** Prints the final "N passed, N failed" line; returns the process exit status. */
int vt_summary(void);

/**
 * Checks a status: want_ok, or a rejection whose status is in accept (0 = any rejection).
 * what names the operation ("verify", "re-sign", ...).
 */
bool vt_expect_status(vt_vec *v, const char *what, bool want_ok, unsigned accept, wb_status got,
                      const wb_error *err);
/** Checks a condition; what describes the expectation ("payload equals the vector's"). */
bool vt_expect_true(vt_vec *v, const char *what, bool cond);
/** Checks two strings for equality (NULL got fails) and prints both on a mismatch. */
bool vt_expect_str(vt_vec *v, const char *what, const char *want, const char *got);

/* ---- files and JSON ------------------------------------------------------------------- */

/** Loads dir/rel; on failure records a file error and returns NULL. */
json_t *vt_load(const char *dir, const char *rel);
/** The string member name of obj, or NULL. */
const char *vt_str(const json_t *obj, const char *name);
/** Compact JSON text of a value (free()). */
char *vt_dump(const json_t *value);
/** Sorted list of the *.json files of dir/sub (names only); *count set. Free with vt_free_names. */
char **vt_list_json(const char *dir, const char *sub, size_t *count);
void vt_free_names(char **names, size_t count);
/** Base64url-decodes text into a new NUL-terminated buffer (free()), or NULL. */
char *vt_b64u_decode(const char *text, size_t *len);

/* ---- library helpers ------------------------------------------------------------------ */

/** wb_key_from_jwk on the JSON text of jwk. */
wb_status vt_key_from_json(wb_key **out, const json_t *jwk, wb_error *err);
/** wb_keyset_from_jwks on the JSON text of jwks (default limits). */
wb_status vt_keyset_from_json(wb_keyset **out, const json_t *jwks, wb_error *err);
/** A verifier holding only key, default policy. */
wb_status vt_verifier_for_key(wb_verifier **out, const wb_key *key, wb_error *err);

/**
 * wb_jws_verify(token) with v, expecting want_ok (then the payload must equal want_payload when
 * it is not NULL) or a rejection in accept. Returns whether the expectation held.
 */
bool vt_check_jws(vt_vec *vec, const char *what, const wb_verifier *v, const char *token, bool want_ok,
                  unsigned accept, const char *want_payload);
/** Same with a verifier built from key alone. */
bool vt_check_jws_key(vt_vec *vec, const char *what, const wb_key *key, const char *token, bool want_ok,
                      unsigned accept, const char *want_payload);
/**
 * Re-signs payload under the exact protected header header_json with key and checks that the
 * compact token equals want byte for byte (deterministic algorithms only).
 */
bool vt_check_resign(vt_vec *vec, const wb_key *key, const char *header_json, size_t header_len,
                     const char *payload, size_t payload_len, const char *want);
/**
 * Checks a parsed key against the JWK it came from: the public members (and the private ones
 * when the key is private) of the exported JWK equal the input's, kid and kty match.
 */
bool vt_check_jwk_roundtrip(vt_vec *vec, const wb_key *key, const json_t *jwk);

/* ---- JWE and the JSON serializations (vt_jose.c) ---------------------------------------- */

/** The opt-ins a JWE needs from its decrypter (read from its headers by vt_jwe_optins). */
typedef struct vt_optin {
  bool rsa1_5, pbes2, zip;
} vt_optin;

/** What text (a compact JWE, or JSON when json) asks of a decrypter: RSA1_5, PBES2, zip. */
vt_optin vt_jwe_optins(const char *text, bool json);
/**
 * A decrypter for keys (a JWK object, a JWKS object or an array of JWKs) or, when keys is NULL, the
 * password; with the opt-ins o.
 */
wb_status vt_decrypter(wb_decrypter **out, const json_t *keys, const char *password, vt_optin o,
                       wb_error *err);
/**
 * Decrypts text (compact, or JSON when json) with d: want_ok and then the plaintext want[0..len)
 * (want may be NULL: not compared), or a rejection in accept.
 */
bool vt_check_jwe(vt_vec *v, const char *what, const wb_decrypter *d, const char *text, bool json,
                  bool want_ok, unsigned accept, const unsigned char *want, size_t want_len);
/**
 * The whole story of a valid JWE: refused (alg_not_allowed) by a decrypter missing each opt-in it
 * needs; refused by the API of the other serialization; decrypted to want with the opt-ins.
 */
void vt_jwe_valid(vt_vec *v, const json_t *keys, const char *password, const char *text, bool json,
                  const unsigned char *want, size_t want_len);
/** Verifies a JSON JWS (text) with a verifier of keys under policy: want_ok and the payload, or a rejection.
 */
bool vt_check_jws_json(vt_vec *v, const char *what, const json_t *keys, wb_jws_policy policy,
                       const char *text, const unsigned char *detached, size_t detached_len, bool want_ok,
                       const char *want_payload);
/** Hex to bytes (new buffer, free()); NULL on a bad digit. */
unsigned char *vt_hex(const char *hex, size_t *len);

/* rfc/ handlers of the JOSE types (vt_jose.c, vt_jose_rfc.c) */
void vt_rfc_jwe(const json_t *vec);
void vt_rfc_jwe_json(const json_t *vec);
void vt_rfc_jws_json(const json_t *vec);
void vt_rfc_aead(const json_t *vec);
void vt_rfc_ecdh_kdf(const json_t *vec);
void vt_rfc_xdh(const json_t *vec);
void vt_rfc_jwt_encrypted(const json_t *vec);
void vt_rfc_b64_false(const json_t *vec);

/* the cookbook's JWE, JSON, detached, nesting and RFC 7797 files (vt_cookbook_jose.c) */
void vt_cookbook_jose(const char *dir);
/** A cookbook JWS example the compact API cannot run (several keys, unprotected header, detached). */
void vt_cookbook_jws_json(const json_t *root, const char *id);

/* ---- the three families of vector files ------------------------------------------------- */

void vt_run_rfc(const char *dir);
void vt_run_cookbook(const char *dir);
void vt_run_wycheproof(const char *dir);

#endif
