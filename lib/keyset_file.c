/* SPDX-License-Identifier: MIT */
/*
 * lib/keyset_file.c - writing and reading a remote key set's persistence file
 * (lib/keyset_file.h says what the file holds and why it is written the way it is).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jscan.h"
#include "keyset_file.h"

#define KEYFILE_VERSION       1
#define KEYFILE_CLOCK_SLACK_S 300 /* a file "fetched" later than this after now is refused */

/* Appends ,"name":s (s escaped) at text + *at (room made by the caller); false when s is not UTF-8. */
static bool put_string(char *text, size_t *at, const char *name, const char *s) {
  size_t k = strlen(name);
  memcpy(text + *at, ",\"", 2);
  memcpy(text + *at + 2, name, k);
  memcpy(text + *at + 2 + k, "\":", 2);
  *at += k + 4;
  size_t n = wb__json_escape(s, strlen(s), text + *at);
  *at += n;
  return n > 0;
}

/* The file's text: new string (free) or NULL with err set. Written by hand, as lib/json.c says
 * why: jansson's json_dumps goes on after a failed allocation and returns invalid JSON. */
static char *file_text(const char *source, const char *jwks_uri, int64_t fetched, const char *etag,
                       const wb_keyset *keys, wb_error *err) {
  char *jwks = NULL, *text = NULL;
  if (wb_keyset_to_jwks(keys, WB_KEY_PUBLIC, &jwks, err) != WB_OK)
    return NULL;
  etag = etag != NULL ? etag : "";
  /* each string escaped takes at most 6 bytes a byte; 128 for the names, numbers and braces */
  size_t cap = 6 * (strlen(source) + strlen(jwks_uri) + strlen(etag)) + strlen(jwks) + 128, at = 0;
  if ((text = malloc(cap)) == NULL) {
    wb__fail(err, WB_ERR_NOMEM, "out of memory");
  } else {
    at = (size_t)snprintf(text, cap, "{\"wristband_keys\":%d", KEYFILE_VERSION);
    if (!put_string(text, &at, "source", source) || !put_string(text, &at, "jwks_uri", jwks_uri) ||
        !put_string(text, &at, "etag", etag)) {
      wb__fail(err, WB_ERR_MALFORMED, "persistence file: a source, URL or ETag that is not UTF-8");
      free(text);
      text = NULL;
    } else {
      snprintf(text + at, cap - at, ",\"fetched\":%lld,\"jwks\":%s}", (long long)fetched, jwks);
    }
  }
  wb_string_free(jwks);
  return text;
}

/* Writes all of buf to fd. */
static bool write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    buf += w;
    n -= (size_t)w;
  }
  return true;
}

/* Flushes the directory of path, so that the rename is on disk too (best effort). */
static void sync_dir(const char *path) {
  char *copy = strdup(path);
  if (copy == NULL)
    return;
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  free(copy);
}

wb_status wb__keyfile_write(const char *path, const char *source, const char *jwks_uri, int64_t fetched,
                            const char *etag, const wb_keyset *keys, wb_error *err) {
  wb_error mine;
  err = err != NULL ? err : &mine; /* the status of a failure is read back from it */
  char *text = file_text(source, jwks_uri, fetched, etag, keys, err);
  if (text == NULL)
    return err->code;
  size_t n = strlen(path) + 32;
  char *tmp = malloc(n);
  wb_status st = WB_OK;
  unsigned char r[8];
  if (tmp == NULL || wb_random(r, sizeof(r), err) != WB_OK) {
    free(tmp);
    free(text);
    return tmp == NULL ? wb__fail(err, WB_ERR_NOMEM, "out of memory") : WB_ERR_CRYPTO;
  }
  snprintf(tmp, n, "%s.%02x%02x%02x%02x%02x%02x%02x%02x.tmp", path, r[0], r[1], r[2], r[3], r[4], r[5], r[6],
           r[7]);
  /* O_EXCL | O_NOFOLLOW: a file or link planted at the temporary name is never written through */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    st = wb__fail(err, WB_ERR_IO, "persistence file %.80s: %s", tmp, strerror(errno));
  } else {
    bool ok = write_all(fd, text, strlen(text)) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) { /* rename replaces a link at path, never follows it */
      st = wb__fail(err, WB_ERR_IO, "persistence file %.80s: %s", path, strerror(errno));
      unlink(tmp);
    } else {
      sync_dir(path);
    }
  }
  free(tmp);
  free(text);
  return st == WB_OK ? wb__ok(err) : st;
}

