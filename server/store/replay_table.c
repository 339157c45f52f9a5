/* SPDX-License-Identifier: MIT */
/*
 * server/store/replay_table.c - the SQLite store's DPoP replay cache in a shared file
 * (server/store/replay_table.h).
 *
 * Who may initialise the shared lock: every process that maps the table holds a shared flock on
 * its descriptor. An opener first tries for the exclusive flock without waiting: getting it
 * means no other process has the table mapped, so it may (re)initialise the mutex, whatever a
 * process that died or a reboot left in it; it then takes the shared flock like everyone else.
 * An opener that cannot get it waits for the shared flock (until any initialiser is done) and
 * uses the table as it finds it.
 *
 * Space: the alone opener allocates the file's blocks (posix_fallocate), so that a full disk is an
 * error at start: a page of a sparse file first written through the mapping on a full disk
 * would be a SIGBUS, killing the server in the middle of a request. Only the alone opener does
 * it: glibc emulates posix_fallocate on file systems without fallocate by writing a zero into
 * each block that reads as zero, which would race with the slots another process writes.
 *
 * Crash safety: the mutex is robust, so a process that dies holding it hands it to the next
 * taker (EOWNERDEAD), which marks it consistent. A slot is written tag first, then its stale
 * time (a release store): a writer that dies between the two leaves a slot whose old stale time
 * has passed, which reads as empty. The proof it was recording was never answered.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "replay_table.h"

#define RT_MAGIC   "wbdpop\0\1"
#define RT_HEADER  4096
#define RT_TAG     12
#define RT_SALT    32
#define RT_RETRY_S 5 /* Retry-After of a full table: live proofs go stale within a minute */

typedef struct rt_slot {
  unsigned char tag[RT_TAG];
  _Atomic uint32_t stale_at; /* seconds since the epoch; at or before now: the slot is free */
} rt_slot;

typedef struct rt_header {
  char magic[8]; /* written last when the file is created */
  uint32_t buckets, bucket_slots, slot_size, mutex_size;
  unsigned char salt[RT_SALT];
  pthread_mutex_t lock; /* process-shared, robust */
} rt_header;

_Static_assert(sizeof(rt_slot) == 16, "a slot is 16 bytes");
_Static_assert(sizeof(rt_header) <= RT_HEADER, "the header fits its page");

struct replay_table {
  int fd; /* holds the shared flock while the table is mapped */
  uint32_t buckets;
  size_t bytes; /* of the file */
  unsigned char *map;
  rt_header *h;
  rt_slot *slots;
  EVP_MD *sha256;
};

static srv_status rt_fail(srv_error *err, const char *path, const char *what) {
  return srv_fail(err, SRV_ERR_STORE, "DPoP replay table %s: %s", path, what);
}

static srv_status rt_errno(srv_error *err, const char *path, const char *what) {
  return srv_fail(err, SRV_ERR_STORE, "DPoP replay table %s: %s: %s", path, what, strerror(errno));
}

static size_t file_bytes(uint32_t buckets) {
  return RT_HEADER + (size_t)buckets * RT_BUCKET_SLOTS * sizeof(rt_slot);
}

static int header_matches(const rt_header *h, uint32_t buckets) {
  return memcmp(h->magic, RT_MAGIC, sizeof(h->magic)) == 0 && h->buckets == buckets &&
         h->bucket_slots == RT_BUCKET_SLOTS && h->slot_size == sizeof(rt_slot) &&
         h->mutex_size == sizeof(pthread_mutex_t);
}

static int header_blank(const rt_header *h) {
  static const char zero[sizeof(h->magic)];
  return memcmp(h->magic, zero, sizeof(zero)) == 0;
}

static int init_lock(rt_header *h) {
  pthread_mutexattr_t a;
  /* LCOV_EXCL_BR_START: cov-server-shared-lock */
  if (pthread_mutexattr_init(&a) != 0)
    return 0; /* LCOV_EXCL_LINE: cov-server-shared-lock */
  int ok = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0 &&
           pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0 &&
           pthread_mutex_init(&h->lock, &a) == 0;
  /* LCOV_EXCL_BR_STOP: cov-server-shared-lock */
  pthread_mutexattr_destroy(&a);
  return ok;
}

