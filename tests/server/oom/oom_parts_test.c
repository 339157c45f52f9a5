/* SPDX-License-Identifier: MIT */
/*
 * tests/server/oom/oom_parts_test.c - the server's parts below the session logic when memory
 * runs out (issue 16): request bodies (form and JSON) and the Basic header parsed, a JSON reply
 * built, a secret sealed and opened with the KEK, and a whole store copied into an empty one
 * (`wristband store copy`), each run with the Nth allocation of the process failing
 * (tests/oom/oom_harness.c) for N = 0, 1, 2, ... until the call succeeds. A failed call says out
 * of memory (never "malformed", except where jansson itself reports its allocation failure as a
 * syntax error), returns nothing, and a failed copy leaves the target empty, ready for the next
 * attempt. A call that succeeds returns exactly what it returns without failures. Last, nothing
 * leaks.
 *
 * Plain builds only (label no-asan): the harness replaces malloc.
 */
#include <openssl/crypto.h>

#include "config.h"
#include "fixture.h"
#include "jbuf.h"
#include "kek.h"
#include "oom_harness.h"
#include "params.h"
#include "session.h"
#include "snapshot.h"
#include "store/replay_table.h"
#include "store_copy.h"
#include "users.h"

#define PASSWORD "correct horse battery"

static const session_meta meta = {"oom-agent", "192.0.2.7", "app", NULL};

/* An empty params: what a failed parse leaves. */
static int params_empty(const params *p) {
  return p->n == 0 && params_get(p, "username", NULL) == NULL;
}

static int form(void) {
  static const char body[] = "grant_type=password&username=al%69ce&password=p%40ss+word&scope=openid+profile"
                             "&client_id=my-app&cookie=1";
  params p;
  srv_error e = {0};
  srv_status st = params_parse_form(&p, body, strlen(body), &e);
  if (st != SRV_OK) {
    EXPECT(st == SRV_ERR_NOMEM && e.code == st && strcmp(e.message, "out of memory") == 0 &&
           params_empty(&p));
    return 0;
  }
  size_t n = 0;
  EXPECT(p.n == 6 && strcmp(params_get(&p, "username", NULL), "alice") == 0 &&
         strcmp(params_get(&p, "password", &n), "p@ss word") == 0 && n == 9 &&
         strcmp(params_get(&p, "scope", NULL), "openid profile") == 0);
  params_free(&p);
  return 1;
}

static int json(void) {
  static const char body[] =
      "{\"grant_type\":\"password\",\"username\":\"alice\",\"password\":\"p\\u00e9ss\","
      "\"cookie\":true,\"remember\":false,\"n\":42}";
  params p;
  srv_error e = {0};
  srv_status st = params_parse_json(&p, body, strlen(body), &e);
  if (st != SRV_OK) {
    /* jansson reports some of its allocation failures as a syntax error */
    EXPECT(
        (st == SRV_ERR_NOMEM || (st == SRV_ERR_INVALID_REQUEST && strstr(oom_failed_library(), "jansson"))) &&
        e.code == st && e.message[0] != '\0' && params_empty(&p));
    return 0;
  }
  EXPECT(p.n == 6 && strcmp(params_get(&p, "password", NULL), "p\xc3\xa9ss") == 0 &&
         strcmp(params_get(&p, "cookie", NULL), "true") == 0 &&
         strcmp(params_get(&p, "remember", NULL), "false") == 0 &&
         strcmp(params_get(&p, "n", NULL), "42") == 0);
  params_free(&p);
  return 1;
}

static int basic(void) {
  /* base64("my%20api:s3cr%2Bt") */
  static const char header[] = "Basic bXklMjBhcGk6czNjciUyQnQ=";
  char *id = NULL, *secret = NULL;
  size_t n = 0;
  srv_error e = {0};
  srv_status st = params_basic(header, &id, &secret, &n, &e);
  if (st != SRV_OK) {
    EXPECT(st == SRV_ERR_NOMEM && e.code == st && id == NULL && secret == NULL);
    return 0;
  }
  EXPECT(strcmp(id, "my api") == 0 && strcmp(secret, "s3cr+t") == 0 && n == 6);
  params_free_basic(id, secret, n);
  return 1;
}

