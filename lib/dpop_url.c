/* SPDX-License-Identifier: MIT */
/*
 * lib/dpop_url.c - the URL normalisation a DPoP proof's htu is compared under (RFC 9449 4.3:
 * "servers SHOULD employ syntax-based normalization (RFC 3986 6.2.2) and scheme-based
 * normalization (RFC 3986 6.2.3)"), lib/dpop_int.h states the result. Both sides of the
 * comparison go through it: the URL of the request and the htu of the proof, so that
 * HTTPS://Example.COM:443/a/./b and https://example.com/a/b are the same target.
 *
 * The parser is a single pass over bytes with a cursor that only moves forward; every write is
 * checked against cap, and a normal form is never longer than its input plus one byte ("/" for an
 * empty path).
 */
#include <string.h>

#include "dpop_int.h"

typedef struct writer {
  char *out;
  size_t cap, n;
  bool overflow;
} writer;

static void put(writer *w, char c) {
  if (w->n + 1 >= w->cap) {
    w->overflow = true;
    return;
  }
  w->out[w->n++] = c;
}

static char lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* RFC 3986 2.3 */
static bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* c is one of set's characters (never NUL: strchr finds every string's terminator) */
static bool in_set(char c, const char *set) {
  return c != '\0' && strchr(set, c) != NULL;
}

/* RFC 3986 2.2 */
static bool is_sub_delim(char c) {
  return in_set(c, "!$&'()*+,;=");
}

/*
 * One character of a host or path at in[*i] (a "%XX" counts as one): the unreserved character a
 * percent-encoding stands for is decoded (into *c, *escaped false), any other stays encoded with
 * upper-case digits (*c the decoded byte, *escaped true). extra lists the characters allowed
 * besides unreserved and sub-delims. False for a character the component cannot hold.
 */
static bool next_char(const char *in, size_t len, size_t *i, const char *extra, char *c, bool *escaped) {
  char x = in[*i];
  if (x == '%') {
    int hi = *i + 2 < len ? hexval(in[*i + 1]) : -1, lo = hi >= 0 ? hexval(in[*i + 2]) : -1;
    if (lo < 0)
      return false;
    *c = (char)(hi * 16 + lo);
    *escaped = !is_unreserved(*c);
    *i += 3;
    return true;
  }
  if (!is_unreserved(x) && !is_sub_delim(x) && !in_set(x, extra))
    return false;
  *c = x;
  *escaped = false;
  *i += 1;
  return true;
}

static void put_char(writer *w, char c, bool escaped, bool fold) {
  static const char hex[] = "0123456789ABCDEF";
  if (!escaped) {
    put(w, fold ? lower(c) : c);
    return;
  }
  put(w, '%');
  put(w, hex[(unsigned char)c >> 4]);
  put(w, hex[(unsigned char)c & 15]);
}

/* scheme "://": only http and https. *i past the "://"; *port_default the scheme's port. */
static bool scheme(const char *in, size_t len, size_t *i, writer *w, unsigned *port_default) {
  size_t n = 0;
  while (n < len && n < 8 &&
         (is_alpha(in[n]) || is_digit(in[n]) || in[n] == '+' || in[n] == '-' || in[n] == '.'))
    n++;
  char s[8];
  for (size_t k = 0; k < n && k < sizeof(s) - 1; k++)
    s[k] = lower(in[k]);
  s[n < sizeof(s) ? n : sizeof(s) - 1] = '\0';
  if (n + 3 > len || memcmp(in + n, "://", 3) != 0)
    return false;
  if (strcmp(s, "http") == 0)
    *port_default = 80;
  else if (strcmp(s, "https") == 0)
    *port_default = 443;
  else
    return false;
  for (size_t k = 0; k < n; k++)
    put(w, s[k]);
  put(w, ':');
  put(w, '/');
  put(w, '/');
  *i = n + 3;
  return true;
}

