/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/replay_table_test.c - the SQLite store's DPoP replay table in a shared file
 * (server/store/replay_table.c, issue 15): fresh, replayed, stale and taken again; two tables on
 * one file in one process; a full table refuses (503, Retry-After) and never forgets a live id,
 * yet still recognises one it holds; four processes racing on the same ids are told "fresh"
 * exactly once per id; a process that dies holding the lock hands it over; a lock left held by a
 * thread that no longer exists (a reboot) is renewed by the first process to open the file
 * alone; a file of another geometry is refused and left unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "fixture.h"
#include "replay_table.h"
#include "store_sqlite.h"

static char dir[256];

/* A forked child's exit: _exit (no parent's atexit work twice), after writing the coverage
 * counters of a --coverage build (gcov writes them at exit, which _exit skips). */
extern void __gcov_dump(void) __attribute__((weak));
static void child_exit(int code) {
  if (__gcov_dump != NULL)
    __gcov_dump();
  _exit(code);
}

static const char *table_path(const char *name) {
  static char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return path;
}

static void make_id(unsigned char id[STORE_DPOP_ID_LEN], unsigned n) {
  memset(id, 0xa5, STORE_DPOP_ID_LEN);
  for (int i = 0; i < 4; i++)
    id[i] = (unsigned char)(n >> (8 * i));
}

/* *fresh of one use, or -1 on an error (its status in *st when st is not NULL). */
static int use(replay_table *t, unsigned n, int64_t exp, int64_t now, srv_status *st, srv_error *e) {
  unsigned char id[STORE_DPOP_ID_LEN];
  make_id(id, n);
  int fresh = -1;
  srv_status r = replay_table_use(t, id, exp, now, &fresh, e);
  if (st != NULL)
    *st = r;
  return r == SRV_OK ? fresh : -1;
}

static void test_basics(void) {
  replay_table *a = NULL, *b = NULL;
  const char *path = table_path("basic-dpop");
  CHECK_SRV(replay_table_open(&a, path, NULL), SRV_OK);
  CHECK(use(a, 1, 1100, 1000, NULL, NULL) == 1);
  CHECK(use(a, 1, 1101, 1001, NULL, NULL) == 0);
  CHECK(use(a, 1, 1200, 1099, NULL, NULL) == 0); /* still live */
  CHECK(use(a, 2, 1100, 1000, NULL, NULL) == 1);
  CHECK(use(a, 1, 1300, 1100, NULL, NULL) == 1); /* stale at 1100: the id is taken again */
  CHECK(use(a, 1, 1300, 1101, NULL, NULL) == 0);
  /* A second table on the same file (another descriptor, as another process has). */
  CHECK_SRV(replay_table_open(&b, path, NULL), SRV_OK);
  CHECK(use(b, 1, 1300, 1102, NULL, NULL) == 0);
  CHECK(use(b, 3, 1300, 1102, NULL, NULL) == 1);
  CHECK(use(a, 3, 1300, 1103, NULL, NULL) == 0);
  /* Far-future and negative times are clamped, not wrapped: the id stays live. */
  CHECK(use(a, 4, INT64_MAX, 1000, NULL, NULL) == 1);
  CHECK(use(b, 4, INT64_MAX, INT64_C(1) << 31, NULL, NULL) == 0);
  CHECK(use(a, 5, 1000, -5, NULL, NULL) == 1);
  CHECK(use(a, 5, 1000, 999, NULL, NULL) == 0);
  replay_table_close(a);
  replay_table_close(b);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
  /* Reopened: the ids are still there. */
  CHECK_SRV(replay_table_open(&a, path, NULL), SRV_OK);
  CHECK(use(a, 3, 1300, 1104, NULL, NULL) == 0);
  replay_table_close(a);
  CHECK_SRV(replay_table_open_sized(&a, path, 0, NULL), SRV_ERR_INTERNAL);
  CHECK(a == NULL);
}