static int reply(void) {
  static const char want[] = "{\"sub\":\"u1\",\"name\":\"caf\xc3\xa9 \\\"q\\\"\\u000a\",\"n\":-7,\"ok\":true,"
                             "\"roles\":[\"a\",\"b\"],\"raw\":{\"x\":1},\"team\":\"blue\", \"level\":3}";
  jbuf j;
  jbuf_init(&j, 4096);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "sub", "u1");
  jbuf_kstr(&j, "name", "caf\xc3\xa9 \"q\"\n");
  jbuf_kint(&j, "n", -7);
  jbuf_kbool(&j, "ok", 1);
  jbuf_key(&j, "roles");
  jbuf_open(&j, '[');
  jbuf_str(&j, "a");
  jbuf_str(&j, "b");
  jbuf_close(&j, '[');
  jbuf_kraw(&j, "raw", "{\"x\":1}");
  jbuf_members(&j, "{\"team\":\"blue\", \"level\":3}\n");
  jbuf_close(&j, '{');
  size_t len = 0;
  char *text = jbuf_take(&j, &len);
  if (text == NULL) {
    EXPECT(oom_failed_in_run() && len == 0);
    jbuf_free(&j);
    return 0;
  }
  EXPECT(len == strlen(want) && strcmp(text, want) == 0);
  /* a writer that wrote nothing takes "" (made then) */
  jbuf empty;
  jbuf_init(&empty, 16);
  size_t elen = 1;
  char *etext = jbuf_take(&empty, &elen);
  EXPECT(etext == NULL ? elen == 0 && oom_failed_in_run() : elen == 0 && etext[0] == '\0');
  int ok = etext != NULL;
  free(etext);
  jbuf_free(&empty);
  if (!ok) {
    free(text);
    jbuf_free(&j);
    return 0;
  }
  if (strcmp(text, want) != 0)
    fprintf(stderr, "  got %s\n", text);
  free(text);
  jbuf_free(&j);
  return 1;
}

static srv_kek K;
static char derive_path[300]; /* a KEK file of 300 bytes: the key is derived from them */

static int derive(void) {
  srv_kek k;
  srv_error e = {0};
  srv_status st = kek_load(&k, derive_path, NULL, 0, &e);
  if (st != SRV_OK) {
    EXPECT(st == SRV_ERR_CRYPTO && strstr(e.message, "cannot derive") != NULL &&
           oom_zeroed(k.key, sizeof(k.key)));
    return 0;
  }
  kek_wipe(&k);
  return 1;
}

/* serve's settings: the defaults, then flags (strings copied). A failure frees what it made. */
static int config(void) {
  srv_config c;
  srv_error e = {0};
  srv_status st = config_init(&c, &e);
  if (st != SRV_OK) {
    EXPECT(st == SRV_ERR_NOMEM && e.code == st);
    return 0;
  }
  char *argv[] = {"serve", "--issuer", "https://issuer.test", "--store", "sqlite:/tmp/x.db", NULL};
  int help = 0;
  st = config_parse_serve(&c, 5, argv, &help, &e);
  if (st != SRV_OK)
    EXPECT(st == SRV_ERR_NOMEM && e.code == st);
  else
    EXPECT(strcmp(c.issuer, "https://issuer.test") == 0 && strcmp(c.store_url, "sqlite:/tmp/x.db") == 0);
  config_free(&c);
  return st == SRV_OK;
}

static int seal(void) {
  static const unsigned char secret[] = "a private key's bytes";
  unsigned char *blob = NULL, *pt = NULL;
  size_t blob_len = 0, pt_len = 0;
  srv_error e = {0};
  srv_status st = kek_seal(&K, "key:k1", secret, sizeof(secret), &blob, &blob_len, &e);
  if (st != SRV_OK) {
    EXPECT((st == SRV_ERR_NOMEM || st == SRV_ERR_CRYPTO) && e.code == st && blob == NULL);
    return 0;
  }
  st = kek_open(&K, "key:k1", blob, blob_len, &pt, &pt_len, &e);
  if (st != SRV_OK) { /* the right key: never "wrong key-encryption key or damaged data" */
    EXPECT(st == SRV_ERR_NOMEM && e.code == st && pt == NULL);
    free(blob);
    return 0;
  }
  EXPECT(pt_len == sizeof(secret) && memcmp(pt, secret, pt_len) == 0);
  kek_free_plain(pt, pt_len);
  free(blob);
  return 1;
}

/* Opening a blob sealed outside the injection: with the right key, a failure is only ever
 * "out of memory", never the verdict "wrong key-encryption key or damaged data". */
static unsigned char *sealed;
static size_t sealed_len;

static int open_sealed(void) {
  unsigned char *pt = NULL;
  size_t pt_len = 0;
  srv_error e = {0};
  srv_status st = kek_open(&K, "key:k1", sealed, sealed_len, &pt, &pt_len, &e);
  if (st != SRV_OK) {
    EXPECT(st == SRV_ERR_NOMEM && e.code == st && pt == NULL && strstr(e.message, "wrong") == NULL);
    return 0;
  }
  EXPECT(pt_len == 5 && memcmp(pt, "bytes", 5) == 0);
  kek_free_plain(pt, pt_len);
  return 1;
}