/* The file's bytes (at most max_len): new NUL-terminated buffer or NULL with err set. */
static char *read_text(const char *path, size_t max_len, size_t *len, wb_error *err) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat sb;
  char *buf = NULL;
  if (fd < 0) {
    wb__fail(err, WB_ERR_IO, "persistence file %.80s: %s", path, strerror(errno));
    return NULL;
  }
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > max_len) {
    wb__fail(err, WB_ERR_IO, "persistence file %.80s: not a regular file of at most %zu bytes", path,
             max_len);
  } else if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 || (sb.st_uid != geteuid() && sb.st_uid != 0)) {
    /* whoever else may write it could plant keys: trusted only when only we (or root) can */
    wb__fail(err, WB_ERR_IO, "persistence file %.80s: writable by group or others, or owned by another user",
             path);
  } else if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
    wb__fail(err, WB_ERR_NOMEM, "out of memory");
  } else {
    ssize_t got = read(fd, buf, (size_t)sb.st_size + 1);
    if (got < 0 || (size_t)got != (size_t)sb.st_size) {
      wb__fail(err, WB_ERR_IO, "persistence file %.80s: short read", path);
      free(buf);
      buf = NULL;
    } else {
      buf[got] = '\0';
      *len = (size_t)got;
    }
  }
  close(fd);
  return buf;
}

/* Fills out from the parsed file j. */
static wb_status from_json(const json_t *j, const char *source, int64_t now, unsigned stale_s,
                           wb_keyfile *out, wb_error *err) {
  const json_t *ver = json_object_get(j, "wristband_keys"), *src = json_object_get(j, "source"),
               *uri = json_object_get(j, "jwks_uri"), *fetched = json_object_get(j, "fetched"),
               *etag = json_object_get(j, "etag"), *jwks = json_object_get(j, "jwks");
  if (json_integer_value(ver) != KEYFILE_VERSION || !json_is_string(src) || !json_is_string(uri) ||
      !json_is_integer(fetched) || !json_is_string(etag) || json_string_length(etag) >= sizeof(out->etag) ||
      !json_is_object(jwks))
    return wb__fail(err, WB_ERR_MALFORMED, "persistence file: not a wristband key file");
  if (strcmp(json_string_value(src), source) != 0)
    return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "persistence file: keys of %.60s, not %.60s",
                    json_string_value(src), source);
  out->fetched = (int64_t)json_integer_value(fetched);
  if (out->fetched > now + KEYFILE_CLOCK_SLACK_S) /* else stale_s would never run out */
    return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "persistence file: keys fetched %lld s in the future",
                    (long long)(out->fetched - now));
  if (now - out->fetched > (int64_t)stale_s)
    return wb__fail(err, WB_ERR_CLAIM_MISMATCH, "persistence file: keys fetched %lld s ago, over %u s",
                    (long long)(now - out->fetched), stale_s);
  if ((out->jwks_uri = strdup(json_string_value(uri))) == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  memcpy(out->etag, json_string_value(etag), json_string_length(etag) + 1);
  wb_limits lim;
  wb_limits_default(&lim);
  return wb__keyset_from_json(&out->keys, jwks, lim.max_keys, err);
}

wb_status wb__keyfile_read(const char *path, const char *source, int64_t now, unsigned stale_s,
                           size_t max_len, wb_keyfile *out, wb_error *err) {
  wb_error mine;
  err = err != NULL ? err : &mine; /* the status of a failure is read back from it */
  memset(out, 0, sizeof(*out));
  size_t len = 0;
  char *text = read_text(path, max_len, &len, err);
  if (text == NULL)
    return err->code;
  wb_limits lim;
  wb_limits_default(&lim);
  wb_error e;
  json_t *j = wb__json_parse(text, len, &lim, max_len, true, &e);
  free(text);
  wb_status st = j != NULL ? from_json(j, source, now, stale_s, out, err)
                           : wb__fail(err, e.code, "persistence file: %s", e.message);
  json_decref(j);
  if (st != WB_OK)
    wb__keyfile_clear(out);
  return st;
}

void wb__keyfile_clear(wb_keyfile *f) {
  wb_keyset_free(f->keys);
  free(f->jwks_uri);
  memset(f, 0, sizeof(*f));
}
