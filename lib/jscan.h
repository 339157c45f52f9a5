/* SPDX-License-Identifier: MIT */
/*
 * lib/jscan.h - the strict single-pass JSON scanner (lib/jscan.c) and the tape it can build.
 *
 * The scanner validates JSON text exactly as strictly as the library wants any JSON it reads
 * (RFC 8259 grammar, valid UTF-8, no NUL, no lone surrogates, duplicate member names rejected
 * at every level after unescaping, depth and member limits) without recursion and, for
 * ordinary input, without allocating. Every valid JSON number is accepted, whatever its size:
 * the text of a number is the number, and getters report what does not fit a C type.
 *
 * While it scans an object it reports where the top-level members the caller asked for are
 * (the verify hot path). It can also build a tape: one node per value, in document order, with
 * every string unescaped once into an arena, which is how verified claims are read and how the
 * claims builder merges JSON text.
 *
 * Comparisons between the document and a caller's C string (wb__jstr_equal, the wanted fields,
 * tape lookups) unescape the document's side only: the caller's string is text, never JSON.
 */
#ifndef WB_JSCAN_H
#define WB_JSCAN_H

#include <locale.h>

#include "internal.h"

/** A wanted top-level member: name is the member name as plain text; the scanner fills the rest. */
typedef struct wb_jfield {
  const char *name;  /* in: member name, name_len bytes of plain text */
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

/** Validates s[0..len) as one JSON value of any type (surrounding whitespace allowed). */
wb_status wb__jscan_value(const char *s, size_t len, const wb_limits *lim, wb_error *err);

/** Length (1..4) of the valid UTF-8 sequence at p, or 0 (overlong, surrogate, > U+10FFFF, cut). */
size_t wb__utf8_len(const unsigned char *p, const unsigned char *end);

/** 1 when the raw string content (escaped or not) unescapes to exactly the plain text s[0..slen). */
int wb__jstr_equal_n(const char *raw, size_t len, bool escaped, const char *s, size_t slen);

/** wb__jstr_equal_n with a NUL-terminated plain string. */
int wb__jstr_equal(const char *raw, size_t len, bool escaped, const char *s);

/**
 * (lib/json.c) Writes s[0..len) as a JSON string (quotes included) at out (capacity 6 * len + 2),
 * escaping as jansson does. Returns the bytes written, or 0 when s is not valid UTF-8.
 */
size_t wb__json_escape(const char *s, size_t len, char *out);
/** (lib/json.c) True when s[0..len) is valid UTF-8 (what wb__json_escape and jansson accept). */
bool wb__utf8_valid(const char *s, size_t len);

/** Unescapes raw string content into out (capacity >= len + 1; the result is never longer). */
size_t wb__jstr_decode(const char *raw, size_t len, bool escaped, char *out);

/**
 * The "C" locale for LC_NUMERIC, made once per process: read and write numbers under it
 * (uselocale) so that the process's LC_NUMERIC never changes them. (locale_t)0 when out of memory.
 */
locale_t wb__c_numeric(void);

/** Result of wb__jnum_parse. */
typedef enum {
  WB_JNUM_INT = 1, /* no fraction or exponent, fits int64: *i and *d are set */
  WB_JNUM_BIGINT,  /* no fraction or exponent, beyond int64: *d is the nearest double (or +-inf) */
  WB_JNUM_REAL     /* fraction or exponent: *d is the nearest double, +-inf beyond DBL_MAX */
} wb_jnum_kind;

/**
 * Classifies and converts a validated JSON number (any LC_NUMERIC). Never fails on valid
 * input but for WB_ERR_NOMEM (numbers of more than 127 characters are copied to the heap).
 */
wb_status wb__jnum_parse(const char *raw, size_t len, double *d, int64_t *i, wb_jnum_kind *kind);

/**
 * Iterates the string elements of a validated JSON array: starting with *pos = 0, each call
 * sets the next element's raw span and returns 1, or returns 0 at the end, or -1 when an
 * element is not a string.
 */
int wb__jarray_next_string(const char *arr, size_t len, size_t *pos, const char **raw, size_t *raw_len,
                           bool *escaped);

/** Removes the whitespace outside strings from validated JSON text src[0..len) into dst (len bytes). */
size_t wb__json_minify(const char *src, size_t len, char *dst);

/* ---- the tape ---------------------------------------------------------------------------- */

/** One value of a document. Offsets are into the scanned text, str into the tape's arena. */
typedef struct wb_jnode {
  uint32_t type;               /* wb_json_type */
  uint32_t next;               /* index of the first node after this value and its children */
  uint32_t count;              /* containers: members or elements */
  uint32_t off, len;           /* the value's text (strings: between the quotes; containers: brackets in) */
  uint32_t name_off, name_len; /* object members: the name between its quotes; else 0, 0 */
  uint32_t str;                /* strings: the unescaped, NUL-terminated value at arena + str */
  uint8_t escaped;             /* strings: the value has escapes */
  uint8_t name_escaped;        /* object members: the name has escapes */
} wb_jnode;

/** A validated document as nodes; nodes[0] is the top value. Immutable once built. */
typedef struct wb_jtape {
  const char *text; /* the scanned text: must outlive the tape */
  size_t len;
  uint32_t n;      /* nodes */
  wb_jnode *nodes; /* n nodes, in document order (children follow their container) */
  char *arena;     /* the unescaped strings */
  size_t arena_len;
} wb_jtape;

/**
 * Validates text[0..len) (an object when want_object, else any value) and builds its tape in
 * one allocation (free with wb__jtape_free). On failure *out is NULL.
 */
wb_status wb__jtape_build(wb_jtape **out, const char *text, size_t len, const wb_limits *lim,
                          bool want_object, wb_error *err);
/** Frees a tape, wiping the unescaped strings (claims may be secret). NULL-safe. */
void wb__jtape_free(wb_jtape *t);
/** The member of object node obj whose name is the plain text name[0..len), or 0 when absent. */
uint32_t wb__jtape_member(const wb_jtape *t, uint32_t obj, const char *name, size_t len);
/** Element i of array node arr, or 0 when out of range. */
uint32_t wb__jtape_element(const wb_jtape *t, uint32_t arr, size_t i);

#endif