/* The SQLite store's DPoP replay table: opened (a fresh file each run), one proof recorded and
 * seen again, closed. A failure is an error (out of memory, or the table's SHA-256 failing),
 * never a crash, a leak, or a proof answered fresh twice. */
static char table_dir[300];
static int table_run;

static int replay(void) {
  char path[340];
  snprintf(path, sizeof(path), "%s/t%d-dpop", table_dir, table_run++);
  replay_table *t = NULL;
  srv_error e = {0};
  srv_status st = replay_table_open_sized(&t, path, 4, &e);
  if (st != SRV_OK) {
    EXPECT((st == SRV_ERR_NOMEM || st == SRV_ERR_STORE) && e.code == st && t == NULL);
    return 0;
  }
  unsigned char id[STORE_DPOP_ID_LEN];
  memset(id, 7, sizeof(id));
  int fresh = -1, ok = 0;
  st = replay_table_use(t, id, 2000, 1000, &fresh, &e);
  if (st == SRV_OK) {
    EXPECT(fresh == 1);
    st = replay_table_use(t, id, 2000, 1001, &fresh, &e);
    EXPECT(st != SRV_OK || fresh == 0);
    ok = st == SRV_OK;
  }
  if (st != SRV_OK)
    EXPECT(st == SRV_ERR_STORE && e.code == st && strstr(e.message, "DPoP replay table") != NULL);
  replay_table_close(t);
  return ok;
}

/* ---- store copy ------------------------------------------------------------------------------ */

static fixture A;
static store *T;
static srv_kek TK;

static int count_row(void *ctx, const store_user *u) {
  (void)u;
  (*(long *)ctx)++;
  return 0;
}

static int count_key(void *ctx, const store_key *k) {
  (void)k;
  (*(long *)ctx)++;
  return 0;
}

static char target_dir[256], target_url[300];

/* An empty target with a KEK of its own, in a directory of its own (not a fixture: fx_init's
 * setenv keeps a block for each value it ever had). */
static int target_open(void) {
  snprintf(target_dir, sizeof(target_dir), "%s/wbtestXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(target_dir) == NULL)
    return 0;
  snprintf(target_url, sizeof(target_url), "sqlite:%s/data/wristband.db", target_dir);
  return store_open(&T, target_url, NULL) == SRV_OK &&
         kek_load(&TK, NULL, store_sqlite_path(target_url), 1, NULL) == SRV_OK;
}

static void target_close(void) {
  kek_wipe(&TK);
  store_close(T);
  T = NULL;
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", target_dir);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", target_dir);
}

/* The target's users and keys, counted with failures paused. */
static long target_rows(void) {
  long n = 0;
  oom_pause();
  if (T->ops->user_list(T, count_row, &n, NULL) != SRV_OK ||
      T->ops->key_list(T, count_key, &n, NULL) != SRV_OK)
    n = -1;
  oom_resume();
  return n;
}

static int copy(void) {
  store_copy_counts n = {0};
  srv_error e = {0};
  srv_status st = store_copy(A.s.st, &A.s.kek, T, &TK, &n, &e);
  if (st != SRV_OK) {
    EXPECT((st == SRV_ERR_NOMEM || st == SRV_ERR_STORE || st == SRV_ERR_CRYPTO) && e.code == st &&
           e.message[0] != '\0');
    if (e.code != st || e.message[0] == '\0')
      fprintf(stderr, "  got %s: %s\n", srv_status_name(st), e.message);
    EXPECT(target_rows() == 0); /* the target stays empty: the next attempt can start over */
    return 0;
  }
  EXPECT(n.users == 2 && n.sessions == 2 && n.denied == 1 && n.clients == 1 && n.secrets == 1 && n.keys == 2);
  EXPECT(target_rows() == 4);
  /* A failure the copy survived (the harness then goes on): the next run needs an empty target. */
  oom_pause();
  target_close();
  int ok = target_open();
  oom_resume();
  EXPECT(ok);
  return 1;
}