/* Alone with the mapped file: a blank header (a new file, or a creation cut short) gets its
 * geometry and salt, then its magic; a table of ours keeps its entries and gets a fresh lock. */
static srv_status init_alone(replay_table *t, const char *path, srv_error *err) {
  rt_header *h = t->h;
  if (header_blank(h)) {
    memset(t->map, 0, RT_HEADER); /* the slots of a new file are zeros: free */
    h->buckets = t->buckets;
    h->bucket_slots = RT_BUCKET_SLOTS;
    h->slot_size = sizeof(rt_slot);
    h->mutex_size = sizeof(pthread_mutex_t);
    if (RAND_bytes(h->salt, RT_SALT) != 1)                     /* LCOV_EXCL_BR_LINE: cov-server-random */
      return rt_fail(err, path, "no random salt");             /* LCOV_EXCL_LINE: cov-server-random */
    if (!init_lock(h))                                         /* LCOV_EXCL_BR_LINE: cov-server-shared-lock */
      return rt_fail(err, path, "cannot initialise its lock"); /* LCOV_EXCL_LINE: cov-server-shared-lock */
    atomic_thread_fence(memory_order_release);
    memcpy(h->magic, RT_MAGIC, sizeof(h->magic));
    return SRV_OK;
  }
  if (!header_matches(h, t->buckets))
    return rt_fail(err, path, "not a replay table of this wristband (remove it while no server runs)");
  /* The magic is hidden while the lock is renewed: a process that dies in between leaves a
   * blank header, which the waiting openers refuse and the next one alone makes anew, rather
   * than a half-made lock that they would use. */
  memset(h->magic, 0, sizeof(h->magic));
  atomic_thread_fence(memory_order_seq_cst);
  if (!init_lock(h))                                         /* LCOV_EXCL_BR_LINE: cov-server-shared-lock */
    return rt_fail(err, path, "cannot initialise its lock"); /* LCOV_EXCL_LINE: cov-server-shared-lock */
  atomic_thread_fence(memory_order_release);
  memcpy(h->magic, RT_MAGIC, sizeof(h->magic));
  return SRV_OK;
}

/* The descriptor's file must be ours alone: a regular file of this user, private. */
static srv_status check_file(int fd, const char *path, off_t *size, srv_error *err) {
  struct stat sb;
  if (fstat(fd, &sb) != 0)              /* LCOV_EXCL_BR_LINE: cov-server-kernel-refused */
    return rt_errno(err, path, "stat"); /* LCOV_EXCL_LINE: cov-server-kernel-refused */
  if (!S_ISREG(sb.st_mode))
    return rt_fail(err, path, "not a regular file");
  if (sb.st_uid != geteuid())
    return rt_fail(err, path, "belongs to another user");
  if ((sb.st_mode & 077) != 0)
    return rt_fail(err, path, "readable or writable by others (chmod 600)");
  *size = sb.st_size;
  return SRV_OK;
}

