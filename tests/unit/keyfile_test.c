/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/keyfile_test.c - the persistence file of a remote key set, without a network
 * (lib/keyset_file.c): what is written reads back the same; a write that cannot finish (no such
 * folder, a folder in the way, the file size limit) fails with io and leaves no temporary file;
 * a file that is absent, a link, a folder, too long, writable by others, owned by another user,
 * or whose size lies (a /proc file) is not read; and a file that is not a wristband key file, is
 * for another source, or is too old or from the future is refused with the out-parameter zeroed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "keyset_file.h"

static char dir[64];
#define SRC "https://issuer.test/jwks"

static const char *at(const char *name) {
  static char buf[4][160];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
  return b;
}

static void put(const char *name, const char *text, mode_t mode) {
  const char *p = at(name);
  unlink(p);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0);
  if (fd < 0)
    return;
  CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  CHECK(chmod(p, mode) == 0);
}

/* Files in dir whose name ends with .tmp. */
static int temporaries(void) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    n += l > 4 && strcmp(e->d_name + l - 4, ".tmp") == 0;
  }
  if (d != NULL)
    closedir(d);
  return n;
}

static wb_keyset *some_keys(void) {
  wb_keyset *set = NULL;
  wb_key *k = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_EDDSA, WB_CRV_ED25519, 0, NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(k, "k1", NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, k, NULL), WB_OK);
  wb_key_free(k);
  return set;
}

/* Reads name, expecting want; on failure out must be zeroed and the message name the file. */
static void read_want(const char *name, int64_t now, wb_status want, const char *msg) {
  wb_keyfile f;
  wb_error e;
  memset(&f, 0x5a, sizeof(f));
  wb_status st = wb__keyfile_read(at(name), SRC, now, 3600, 4096, &f, &e);
  CHECK(st == want);
  if (st != want || (msg != NULL && strstr(e.message, msg) == NULL))
    fprintf(stderr, "  %s: %s %s (want %s, \"%s\")\n", name, wb_status_name(st), e.message,
            wb_status_name(want), msg != NULL ? msg : "");
  if (msg != NULL)
    CHECK(strstr(e.message, msg) != NULL);
  if (st != WB_OK) {
    CHECK(f.keys == NULL && f.jwks_uri == NULL && f.fetched == 0 && f.etag[0] == '\0');
    CHECK(strstr(e.message, "persistence file") != NULL || want == WB_ERR_BAD_KEY ||
          want == WB_ERR_MALFORMED);
  }
  wb__keyfile_clear(&f);
}

static void round_trip(void) {
  wb_keyset *set = some_keys();
  int64_t now = (int64_t)time(NULL);
  wb_error e;
  CHECK_ST(wb__keyfile_write(at("keys.json"), SRC, "https://issuer.test/keys", now - 10, "\"e1\"", set, &e),
           WB_OK);
  wb_keyfile f;
  CHECK_ST(wb__keyfile_read(at("keys.json"), SRC, now, 3600, 4096, &f, &e), WB_OK);
  CHECK(f.keys != NULL && f.keys->count == 1 && f.fetched == now - 10 && strcmp(f.etag, "\"e1\"") == 0);
  CHECK(f.jwks_uri != NULL && strcmp(f.jwks_uri, "https://issuer.test/keys") == 0);
  wb__keyfile_clear(&f);
  /* no etag: written as "" */
  CHECK_ST(wb__keyfile_write(at("keys.json"), SRC, SRC, now, NULL, set, &e), WB_OK);
  CHECK_ST(wb__keyfile_read(at("keys.json"), SRC, now, 3600, 4096, &f, &e), WB_OK);
  CHECK(f.etag[0] == '\0');
  wb__keyfile_clear(&f);
  /* read by another source, too old, from the future */
  read_want("keys.json", now, WB_OK, NULL);
  wb_keyfile g;
  CHECK_ST(wb__keyfile_read(at("keys.json"), "https://other.test/jwks", now, 3600, 4096, &g, &e),
           WB_ERR_CLAIM_MISMATCH);
  CHECK(strstr(e.message, "not https://other.test") != NULL && g.keys == NULL);
  read_want("keys.json", now + 3601, WB_ERR_CLAIM_MISMATCH, "s ago, over 3600 s");
  read_want("keys.json", now - 301, WB_ERR_CLAIM_MISMATCH, "in the future");
  read_want("keys.json", now - 300, WB_OK, NULL);
  /* a file larger than max_len */
  CHECK_ST(wb__keyfile_read(at("keys.json"), SRC, now, 3600, 16, &g, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "at most 16 bytes") != NULL);
  CHECK(temporaries() == 0);
  wb_keyset_free(set);
}

