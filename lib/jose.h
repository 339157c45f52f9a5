/* SPDX-License-Identifier: MIT */
/*
 * lib/jose.h - the JOSE Header of a JSON serialization (RFC 7515 section 7.2, RFC 7516 section
 * 7.2) as one view over its parts, and "crit" (RFC 7515 4.1.11), shared by lib/jws_json.c and the
 * JWE files; also a small growable string for the writers. Implemented in lib/jose_header.c.
 *
 * A JOSE Header is the union of up to three JSON objects: the protected header, the shared
 * unprotected header and the per-signature or per-recipient header. Their member names must be
 * disjoint (else WB_ERR_MALFORMED). The view records where each member wb_* understands was
 * found and checks its JSON type once; members it does not know are ignored unless "crit" names
 * them.
 */
#ifndef WB_JOSE_H
#define WB_JOSE_H

#include "jscan.h"

/** The header members the library reads. */
enum {
  WB_JH_ALG,
  WB_JH_ENC,
  WB_JH_ZIP,
  WB_JH_KID,
  WB_JH_TYP,
  WB_JH_CTY,
  WB_JH_CRIT,
  WB_JH_B64,
  WB_JH_EPK,
  WB_JH_APU,
  WB_JH_APV,
  WB_JH_IV,
  WB_JH_TAG,
  WB_JH_P2S,
  WB_JH_P2C,
  WB_JH_COUNT
};

/** Where a part of the header comes from. */
typedef enum { WB_JH_PROTECTED = 1, WB_JH_SHARED, WB_JH_OWN } wb_jh_source;

/** One header object: node (an object) of tape. */
typedef struct wb_jose_part {
  const wb_jtape *tape;
  uint32_t node;
  wb_jh_source src;
} wb_jose_part;

/** A JOSE Header: for each WB_JH_* member, the part it is in (node 0 = absent). */
typedef struct wb_jose_view {
  struct {
    const wb_jtape *tape;
    uint32_t node;
    wb_jh_source src;
  } m[WB_JH_COUNT];
} wb_jose_view;

/**
 * Builds the view of parts[0..n) (n <= 3): the parts' member names must be disjoint; the known
 * members must have their JSON type (strings; "crit" an array; "b64" a boolean; "epk" an object;
 * "p2c" an integer); "crit" must be in the protected part. WB_ERR_MALFORMED otherwise.
 */
wb_status wb__jose_view_build(wb_jose_view *v, const wb_jose_part *parts, size_t n, wb_error *err);

/** The unescaped, NUL-terminated string member which (*len its length), or NULL when absent. */
const char *wb__jose_str(const wb_jose_view *v, int which, size_t *len);

/** The node of member which, or NULL when absent. */
const wb_jnode *wb__jose_node(const wb_jose_view *v, int which);

/**
 * Decodes the base64url string member which into out (capacity cap). Absent: WB_OK, *len 0 and
 * *present false (present may be NULL). Bad base64url or longer than cap: WB_ERR_MALFORMED.
 */
wb_status wb__jose_b64(const wb_jose_view *v, int which, unsigned char *out, size_t cap, size_t *len,
                       bool *present, wb_error *err);

/**
 * Applies "crit": absent, WB_OK; else it must be a non-empty array of distinct strings, none a
 * name registered by RFC 7515-7518, each present in the header and each one of
 * understood[0..n): WB_ERR_UNSUPPORTED_CRIT otherwise (as before JSON serializations existed,
 * any "crit" wristband cannot honour is refused with that status).
 */
wb_status wb__jose_check_crit(const wb_jose_view *v, const char *const *understood, size_t n, wb_error *err);

/**
 * "crit" of a compact protected header hdr[0..len) (a valid JSON object): builds the view of that
 * one part and applies wb__jose_check_crit.
 */
wb_status wb__jose_check_crit_text(const char *hdr, size_t len, const wb_limits *lim,
                                   const char *const *understood, size_t n, wb_error *err);

/* ---- a growable string for writers ------------------------------------------------------- */

/** A growable string with a ceiling; old buffers are wiped (it may hold secrets). */
typedef struct wb_strbuf {
  char *p;
  size_t len, cap;
  size_t max;   /* ceiling of len; over it the buffer fails with WB_ERR_TOO_LARGE */
  wb_status st; /* WB_OK, or the first failure (then every append is a no-op) */
} wb_strbuf;

void wb__sb_init(wb_strbuf *b, size_t max);
void wb__sb_put(wb_strbuf *b, const void *s, size_t n);
void wb__sb_str(wb_strbuf *b, const char *s);
/** Appends the base64url encoding of v[0..n). */
void wb__sb_b64(wb_strbuf *b, const unsigned char *v, size_t n);
/** Appends s[0..n) as a JSON string, quotes included (s must be valid UTF-8 without NUL). */
void wb__sb_json_string(wb_strbuf *b, const char *s, size_t n);
/** WB_OK and the NUL-terminated text (owned by b) or the first failure, reported in err. */
wb_status wb__sb_done(wb_strbuf *b, wb_error *err);
/** Wipes and frees the buffer. */
void wb__sb_free(wb_strbuf *b);

#endif
