/* SPDX-License-Identifier: MIT */
/*
 * lib/jscan.h - the strict single-pass JSON scanner of the verify hot path (lib/jscan.c).
 *
 * It validates a whole JSON object exactly as strictly as lib/json.c does through jansson
 * (RFC 8259 grammar, valid UTF-8, no NUL, no lone surrogates, duplicate member names rejected
 * at every level after unescaping, integers within int64, reals finite, depth and member
 * limits) without building a DOM and, for ordinary input, without allocating. While it scans,
 * it reports where the top-level members the caller asked for are. tests/unit/jscan_test.c and
 * fuzz/jscan_fuzz.c check that it accepts exactly what jansson accepts.
 */
#ifndef WB_JSCAN_H
#define WB_JSCAN_H

#include "internal.h"

/** A wanted top-level member: name is the unescaped name; the scanner fills the rest. */
typedef struct wb_jfield {
  const char *name;  /* in: NUL-terminated member name */
  wb_json_type type; /* out: WB_JSON_ABSENT when not present */
  const char *value; /* out: raw value text (strings: the content between the quotes) */
  size_t len;        /* out: raw length */
  bool escaped;      /* out: strings only: the content has backslash escapes */
  size_t name_len;   /* in: strlen(name) (WB_JFIELD sets it for literals) */
  uint32_t sig;      /* internal: the scanner's signature of name */
} wb_jfield;

/** Initialiser of a wanted field. */
#define WB_JFIELD(n)                                                                                         \
  { .name = (n), .name_len = sizeof(n) - 1 }

/**
 * Validates s[0..len) as one JSON object and fills fields[0..nfields). WB_ERR_MALFORMED for
 * invalid JSON (duplicate names, bad UTF-8, too deep, ...), WB_ERR_TOO_LARGE for too many
 * members, WB_ERR_NOMEM when the rare overflow path cannot allocate.
 */
wb_status wb__jscan_object(const char *s, size_t len, const wb_limits *lim, wb_jfield *fields, size_t nfields,
                           wb_error *err);

/** Length (1..4) of the valid UTF-8 sequence at p, or 0 (overlong, surrogate, > U+10FFFF, cut). */
size_t wb__utf8_len(const unsigned char *p, const unsigned char *end);

/** 1 when the raw string content (escaped or not) equals the NUL-terminated UTF-8 string c. */
int wb__jstr_equal(const char *raw, size_t len, bool escaped, const char *c);

/** Unescapes raw string content into out (capacity >= len + 1; the result is never longer). */
size_t wb__jstr_decode(const char *raw, size_t len, bool escaped, char *out);

/**
 * Parses a validated JSON number. *is_int is set when it has no fraction or exponent (then *i
 * holds it); *d always holds the value.
 */
wb_status wb__jnum_parse(const char *raw, size_t len, double *d, int64_t *i, bool *is_int);

/**
 * Iterates the string elements of a validated JSON array: starting with *pos = 0, each call
 * sets the next element's raw span and returns 1, or returns 0 at the end, or -1 when an
 * element is not a string.
 */
int wb__jarray_next_string(const char *arr, size_t len, size_t *pos, const char **raw, size_t *raw_len,
                           bool *escaped);

#endif