static void test_full(void) {
  replay_table *t = NULL;
  srv_error e;
  srv_status st;
  const char *path = table_path("full-dpop");
  CHECK_SRV(replay_table_open_sized(&t, path, 1, NULL), SRV_OK); /* one bucket: 16 slots */
  for (unsigned i = 0; i < RT_BUCKET_SLOTS; i++)
    CHECK(use(t, 100 + i, 2000 + i, 1000, NULL, NULL) == 1);
  CHECK(use(t, 999, 2000, 1000, &st, &e) == -1);
  CHECK(st == SRV_ERR_STORE && e.retry_after > 0 && strstr(e.message, "full") != NULL);
  for (unsigned i = 0; i < RT_BUCKET_SLOTS; i++) /* none was forgotten, and each is still known */
    CHECK(use(t, 100 + i, 3000, 1500, NULL, NULL) == 0);
  CHECK(use(t, 999, 3000, 2000, NULL, NULL) == 1);  /* 100 went stale at 2000: its slot is free */
  CHECK(use(t, 100, 3000, 2000, NULL, NULL) == -1); /* and the table is full again */
  replay_table_close(t);
  /* Two buckets hold more than one (each id has two choices), and no more than both. */
  CHECK_SRV(replay_table_open_sized(&t, table_path("two-dpop"), 2, NULL), SRV_OK);
  int fresh = 0;
  for (unsigned i = 0; i < 4 * RT_BUCKET_SLOTS; i++)
    fresh += use(t, i, 2000, 1000, NULL, NULL) == 1;
  CHECK(fresh > RT_BUCKET_SLOTS && fresh <= 2 * RT_BUCKET_SLOTS);
  replay_table_close(t);
  /* A file made with one geometry is refused by an opener of another, and left as it is. */
  struct stat before, after;
  CHECK(stat(path, &before) == 0);
  CHECK_SRV(replay_table_open(&t, path, &e), SRV_ERR_STORE);
  CHECK(t == NULL && strstr(e.message, path) != NULL);
  CHECK(stat(path, &after) == 0 && after.st_size == before.st_size && after.st_mtime == before.st_mtime);
}

/* A racing child: opens the table at path (before the start signal when open_first, else
 * after it), waits for the parent to close go's write end, uses ids 0..ids-1 (in an order of its
 * own when k > 0), writes how many were fresh to out, and exits. */
static void race_child(const char *path, uint32_t buckets, int open_first, unsigned ids, unsigned k,
                       const int go[2], int out) {
  replay_table *mine = NULL; /* its own descriptor and mapping, as another server has */
  int fresh = 0;
  char c;
  close(go[1]);
  if (open_first && replay_table_open_sized(&mine, path, buckets, NULL) != SRV_OK)
    child_exit(3);
  if (read(go[0], &c, 1) != 0 ||
      (!open_first && replay_table_open_sized(&mine, path, buckets, NULL) != SRV_OK))
    child_exit(3);
  for (unsigned i = 0; i < ids; i++)
    fresh += use(mine, (i * (k > 0 ? 7 : 1) + k * 500) % ids, 5000, 1000, NULL, NULL) == 1;
  replay_table_close(mine);
  child_exit(write(out, &fresh, sizeof(fresh)) == (ssize_t)sizeof(fresh) ? 0 : 4);
}

/* The four children's counts of fresh ids, summed from the pipe's read end (closed here), once
 * each has exited 0; -1 when one did not. */