/* host [":" port], up to the path, query or fragment. No userinfo, no empty host. */
static bool authority(const char *in, size_t len, size_t *i, writer *w, unsigned port_default) {
  size_t start = *i;               /* emptiness is judged on the input: the output may have run out of room */
  if (*i < len && in[*i] == '[') { /* IP literal: hex digits, ':', '.', and "v..." forms */
    put(w, '[');
    for ((*i)++; *i < len && in[*i] != ']'; (*i)++) {
      char c = in[*i];
      if (!is_unreserved(c) && !is_sub_delim(c) && c != ':')
        return false;
      put(w, lower(c));
    }
    if (*i >= len || *i == start + 1)
      return false;
    put(w, ']');
    (*i)++;
  } else {
    while (*i < len && in[*i] != ':' && in[*i] != '/' && in[*i] != '?' && in[*i] != '#') {
      char c;
      bool esc;
      if (!next_char(in, len, i, "", &c, &esc))
        return false; /* '@' (userinfo) is not a host character */
      put_char(w, c, esc, true);
    }
    if (*i == start)
      return false;
  }
  if (*i < len && in[*i] == ':') {
    unsigned long port = 0;
    size_t digits = 0;
    for ((*i)++; *i < len && is_digit(in[*i]); (*i)++, digits++) {
      port = port * 10 + (unsigned long)(in[*i] - '0');
      if (port > 65535)
        return false;
    }
    if (digits > 0 && port != port_default) {
      char text[8];
      size_t k = sizeof(text);
      do
        text[--k] = (char)('0' + port % 10);
      while ((port /= 10) > 0);
      put(w, ':');
      while (k < sizeof(text))
        put(w, text[k++]);
    }
  }
  return *i >= len || in[*i] == '/' || in[*i] == '?' || in[*i] == '#';
}

/* RFC 3986 5.2.4 on the normalised path at out[from..w->n): "." and ".." segments removed. */
static void remove_dot_segments(writer *w, size_t from) {
  char *p = w->out + from;
  size_t n = w->n - from, o = 0, i = 0;
  while (i < n) { /* each step looks at "/segment" at p[i..] (the path starts with '/') */
    size_t end = i + 1;
    while (end < n && p[end] != '/')
      end++;
    size_t seg = end - i - 1;
    bool last = end == n;
    if (seg == 1 && p[i + 1] == '.') {
      if (last)
        p[o++] = '/';
    } else if (seg == 2 && p[i + 1] == '.' && p[i + 2] == '.') {
      while (o > 0 && p[--o] != '/')
        ;
      if (last)
        p[o++] = '/';
    } else {
      memmove(p + o, p + i, end - i);
      o += end - i;
    }
    i = end;
  }
  w->n = from + o; /* never empty: the last segment always leaves at least its '/' */
}

static bool path(const char *in, size_t len, size_t *i, writer *w) {
  size_t from = w->n;
  put(w, '/');
  if (*i < len && in[*i] == '/')
    (*i)++;
  while (*i < len && in[*i] != '?' && in[*i] != '#') {
    char c;
    bool esc;
    if (!next_char(in, len, i, ":@/", &c, &esc))
      return false;
    put_char(w, c, esc, false);
  }
  if (!w->overflow)
    remove_dot_segments(w, from);
  return true;
}

/* After the path: "?" query and "#" fragment are ignored, but must still be URI characters. */
static bool rest(const char *in, size_t len, size_t i) {
  for (; i < len; i++) {
    char c = in[i];
    if (!is_unreserved(c) && !is_sub_delim(c) && !in_set(c, ":@/?#%[]"))
      return false;
  }
  return true;
}

wb_status wb__dpop_url_normalise(const char *in, size_t len, char *out, size_t cap, wb_error *err) {
  if (cap > 0)
    out[0] = '\0';
  if (len > WB_DPOP_MAX_URL_LEN)
    return wb__fail(err, WB_ERR_TOO_LARGE, "URL longer than %d bytes", WB_DPOP_MAX_URL_LEN);
  writer w = {out, cap, 0, cap == 0};
  size_t i = 0;
  unsigned port_default = 0;
  wb_status st = WB_ERR_MALFORMED;
  const char *why = "not an absolute http or https URL";
  if (scheme(in, len, &i, &w, &port_default)) {
    why = "URL has no valid host (or has userinfo, or a bad port)";
    if (authority(in, len, &i, &w, port_default)) {
      why = "URL holds a character a URI cannot (or a bad %-escape)";
      if (path(in, len, &i, &w) && rest(in, len, i))
        st = w.overflow ? WB_ERR_TOO_LARGE : WB_OK;
    }
  }
  if (st == WB_OK) {
    out[w.n] = '\0';
    return WB_OK;
  }
  if (cap > 0) /* nothing half-written is left behind */
    out[0] = '\0';
  if (st == WB_ERR_TOO_LARGE)
    return wb__fail(err, st, "normalised URL longer than %zu bytes", cap > 0 ? cap - 1 : 0);
  return wb__fail(err, st, "%s", why);
}
