/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/misc_test.c - the small pieces on their own: the one mapping from a status to
 * an HTTP error (reply.c), password-hashing limits (passwords.c), the KEK file's refusals
 * (kek.c), metrics rendering, status names and store URLs.
 */
#include <sys/stat.h>

#include "fixture.h"
#include "metrics.h"
#include "passwords.h"
#include "reply.h"

/* The reply for a failed call with code: its status and its header name (or NULL). */
static unsigned fail_status(srv_status code, const char **header, char *value, size_t cap) {
  http_reply rp = {0};
  srv_error e;
  srv_fail(&e, code, "detail");
  e.retry_after = code == SRV_ERR_RATE_LIMITED || code == SRV_ERR_STORE ? 7 : 0;
  reply_fail(&rp, &e);
  unsigned status = rp.status;
  *header = rp.n_headers > 0 ? rp.headers[0].name : NULL;
  snprintf(value, cap, "%s", rp.n_headers > 0 ? rp.headers[0].value : "");
  CHECK(rp.content_type != NULL && strcmp(rp.content_type, "application/json") == 0);
  CHECK(rp.body != NULL && strstr(rp.body, "\"error\":\"") != NULL);
  reply_free(&rp);
  return status;
}

static void test_reply(void) {
  const struct {
    srv_status code;
    unsigned status;
    const char *header;
  } cases[] = {{SRV_ERR_INVALID_REQUEST, 400, NULL},
               {SRV_ERR_INVALID_GRANT, 400, NULL},
               {SRV_ERR_INVALID_SCOPE, 400, NULL},
               {SRV_ERR_INVALID_TOKEN, 401, "WWW-Authenticate"},
               {SRV_ERR_INVALID_CLIENT, 401, "WWW-Authenticate"},
               {SRV_ERR_FORBIDDEN, 403, "WWW-Authenticate"},
               {SRV_ERR_DISABLED, 403, NULL},
               {SRV_ERR_NOT_FOUND, 404, NULL},
               {SRV_ERR_CONFLICT, 409, NULL},
               {SRV_ERR_RATE_LIMITED, 429, "Retry-After"},
               {SRV_ERR_STORE, 503, "Retry-After"}, /* the database may be restarting */
               {SRV_ERR_NOMEM, 500, NULL},
               {SRV_ERR_CRYPTO, 500, NULL},
               {SRV_ERR_INTERNAL, 500, NULL}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *header = NULL;
    char value[200];
    CHECK(fail_status(cases[i].code, &header, value, sizeof(value)) == cases[i].status);
    CHECK((header == NULL) == (cases[i].header == NULL));
    if (header != NULL && cases[i].header != NULL)
      CHECK(strcmp(header, cases[i].header) == 0);
    if (cases[i].code == SRV_ERR_RATE_LIMITED || cases[i].code == SRV_ERR_STORE)
      CHECK(strcmp(value, "7") == 0);
  }
  /* A store failure that did not say how long (corruption, a bug) still tells clients to wait. */
  {
    http_reply rp = {0};
    srv_error e;
    srv_fail(&e, SRV_ERR_STORE, "database: disk image is malformed");
    reply_fail(&rp, &e);
    CHECK(rp.status == 503 && rp.n_headers == 1 && strcmp(rp.headers[0].name, "Retry-After") == 0 &&
          strcmp(rp.headers[0].value, "1") == 0);
    CHECK(strstr(rp.body, "temporarily_unavailable") != NULL && strstr(rp.body, "malformed") == NULL);
    reply_free(&rp);
  }
  /* A description never breaks out of the challenge's quoted-string. */
  http_reply rp = {0};
  srv_error e;
  srv_fail(&e, SRV_ERR_INVALID_TOKEN, "a \"quoted\" \\ and\r\nnew line");
  reply_fail(&rp, &e);
  CHECK(rp.n_headers == 1 && strstr(rp.headers[0].value, "\r") == NULL &&
        strstr(rp.headers[0].value, "\\") == NULL);
  CHECK(strcmp(rp.headers[0].value, "Bearer realm=\"wristband\", error=\"invalid_token\", "
                                    "error_description=\"a quoted  and  new line\"") == 0);
  reply_free(&rp);
  /* Headers have a ceiling; bodies are replaced, not leaked. */
  for (int i = 0; i < HTTP_MAX_HEADERS; i++)
    CHECK(reply_header(&rp, "X-A", "1") == 1);
  CHECK(reply_header(&rp, "X-A", "1") == 0);
  reply_error(&rp, 400, "a", NULL);
  reply_error(&rp, 401, "b", "second");
  CHECK(rp.status == 401 && strcmp(rp.body, "{\"error\":\"b\",\"error_description\":\"second\"}") == 0);
  reply_free(&rp);
  CHECK(rp.body == NULL && rp.n_headers == 0);
  /* A writer that failed (past its ceiling) still gives a JSON 500, never an empty body. */
  jbuf j;
  jbuf_init(&j, 8);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "far", "too long for the ceiling");
  jbuf_close(&j, '{');
  reply_json(&rp, 200, &j);
  CHECK(rp.status == 500 && rp.content_type != NULL && strcmp(rp.content_type, "application/json") == 0);
  CHECK(rp.body != NULL && strstr(rp.body, "\"error\":\"server_error\"") != NULL);
  reply_free(&rp);
}