static int gather(int from, const pid_t kids[4]) {
  int total = 0, one, exits = 0;
  while (read(from, &one, sizeof(one)) == (ssize_t)sizeof(one))
    total += one;
  close(from);
  for (int k = 0; k < 4; k++) {
    int status = 0;
    waitpid(kids[k], &status, 0);
    exits += WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return exits == 4 ? total : -1;
}

/* Four processes, released together, use the same RACE_IDS ids in the same order; each id is
 * fresh for exactly one of them. */
#define RACE_IDS 20000
static void test_processes(void) {
  const char *path = table_path("race-dpop");
  replay_table *t = NULL;
  CHECK_SRV(replay_table_open_sized(&t, path, 4096, NULL), SRV_OK);
  int fds[2], go[2];
  CHECK(pipe(fds) == 0 && pipe(go) == 0);
  pid_t kids[4];
  for (int k = 0; k < 4; k++) {
    kids[k] = fork();
    if (kids[k] == 0) {
      race_child(path, 4096, 1, RACE_IDS, 0, go, fds[1]);
    }
  }
  close(fds[1]);
  close(go[0]);
  nanosleep(&(struct timespec){0, 100000000}, NULL);
  close(go[1]); /* the children's reads return 0 together */
  CHECK(gather(fds[0], kids) == RACE_IDS);
  int replays = 0;
  for (unsigned i = 0; i < RACE_IDS; i++)
    replays += use(t, i, 5000, 1001, NULL, NULL) == 0;
  CHECK(replays == RACE_IDS);
  replay_table_close(t);
}

/* Four processes released together onto a file that does not exist yet, round after round: one
 * of them creates and initialises it, the others wait for it and never take over a table in use
 * (a second initialiser would draw another salt or renew a lock someone holds); each id is fresh
 * exactly once per round. */
#define OPEN_ROUNDS 8
#define OPEN_IDS    2000
static void test_racing_openers(void) {
  for (int round = 0; round < OPEN_ROUNDS; round++) {
    char name[32];
    snprintf(name, sizeof(name), "open-race-%d-dpop", round);
    const char *path = table_path(name);
    int fds[2], go[2];
    CHECK(pipe(fds) == 0 && pipe(go) == 0);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
      kids[k] = fork();
      if (kids[k] == 0) {
        race_child(path, 256, 0, OPEN_IDS, (unsigned)k, go, fds[1]);
      }
    }
    close(fds[1]);
    close(go[0]);
    close(go[1]); /* all four open the missing file at once */
    CHECK(gather(fds[0], kids) == OPEN_IDS);
  }
}