/* A source with something of everything, and an empty target. */
static int copy_setup(void) {
  char sub[STORE_ID_MAX], secret[USERS_SECRET_LEN + 1], kid[STORE_ID_MAX];
  const char *roles[] = {"admin"};
  session_tokens t1, t2;
  fx_init(&A);
  if (fx_open(&A) != SRV_OK ||
      users_add(&A.s, "alice", PASSWORD, strlen(PASSWORD), roles, 1, sub, NULL) != SRV_OK ||
      users_add(&A.s, "bob", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL) != SRV_OK ||
      users_set_claim(&A.s, "bob", "team", "\"blue\"", NULL) != SRV_OK ||
      session_login(&A.s, "alice", PASSWORD, strlen(PASSWORD), "openid", &meta, &t1, NULL) != SRV_OK ||
      session_login(&A.s, "bob", PASSWORD, strlen(PASSWORD), NULL, &meta, &t2, NULL) != SRV_OK ||
      session_revoke(&A.s, t2.access_token, t2.access_len, NULL) != SRV_OK ||
      users_add_client(&A.s, "api", secret, NULL) != SRV_OK ||
      keys_rotate(A.s.st, &A.s.kek, WB_ALG_EDDSA, kid, NULL) != SRV_OK)
    return 0;
  session_tokens_clear(&t1);
  session_tokens_clear(&t2);
  return target_open();
}

/* Sets up the two stores, runs copy (under injection when inject), closes them: runs. */
static long copy_once(int inject) {
  /* The stores are set up outside the injection: SQLite keeps its own caches until they close. */
  oom_pause();
  int ok = copy_setup();
  oom_resume();
  long runs = !ok ? -1 : inject ? oom_inject_all(copy) : copy();
  target_close();
  fx_done(&A);
  return runs;
}

int main(void) {
  static const struct {
    const char *name;
    int (*call)(void);
  } calls[] = {
      {"form", form},        {"json", json},     {"basic", basic},   {"reply", reply},   {"seal", seal},
      {"open", open_sealed}, {"derive", derive}, {"config", config}, {"replay", replay},
  };
  fixture kf;
  fx_init(&kf);
  char data[300];
  snprintf(data, sizeof(data), "%s/data", kf.dir);
  mkdir(data, 0700);
  if (kek_load(&K, NULL, store_sqlite_path(kf.url), 1, NULL) != SRV_OK) {
    fprintf(stderr, "cannot make a KEK\n");
    return 2;
  }
  if (kek_seal(&K, "key:k1", (const unsigned char *)"bytes", 5, &sealed, &sealed_len, NULL) != SRV_OK) {
    fprintf(stderr, "cannot seal\n");
    return 2;
  }
  snprintf(table_dir, sizeof(table_dir), "%s", kf.dir);
  snprintf(derive_path, sizeof(derive_path), "%s/derived", kf.dir);
  FILE *df = fopen(derive_path, "w");
  for (int i = 0; df != NULL && i < 300; i++)
    fputc((i * 7 + 3) & 0xff, df);
  if (df != NULL)
    fclose(df);
  chmod(derive_path, 0600);
  /* Each call once outside the injection: the libraries' process-wide state (OpenSSL's fetched
   * algorithms, SQLite's) is set up before the heap is counted. */
  for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
    if (!calls[i].call()) {
      fprintf(stderr, "%s failed without an injected failure\n", calls[i].name);
      return 2;
    }
  if (copy_once(0) != 1) {
    fprintf(stderr, "copy failed without an injected failure\n");
    return 2;
  }
  OPENSSL_thread_stop();
  printf("each call failing allocation 0, 1, 2, ...\n"); /* stdout's buffer, before the count */
  long live = oom_live(), total = 0;
  const char *only = getenv("OOM_ONLY"); /* one call, by name: for finding a failure */
  for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
    if (only != NULL && strcmp(only, calls[i].name) != 0)
      continue;
    long runs = oom_inject_all(calls[i].call);
    printf("%-8s %5ld runs\n", calls[i].name, runs);
    total += runs;
  }
  OPENSSL_thread_stop();
  long leaked = oom_live() - live;
  if (only == NULL || strcmp(only, "copy") == 0) {
    /* OpenSSL's process-wide caches keep a few blocks more after each srv set up (still
     * reachable, valgrind finds nothing lost): the copy under injection must leave no more than
     * a plain copy does. */
    long before = oom_live();
    copy_once(0);
    OPENSSL_thread_stop();
    long plain = oom_live() - before;
    before = oom_live();
    long runs = copy_once(1);
    OPENSSL_thread_stop();
    printf("%-8s %5ld runs\n", "copy", runs);
    EXPECT(runs > 0);
    total += runs;
    leaked += oom_live() - before - plain;
  }
  printf("%ld runs, %ld heap blocks leaked\n", total, leaked);
  EXPECT(leaked == 0);
  free(sealed);
  kek_wipe(&K);
  fx_done(&kf);
  int rc = oom_report();
  return rc | CHECK_DONE();
}