static void test_passwords(void) {
  pw_ctx pw;
  char hash[PW_HASH_MAX];
  CHECK_SRV(pw_init(&pw, 0, 64, NULL), SRV_ERR_CONFIG);
  CHECK_SRV(pw_init(&pw, 65, 64, NULL), SRV_ERR_CONFIG);
  CHECK_SRV(pw_init(&pw, 1, 4, NULL), SRV_ERR_CONFIG);
  CHECK_SRV(pw_init(&pw, 1, 64, NULL), SRV_OK);
  char longpw[PW_MAX_LEN + 2];
  memset(longpw, 'x', sizeof(longpw));
  CHECK_SRV(pw_hash(&pw, longpw, PW_MAX_LEN + 1, hash, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK(hash[0] == '\0');
  CHECK_SRV(pw_hash(&pw, "password", 8, hash, NULL), SRV_OK);
  CHECK(pw_verify(&pw, hash, "password", 8) == 1 && pw_verify(&pw, hash, "passwore", 8) == 0);
  CHECK(pw_verify(&pw, hash, longpw, PW_MAX_LEN + 1) == 0);
  CHECK(pw_verify(&pw, NULL, "password", 8) == 0);
  CHECK(pw_needs_rehash(&pw, hash) == 0);
  pw_ctx other;
  CHECK_SRV(pw_init(&other, 2, 64, NULL), SRV_OK);
  CHECK(pw_needs_rehash(&other, hash) == 1);
  CHECK_SRV(pw_check_new("short", 5, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(pw_check_new("with\0nul!", 9, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(pw_check_new(longpw, PW_MAX_LEN + 1, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(pw_check_new("long enough", 11, NULL), SRV_OK);
}

static void test_kek_refusals(void) {
  fixture f;
  fx_init(&f);
  srv_kek k;
  char path[400];
  snprintf(path, sizeof(path), "%s/missing", f.dir);
  CHECK_SRV(kek_load(&k, path, NULL, 1, NULL), SRV_ERR_NOT_FOUND); /* a named KEK file is never created */
  CHECK_SRV(kek_load(&k, NULL, NULL, 1, NULL), SRV_ERR_CONFIG);    /* no file, no database directory */
  CHECK_SRV(kek_load(&k, f.dir, NULL, 0, NULL), SRV_ERR_IO);       /* a directory: cannot be read */
  snprintf(path, sizeof(path), "%s/big", f.dir);
  FILE *big = fopen(path, "w");
  for (int i = 0; i < 5000; i++)
    fputc('A', big);
  fclose(big);
  chmod(path, 0600);
  CHECK_SRV(kek_load(&k, path, NULL, 0, NULL), SRV_ERR_CONFIG); /* past 4 KiB: not a key file */
  fx_done(&f);
}

static void test_small_pieces(void) {
  metrics m;
  metrics_init(&m);
  metrics_add(&m.logins_ok);
  metrics_observe_us(&m, -5);
  metrics_observe_us(&m, 700);
  metrics_observe_us(&m, 5 * 1000 * 1000);
  char buf[4096];
  size_t n = metrics_render(&m, buf, sizeof(buf));
  CHECK(n > 0 && strstr(buf, "wristband_logins_total{result=\"ok\"} 1\n") != NULL);
  CHECK(strstr(buf, "_bucket{le=\"0.0005\"} 1\n") != NULL &&
        strstr(buf, "_bucket{le=\"0.001\"} 2\n") != NULL);
  CHECK(strstr(buf, "_bucket{le=\"+Inf\"} 3\n") != NULL && strstr(buf, "_count 3\n") != NULL);
  CHECK(metrics_render(&m, buf, 100) == 0);
  CHECK(strcmp(srv_status_name(SRV_ERR_RATE_LIMITED), "slow_down") == 0);
  CHECK(strcmp(srv_status_name((srv_status)999), "unknown") == 0);
  CHECK(store_sqlite_path("sqlite:x.db") != NULL && store_sqlite_path("postgres://x") == NULL);
  store *s = NULL;
  CHECK_SRV(store_open(&s, "sqlite:", NULL), SRV_ERR_CONFIG);
  CHECK_SRV(store_open(&s, "sqlite:/proc/nope/db", NULL), SRV_ERR_IO);
  CHECK(s == NULL);
  store_close(NULL);
}

int main(void) {
  test_reply();
  test_passwords();
  test_kek_refusals();
  test_small_pieces();
  return CHECK_DONE();
}