/* A holder that dies: its process exits holding the lock; the next taker gets it. */
static void test_holder_dies(void) {
  const char *path = table_path("dies-dpop");
  replay_table *t = NULL;
  CHECK_SRV(replay_table_open(&t, path, NULL), SRV_OK);
  CHECK(use(t, 1, 2000, 1000, NULL, NULL) == 1);
  pid_t kid = fork();
  if (kid == 0) {
    replay_table *mine = NULL;
    if (replay_table_open(&mine, path, NULL) != SRV_OK || replay_table_lock(mine, NULL) != SRV_OK)
      child_exit(3);
    child_exit(0); /* holding it */
  }
  int status = 0;
  waitpid(kid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  alarm(20); /* a hang here is the failure */
  CHECK(use(t, 1, 2000, 1001, NULL, NULL) == 0);
  CHECK(use(t, 2, 2000, 1001, NULL, NULL) == 1);
  CHECK(use(t, 2, 2000, 1002, NULL, NULL) == 0);
  alarm(0);
  replay_table_close(t);
}

/* A lock left held by a thread that no longer exists, with no process to report its death (the
 * machine restarted): the first process to open the file alone renews it. */
static void test_stale_lock(void) {
  const char *path = table_path("stale-dpop");
  replay_table *t = NULL;
  CHECK_SRV(replay_table_open(&t, path, NULL), SRV_OK);
  CHECK(use(t, 7, 2000, 1000, NULL, NULL) == 1);
  unsigned char locked[4096];
  int ok = replay_table_lock(t, NULL) == SRV_OK; /* the header page, as it is while held */
  int fd = open(path, O_RDONLY);
  ok = ok && fd >= 0 && pread(fd, locked, sizeof(locked), 0) == (ssize_t)sizeof(locked);
  replay_table_unlock(t);
  replay_table_close(t);
  if (fd >= 0)
    close(fd);
  fd = open(path, O_WRONLY);
  ok = ok && fd >= 0 && pwrite(fd, locked, sizeof(locked), 0) == (ssize_t)sizeof(locked);
  if (fd >= 0)
    close(fd);
  CHECK(ok);
  /* Held by this thread, which is alive: pthread would call it a deadlock, so the lock is taken
   * from another thread of a fresh process. */
  pid_t kid = fork();
  if (kid == 0) {
    alarm(20);
    replay_table *mine = NULL;
    int fresh = -1;
    unsigned char id[STORE_DPOP_ID_LEN];
    make_id(id, 7);
    if (replay_table_open(&mine, path, NULL) != SRV_OK ||
        replay_table_use(mine, id, 2000, 1001, &fresh, NULL) != SRV_OK || fresh != 0)
      child_exit(3);
    make_id(id, 8);
    if (replay_table_use(mine, id, 2000, 1001, &fresh, NULL) != SRV_OK || fresh != 1)
      child_exit(4);
    replay_table_close(mine);
    child_exit(0);
  }
  int status = 0;
  waitpid(kid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A clock past what a slot holds (2^32 s, the year 2106): the id cannot be recorded, so the proof
 * is refused (SRV_ERR_STORE), never answered "fresh" while forgotten (which would let it be
 * replayed at will). */
static void test_clock_range(void) {
  replay_table *t = NULL;
  srv_error e;
  srv_status st;
  const int64_t late = INT64_C(1) << 32;
  CHECK_SRV(replay_table_open(&t, table_path("clock-dpop"), NULL), SRV_OK);
  int first = use(t, 11, late + 100, late, &st, &e);
  int second = use(t, 11, late + 100, late + 1, NULL, NULL);
  CHECK(first != 1 || second == 0); /* never fresh twice */
  CHECK(first == -1 && st == SRV_ERR_STORE && strstr(e.message, "clock") != NULL);
  CHECK(use(t, 12, late - 1, late - 2, NULL, NULL) == 1); /* the last second a slot holds still works */
  CHECK(use(t, 12, late - 1, late - 2, NULL, NULL) == 0);
  replay_table_close(t);
}

/* The table's blocks are allocated when it is made: a full disk is an error at start, never a
 * SIGBUS the first time a page of the mapping is written. */
static void test_allocated(void) {
  replay_table *t = NULL;
  const char *path = table_path("alloc-dpop");
  CHECK_SRV(replay_table_open(&t, path, NULL), SRV_OK);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && (int64_t)sb.st_blocks * 512 >= (int64_t)sb.st_size);
  replay_table_close(t);
}

/* The same on a file system too small for the table (a 1 MiB tmpfs, mounted when root): the
 * opener is refused with a message, or every use works; the process is never killed. */
static void test_disk_full(void) {
  char mnt[300];
  snprintf(mnt, sizeof(mnt), "%s/small", dir);
  if (geteuid() != 0 || mkdir(mnt, 0700) != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0700") != 0) {
    fprintf(stderr, "replay_table_test: disk full story skipped (needs root and tmpfs)\n");
    return;
  }
  pid_t kid = fork();
  if (kid == 0) {
    char path[320];
    snprintf(path, sizeof(path), "%s/db-dpop", mnt);
    replay_table *t = NULL;
    srv_error e;
    if (replay_table_open(&t, path, &e) != SRV_OK)
      child_exit(strstr(e.message, path) != NULL ? 0 : 3);
    for (unsigned i = 0; i < 100000; i++)
      if (use(t, i, 5000, 1000, NULL, NULL) != 1)
        child_exit(4);
    replay_table_close(t);
    child_exit(0);
  }
  int status = 0;
  waitpid(kid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (WIFSIGNALED(status))
    fprintf(stderr, "replay_table_test: the table on a full disk killed its user with signal %d\n",
            WTERMSIG(status));
  char path[320];
  struct stat sb;
  snprintf(path, sizeof(path), "%s/db-dpop", mnt);
  CHECK(stat(path, &sb) == 0 && sb.st_size == 0); /* a table that could not be made is left empty */
  umount(mnt);
}

/* Servers reaching one database by different paths (a symbolic link to its directory, or to the
 * database file itself, which SQLite resolves for its -wal and -shm files) share one replay
 * table too: else a proof used on one is fresh again on the other. */
static void test_symlinked_database(void) {
  char real[300], link_dir[300], p1[320], p2[320], p3[320];
  snprintf(real, sizeof(real), "%s/real", dir);
  snprintf(link_dir, sizeof(link_dir), "%s/link", dir);
  snprintf(p1, sizeof(p1), "%s/w.db", real);
  snprintf(p2, sizeof(p2), "%s/w.db", link_dir);
  snprintf(p3, sizeof(p3), "%s/alias.db", real);
  CHECK(mkdir(real, 0700) == 0 && symlink("real", link_dir) == 0 && symlink("w.db", p3) == 0);
  store *s[3] = {NULL, NULL, NULL};
  CHECK_SRV(store_sqlite_open(&s[0], p1, NULL), SRV_OK);
  CHECK_SRV(store_sqlite_open(&s[1], p2, NULL), SRV_OK);
  CHECK_SRV(store_sqlite_open(&s[2], p3, NULL), SRV_OK);
  for (unsigned n = 0; n < 3 && s[0] != NULL && s[1] != NULL && s[2] != NULL; n++) {
    unsigned char id[STORE_DPOP_ID_LEN];
    make_id(id, 21 + n);
    int fresh = -1;
    CHECK_SRV(s[n]->ops->dpop_jti_use(s[n], id, 2000, 1000, &fresh, NULL), SRV_OK);
    CHECK(fresh == 1);
    for (unsigned m = 0; m < 3; m++) { /* the replay through every path */
      fresh = -1;
      CHECK_SRV(s[m]->ops->dpop_jti_use(s[m], id, 2000, 1001, &fresh, NULL), SRV_OK);
      CHECK(fresh == 0);
    }
  }
  for (unsigned n = 0; n < 3; n++)
    store_close(s[n]);
  struct stat sb;
  CHECK(lstat(p3, &sb) == 0 && S_ISLNK(sb.st_mode)); /* the link is left a link */
  snprintf(p3, sizeof(p3), "%s/alias.db-dpop", real);
  CHECK(lstat(p3, &sb) != 0 && errno == ENOENT); /* and no second table was made beside it */
}

/* A header left blank by a process that died renewing the lock (it hides the magic meanwhile):
 * an opener that is not alone refuses it rather than use a half-made lock; the next one alone
 * makes the table anew. */
static void test_half_made(void) {
  const char *path = table_path("half-dpop");
  replay_table *a = NULL, *b = NULL;
  srv_error e;
  CHECK_SRV(replay_table_open(&a, path, NULL), SRV_OK); /* holds the table: later openers are not alone */
  int fd = open(path, O_WRONLY);
  static const char blank[8];
  CHECK(fd >= 0 && pwrite(fd, blank, sizeof(blank), 0) == (ssize_t)sizeof(blank));
  if (fd >= 0)
    close(fd);
  CHECK_SRV(replay_table_open(&b, path, &e), SRV_ERR_STORE);
  CHECK(b == NULL && strstr(e.message, "half made") != NULL);
  replay_table_close(a);
  CHECK_SRV(replay_table_open(&b, path, NULL), SRV_OK);
  CHECK(b != NULL && use(b, 1, 2000, 1000, NULL, NULL) == 1 && use(b, 1, 2000, 1000, NULL, NULL) == 0);
  replay_table_close(b);
}

/* Writes the 32-bit value v at offset off of path's header. */
static void poke32(const char *path, off_t off, uint32_t v) {
  int fd = open(path, O_WRONLY);
  CHECK(fd >= 0 && pwrite(fd, &v, sizeof(v), off) == (ssize_t)sizeof(v));
  if (fd >= 0)
    close(fd);
}

static uint32_t peek32(const char *path, off_t off) {
  uint32_t v = 0;
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0 && pread(fd, &v, sizeof(v), off) == (ssize_t)sizeof(v));
  if (fd >= 0)
    close(fd);
  return v;
}

/* A header whose geometry says otherwise (buckets, slots a bucket, slot size, lock size: the
 * four words after the magic) is refused, by an opener alone with the file and by one that is
 * not; a file emptied under a running server is refused by the next opener; a proof already
 * stale when it is used is fresh and takes no slot. */
static void test_header_and_size(void) {
  const char *path = table_path("geometry-dpop");
  replay_table *a = NULL, *b = NULL;
  srv_error e;
  CHECK_SRV(replay_table_open_sized(&a, path, 2, NULL), SRV_OK);
  replay_table_close(a);
  for (off_t off = 8; off <= 20; off += 4) {
    uint32_t was = peek32(path, off);
    poke32(path, off, was + 1);
    CHECK_SRV(replay_table_open_sized(&b, path, 2, &e), SRV_ERR_STORE); /* alone */
    CHECK(b == NULL && strstr(e.message, "not a replay table") != NULL);
    poke32(path, off, was);
    CHECK_SRV(replay_table_open_sized(&a, path, 2, NULL), SRV_OK);
    poke32(path, off, was + 1);
    CHECK_SRV(replay_table_open_sized(&b, path, 2, &e), SRV_ERR_STORE); /* not alone */
    CHECK(b == NULL && strstr(e.message, "not a replay table") != NULL);
    poke32(path, off, was);
    replay_table_close(a);
  }
  CHECK_SRV(replay_table_open_sized(&a, path, 2, NULL), SRV_OK);
  CHECK(use(a, 1, 1000, 1000, NULL, NULL) == 1); /* stale already: not recorded */
  CHECK(use(a, 1, 2000, 1000, NULL, NULL) == 1);
  CHECK(use(a, 1, 2000, 1000, NULL, NULL) == 0);
  CHECK(truncate(path, 0) == 0); /* a is not used again: its mapping is past the end now */
  CHECK_SRV(replay_table_open_sized(&b, path, 2, &e), SRV_ERR_STORE);
  CHECK(b == NULL && strstr(e.message, "left empty") != NULL);
  replay_table_close(a);
  CHECK_SRV(replay_table_open_sized(&b, path, 2, NULL), SRV_OK); /* alone: made anew */
  CHECK(b != NULL && use(b, 1, 2000, 1000, NULL, NULL) == 1);
  replay_table_close(b);
}

/* No address space for the mapping (RLIMIT_AS, in a child; not under a sanitizer, whose shadow
 * memory needs more): an error naming mmap, no crash. */
static void test_no_address_space(void) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  fprintf(stderr, "replay_table_test: address-space story skipped under a sanitizer\n");
#else
  const char *path = table_path("space-dpop");
  fflush(NULL);
  pid_t kid = fork();
  if (kid == 0) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f == NULL || fscanf(f, "%lu", &pages) != 1)
      child_exit(3);
    fclose(f);
    struct rlimit lim = {(rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)8 << 20), RLIM_INFINITY};
    lim.rlim_max = lim.rlim_cur;
    replay_table *t = NULL;
    srv_error e;
    if (setrlimit(RLIMIT_AS, &lim) != 0)
      child_exit(4);
    srv_status st = replay_table_open(&t, path, &e);
    child_exit(st == SRV_ERR_STORE && t == NULL && strstr(e.message, "mmap") != NULL ? 0 : 5);
  }
  int status = 0;
  waitpid(kid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#endif
}

int main(void) {
  snprintf(dir, sizeof(dir), "%s/wbrtXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(dir) == NULL)
    return 2;
  test_basics();
  test_full();
  test_processes();
  test_racing_openers();
  test_holder_dies();
  test_stale_lock();
  test_half_made();
  test_header_and_size();
  test_no_address_space();
  test_clock_range();
  test_allocated();
  test_disk_full();
  test_symlinked_database();
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    return 2;
  return CHECK_DONE();
}