static void write_fails(void) {
  wb_keyset *set = some_keys();
  wb_error e;
  int64_t now = (int64_t)time(NULL);
  /* no such folder: the temporary file cannot be made */
  CHECK_ST(wb__keyfile_write(at("none/keys.json"), SRC, SRC, now, NULL, set, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "No such file") != NULL);
  /* an ETag that is not UTF-8 (an issuer's header may hold any byte) cannot go in a JSON file */
  CHECK_ST(wb__keyfile_write(at("etag.json"), SRC, SRC, now, "\"\xff\"", set, &e), WB_ERR_MALFORMED);
  CHECK(strstr(e.message, "not UTF-8") != NULL && access(at("etag.json"), F_OK) != 0 && temporaries() == 0);
  /* ... nor a source; and without an error to fill, the status is still the failure's (it was
   * "out of memory" for any failure before the file was opened) */
  CHECK_ST(wb__keyfile_write(at("etag.json"), "https://\xff/", SRC, now, NULL, set, &e), WB_ERR_MALFORMED);
  CHECK_ST(wb__keyfile_write(at("etag.json"), SRC, "https://\xff/", now, NULL, set, &e), WB_ERR_MALFORMED);
  CHECK_ST(wb__keyfile_write(at("etag.json"), SRC, SRC, now, "\"\xff\"", set, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb__keyfile_write(at("none/keys.json"), SRC, SRC, now, NULL, set, NULL), WB_ERR_IO);
  /* a folder with something in it where the file goes: the rename fails, the temporary is removed */
  CHECK(mkdir(at("busy"), 0700) == 0);
  put("busy/x", "x", 0600);
  CHECK_ST(wb__keyfile_write(at("busy"), SRC, SRC, now, NULL, set, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "busy") != NULL);
  CHECK(temporaries() == 0);
  unlink(at("busy/x"));
  rmdir(at("busy"));
  /* the file size limit stops the write (EFBIG): io, nothing left behind, the old file intact */
  CHECK_ST(wb__keyfile_write(at("keys.json"), SRC, SRC, now, "\"old\"", set, &e), WB_OK);
  struct rlimit old, small = {16, 16};
  CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
  small.rlim_max = old.rlim_max;
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
  CHECK_ST(wb__keyfile_write(at("keys.json"), SRC, SRC, now, "\"new\"", set, &e), WB_ERR_IO);
  CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
  signal(SIGXFSZ, prev);
  CHECK(temporaries() == 0);
  wb_keyfile f;
  CHECK_ST(wb__keyfile_read(at("keys.json"), SRC, now, 3600, 4096, &f, &e), WB_OK);
  CHECK(strcmp(f.etag, "\"old\"") == 0);
  wb__keyfile_clear(&f);
  wb_keyset_free(set);
}

static void not_read(void) {
  int64_t now = (int64_t)time(NULL);
  wb_keyset *set = some_keys();
  wb_error e;
  read_want("absent.json", now, WB_ERR_IO, "No such file");
  CHECK(mkdir(at("folder"), 0700) == 0);
  read_want("folder", now, WB_ERR_IO, "not a regular file");
  rmdir(at("folder"));
  CHECK_ST(wb__keyfile_write(at("good.json"), SRC, SRC, now, NULL, set, &e), WB_OK);
  CHECK(symlink(at("good.json"), at("link.json")) == 0);
  read_want("link.json", now, WB_ERR_IO, "persistence file");
  CHECK(chmod(at("good.json"), 0620) == 0);
  read_want("good.json", now, WB_ERR_IO, "writable by group or others");
  CHECK(chmod(at("good.json"), 0602) == 0);
  read_want("good.json", now, WB_ERR_IO, "writable by group or others");
  CHECK(chmod(at("good.json"), 0600) == 0);
  read_want("good.json", now, WB_OK, NULL);
  if (geteuid() == 0) { /* root may give the file away: owned by another user, it is not trusted */
    CHECK(chown(at("good.json"), 1, 1) == 0);
    read_want("good.json", now, WB_ERR_IO, "owned by another user");
  }
  /* a file whose size lies: /proc says 0 bytes and has more */
  wb_keyfile f;
  if (access("/proc/self/stat", R_OK) == 0) {
    CHECK_ST(wb__keyfile_read("/proc/self/stat", SRC, now, 3600, 4096, &f, &e), WB_ERR_IO);
    CHECK(strstr(e.message, "short read") != NULL && f.keys == NULL);
  }
  /* without an error to fill, the status still says why */
  CHECK_ST(wb__keyfile_read(at("absent.json"), SRC, now, 3600, 4096, &f, NULL), WB_ERR_IO);
  wb_keyset_free(set);
}

static void not_key_files(void) {
  int64_t now = (int64_t)time(NULL);
  char good_jwks[1024], text[2048];
  wb_keyset *set = some_keys();
  char *jwks = NULL;
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &jwks, NULL), WB_OK);
  snprintf(good_jwks, sizeof(good_jwks), "%s", jwks != NULL ? jwks : "{}");
  wb_string_free(jwks);
  char long_etag[300];
  memset(long_etag, 'e', 256);
  long_etag[256] = '\0';
  struct {
    const char *ver, *src, *uri, *fetched, *etag, *jwks;
    wb_status want;
  } cases[] = {
      {"1", "\"" SRC "\"", "\"" SRC "\"", "F", "\"\"", good_jwks, WB_OK},
      {"2", "\"" SRC "\"", "\"" SRC "\"", "F", "\"\"", good_jwks, WB_ERR_MALFORMED},
      {"\"1\"", "\"" SRC "\"", "\"" SRC "\"", "F", "\"\"", good_jwks, WB_ERR_MALFORMED},
      {"1", "7", "\"" SRC "\"", "F", "\"\"", good_jwks, WB_ERR_MALFORMED},
      {"1", "\"" SRC "\"", "null", "F", "\"\"", good_jwks, WB_ERR_MALFORMED},
      {"1", "\"" SRC "\"", "\"" SRC "\"", "\"F\"", "\"\"", good_jwks, WB_ERR_MALFORMED},
      {"1", "\"" SRC "\"", "\"" SRC "\"", "F", "0", good_jwks, WB_ERR_MALFORMED},
      {"1", "\"" SRC "\"", "\"" SRC "\"", "F", long_etag, good_jwks, WB_ERR_MALFORMED},
      {"1", "\"" SRC "\"", "\"" SRC "\"", "F", "\"\"", "[]", WB_ERR_MALFORMED},
      {"1", "\"" SRC "\"", "\"" SRC "\"", "F", "\"\"", "{\"keys\":{}}", WB_ERR_MALFORMED},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char etag[320];
    if (cases[i].etag == long_etag)
      snprintf(etag, sizeof(etag), "\"%s\"", long_etag);
    else
      snprintf(etag, sizeof(etag), "%s", cases[i].etag);
    char fetched[32];
    snprintf(fetched, sizeof(fetched), "%lld", (long long)now);
    snprintf(text, sizeof(text),
             "{\"wristband_keys\":%s,\"source\":%s,\"jwks_uri\":%s,\"fetched\":%s,\"etag\":%s,\"jwks\":%s}",
             cases[i].ver, cases[i].src, cases[i].uri, strcmp(cases[i].fetched, "F") == 0 ? fetched : "\"1\"",
             etag, cases[i].jwks);
    put("case.json", text, 0600);
    wb_keyfile f;
    wb_error e;
    memset(&f, 0x5a, sizeof(f));
    wb_status st = wb__keyfile_read(at("case.json"), SRC, now, 3600, 4096, &f, &e);
    CHECK(st == cases[i].want);
    if (st != cases[i].want)
      fprintf(stderr, "  case %zu: %s %s\n", i, wb_status_name(st), e.message);
    if (st != WB_OK)
      CHECK(f.keys == NULL && f.jwks_uri == NULL && f.fetched == 0);
    else
      CHECK(f.keys != NULL && f.keys->count == 1);
    wb__keyfile_clear(&f);
  }
  /* members absent */
  const char *absent[] = {"source", "jwks_uri", "fetched", "etag", "jwks", "wristband_keys"};
  for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
    json_t *j = json_pack("{s:i, s:s, s:s, s:I, s:s, s:{s:[]}}", "wristband_keys", 1, "source", SRC,
                          "jwks_uri", SRC, "fetched", (json_int_t)now, "etag", "", "jwks", "keys");
    json_object_del(j, absent[i]);
    char *t = json_dumps(j, JSON_COMPACT);
    put("case.json", t, 0600);
    free(t);
    json_decref(j);
    read_want("case.json", now, WB_ERR_MALFORMED, "not a wristband key file");
  }
  /* not JSON at all */
  put("case.json", "{\"wristband_keys\":1,", 0600);
  read_want("case.json", now, WB_ERR_MALFORMED, "persistence file: ");
  wb_keyset_free(set);
}

int main(void) {
  snprintf(dir, sizeof(dir), "/tmp/wb-keyfile-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  round_trip();
  write_fails();
  not_read();
  not_key_files();
  /* clean up */
  const char *names[] = {"keys.json", "good.json", "link.json", "case.json"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    unlink(at(names[i]));
  CHECK(rmdir(dir) == 0);
  return CHECK_DONE();
}