static srv_status map_file(replay_table *t, const char *path, srv_error *err) {
  void *m = mmap(NULL, t->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
  if (m == MAP_FAILED)
    return rt_errno(err, path, "mmap");
  t->map = m;
  t->h = m;
  t->slots = (rt_slot *)(t->map + RT_HEADER);
  return SRV_OK;
}

/* flock, again when a signal interrupted it; 0 or -1 with errno. */
static int lock_file(int fd, int how) {
  int rc;
  while ((rc = flock(fd, how)) != 0 && errno == EINTR)
    ;
  return rc;
}

static srv_status attach(replay_table *t, const char *path, srv_error *err) {
  off_t size = 0;
  srv_status st = check_file(t->fd, path, &size, err); /* before any lock: a FIFO, another's file */
  if (st != SRV_OK)
    return st;
  int alone = lock_file(t->fd, LOCK_EX | LOCK_NB) == 0;
  /* LCOV_EXCL_BR_START: cov-server-kernel-refused (flock refuses only with ENOLCK) */
  if (!alone && (errno != EWOULDBLOCK || lock_file(t->fd, LOCK_SH) != 0))
    return rt_errno(err, path, "flock"); /* LCOV_EXCL_LINE: cov-server-kernel-refused */
  struct stat sb;                        /* the size again: it may have changed while waiting */
  if (fstat(t->fd, &sb) != 0)
    return rt_errno(err, path, "stat"); /* LCOV_EXCL_LINE: cov-server-kernel-refused */
  /* LCOV_EXCL_BR_STOP: cov-server-kernel-refused */
  size = sb.st_size;
  if (size != 0 && size != (off_t)t->bytes)
    return rt_fail(err, path, "not a replay table of this wristband (remove it while no server runs)");
  if (alone) {
    int rc = posix_fallocate(t->fd, 0, (off_t)t->bytes);
    /* A new file is left empty again (the next alone opener starts over), a table as it was. */
    int undone = rc == 0 || size != 0 || ftruncate(t->fd, 0) == 0;
    if (rc != 0)
      return srv_fail(err, SRV_ERR_STORE, "DPoP replay table %s: cannot allocate its %zu bytes%s: %s", path,
                      t->bytes, undone ? "" : " (nor empty it again)", strerror(rc));
  }
  if (!alone && size == 0)
    return rt_fail(err, path, "left empty by another process");
  st = map_file(t, path, err);
  if (st == SRV_OK && alone)
    st = init_alone(t, path, err);
  if (st == SRV_OK && !alone && header_blank(t->h))
    st =
        rt_fail(err, path, "left half made by a process that stopped (restart the servers on this database)");
  if (st == SRV_OK && !alone && !header_matches(t->h, t->buckets))
    st = rt_fail(err, path, "not a replay table of this wristband (remove it while no server runs)");
  if (st == SRV_OK && alone &&
      lock_file(t->fd, LOCK_SH) != 0)  /* LCOV_EXCL_BR_LINE: cov-server-kernel-refused */
    st = rt_errno(err, path, "flock"); /* LCOV_EXCL_LINE: cov-server-kernel-refused */
  return st;
}

srv_status replay_table_open(replay_table **out, const char *path, srv_error *err) {
  return replay_table_open_sized(out, path, RT_BUCKETS, err);
}

srv_status replay_table_open_sized(replay_table **out, const char *path, uint32_t buckets, srv_error *err) {
  *out = NULL;
  if (buckets == 0 || buckets > RT_BUCKETS)
    return srv_fail(err, SRV_ERR_INTERNAL, "DPoP replay table: 1 to %u buckets", (unsigned)RT_BUCKETS);
  replay_table *t = calloc(1, sizeof(*t));
  if (t == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  t->buckets = buckets;
  t->bytes = file_bytes(buckets);
  t->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  srv_status st = t->fd >= 0 ? SRV_OK : rt_errno(err, path, "cannot open");
  if (st == SRV_OK)
    st = attach(t, path, err);
  if (st == SRV_OK && (t->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
    st = rt_fail(err, path, "SHA-256 unavailable");
  if (st != SRV_OK) {
    replay_table_close(t);
    return st;
  }
  *out = t;
  return SRV_OK;
}

void replay_table_close(replay_table *t) {
  if (t == NULL)
    return;
  if (t->map != NULL)
    munmap(t->map, t->bytes);
  if (t->fd >= 0)
    close(t->fd); /* drops the flock */
  EVP_MD_free(t->sha256);
  free(t);
}

srv_status replay_table_lock(replay_table *t, srv_error *err) {
  int rc = pthread_mutex_lock(&t->h->lock);
  if (rc == EOWNERDEAD) /* its holder died: the slots are consistent by their write order */
    rc = pthread_mutex_consistent(&t->h->lock);
  if (rc != 0) /* LCOV_EXCL_BR_LINE: cov-server-shared-lock */
    return srv_fail(err, SRV_ERR_STORE, "DPoP replay table: lock: %s",
                    strerror(rc)); /* LCOV_EXCL_LINE: cov-server-shared-lock */
  return SRV_OK;
}

void replay_table_unlock(replay_table *t) {
  pthread_mutex_unlock(&t->h->lock);
}

static uint32_t clamp_s(int64_t s) {
  return s < 0 ? 0 : s > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* In bucket b: 1 when a live slot holds tag; else *free_slot = its first free slot (or NULL) and
 * *free_count = how many are free. */
static int scan_bucket(rt_slot *b, const unsigned char *tag, uint32_t now, rt_slot **free_slot,
                       int *free_count) {
  *free_slot = NULL;
  *free_count = 0;
  for (int i = 0; i < RT_BUCKET_SLOTS; i++) {
    if (atomic_load_explicit(&b[i].stale_at, memory_order_relaxed) > now) {
      if (memcmp(b[i].tag, tag, RT_TAG) == 0)
        return 1;
    } else if ((*free_count)++ == 0) {
      *free_slot = &b[i];
    }
  }
  return 0;
}

srv_status replay_table_use(replay_table *t, const unsigned char *id, int64_t exp_s, int64_t now_s,
                            int *fresh, srv_error *err) {
  *fresh = 0;
  unsigned char in[RT_SALT + STORE_DPOP_ID_LEN], h[EVP_MAX_MD_SIZE];
  memcpy(in, t->h->salt, RT_SALT);
  memcpy(in + RT_SALT, id, STORE_DPOP_ID_LEN);
  if (EVP_Digest(in, sizeof(in), h, NULL, t->sha256, NULL) != 1)
    return srv_fail(err, SRV_ERR_STORE, "DPoP replay table: SHA-256 failed");
  rt_slot *b1 = t->slots + (size_t)(be32(h) % t->buckets) * RT_BUCKET_SLOTS;
  rt_slot *b2 = t->slots + (size_t)(be32(h + 4) % t->buckets) * RT_BUCKET_SLOTS;
  const unsigned char *tag = h + 8;
  uint32_t now = clamp_s(now_s), stale = clamp_s(exp_s);
  /* A proof live at now_s that a slot cannot keep live (now outside 1970..2106) would be answered
   * fresh without being recorded, and so could be replayed at will: refused instead. */
  if (exp_s > now_s && stale <= now)
    return srv_fail(err, SRV_ERR_STORE, "DPoP replay table: the clock (%lld s) is outside what it holds",
                    (long long)now_s);
  srv_status st = replay_table_lock(t, err);
  if (st != SRV_OK) /* LCOV_EXCL_BR_LINE: cov-server-shared-lock */
    return st;      /* LCOV_EXCL_LINE: cov-server-shared-lock */
  rt_slot *f1 = NULL, *f2 = NULL;
  int n1 = 0, n2 = 0;
  int seen = scan_bucket(b1, tag, now, &f1, &n1) || (b2 != b1 && scan_bucket(b2, tag, now, &f2, &n2));
  rt_slot *slot = seen ? NULL : n2 > n1 ? f2 : f1;
  if (slot != NULL && stale > now) {
    memcpy(slot->tag, tag, RT_TAG);
    atomic_store_explicit(&slot->stale_at, stale, memory_order_release);
  }
  replay_table_unlock(t);
  OPENSSL_cleanse(in, sizeof(in));
  if (seen)
    return SRV_OK;
  if (slot == NULL) {
    st = srv_fail(err, SRV_ERR_STORE, "DPoP replay table full: proofs are refused until older ones go stale");
    if (err != NULL)
      err->retry_after = RT_RETRY_S;
    return st;
  }
  *fresh = 1;
  return SRV_OK;
}
