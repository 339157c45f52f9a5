/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/secret_wipe_test.c - secrets die with their key (key.h, DESIGN.md "Secrets die with
 * their owner"): nothing derived from a key or from a verification cache's key survives its free,
 * whichever threads used it. Linux only (it reads /proc/self/maps and /proc/self/mem); elsewhere
 * it exits 77 (skipped).
 *
 * Keys with distinctive random secrets (HS256 and HS512 from raw bytes, HS384 from a JWK, a
 * generated Ed25519 and P-256 key, an Ed448 key from its private JWK) sign and verify from THREADS threads
 * and from the main thread, the asymmetric ones through verifiers with the result cache on; the threads also
 * hash with a SipHash context pool as a verification cache owns one (lib/vcache.c), under a known key, and
 * encrypt and decrypt with an A256KW key (whose AES-ECB wrap and unwrap contexts stay keyed in the
 * key's pool) through one encrypter and one decrypter, a tampered token failing. The
 * worker threads then stay alive (a server's thread pool does) while the main thread frees every
 * signer, verifier, key and pool, and checks two things:
 *   1. no OpenSSL allocation made since the warm-up is still live: every context prepared for a
 *      key or a cache (keyed HMAC, PKEY and digest contexts, SipHash) went with its owner;
 *   2. no writable mapping of the process holds a secret's bytes: the oct secrets as given, the
 *      Ed25519 and Ed448 seeds, the P-256 scalar big- and little-endian (as a BIGNUM holds it), and the
 *      SipHash key with the two state words derived from it alone (v0 = k0 ^ "somepseu",
 *      v2 = k0 ^ "lygenera", native byte order, as a keyed SipHash context holds them), and the
 *      base64url text of the two secrets imported from JWKs ("k", "d"): the same secret, encoded,
 *      which a JSON parser's buffers would keep; the A256KW secret, its first 16 bytes alone (round
 *      key 0, which an AES key schedule holds as is, the unwrap's reversed one included), and the
 *      decrypter's substitute content key (RFC 7516 11.5).
 * The test keeps its copies of the secrets XOR-masked so that the scan does not find them.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "check.h"
#include "internal.h" /* wb__siphash128 and its context pool */
#include "jwe_int.h"  /* the decrypter's substitute key */

#ifndef __linux__
int main(void) {
  printf("secret_wipe_test: skipped, needs Linux /proc\n");
  return 77;
}
#else

#include <fcntl.h>
#include <unistd.h>

#define THREADS     4
#define ITERATIONS  40
#define MASK        0xA5 /* the test's copies of the secrets are stored XOR MASK */
#define NKEYS       6
#define NSECRETS    (NKEYS + 8) /* the keys', the SipHash key, v0 and v2, two JWK texts, then JWE's */
#define JWK_TEXTS   (NKEYS + 3) /* secrets[JWK_TEXTS..]: the base64url text of JWK-imported secrets */
#define JWE_SECRETS (NKEYS + 5) /* secrets[JWE_SECRETS..]: A256KW key, its first half, the substitute */
#define TEXT_SKIP   16          /* ... from this character on (malloc's free-list words may overwrite */
#define TEXT_LEN    40          /* the first 16 bytes of a freed block), this many characters */
#define MAX_SECRET  64

/* ---- counting OpenSSL's live allocations ------------------------------------------------------ */

static atomic_long live_allocs;

static void *count_malloc(size_t n, const char *file, int line) {
  (void)file, (void)line;
  void *p = malloc(n);
  if (p != NULL)
    atomic_fetch_add(&live_allocs, 1);
  return p;
}

static void *count_realloc(void *p, size_t n, const char *file, int line) {
  (void)file, (void)line;
  void *q = realloc(p, n);
  if (p == NULL && q != NULL)
    atomic_fetch_add(&live_allocs, 1);
  else if (p != NULL && n == 0)
    atomic_fetch_sub(&live_allocs, 1);
  return q;
}

static void count_free(void *p, const char *file, int line) {
  (void)file, (void)line;
  if (p != NULL)
    atomic_fetch_sub(&live_allocs, 1);
  free(p);
}

/* ---- the keys ------------------------------------------------------------------------------------ */

/* A byte string that must not survive, kept XOR MASK. */
typedef struct {
  const char *what;
  unsigned char masked[MAX_SECRET];
  size_t len;
  bool also_reversed; /* also look for the bytes in reverse order (a BIGNUM's limbs) */
} tsecret;

static tsecret secrets[NSECRETS]; /* [j] for keys[j], then the SipHash ones */

typedef struct {
  wb_alg alg;
  wb_key *key;
  wb_signer *signer;
  wb_verifier *verifier;
} tkey;

static tkey keys[NKEYS];

static void keep_masked(tsecret *s, const char *what, const unsigned char *bytes, size_t len) {
  s->what = what;
  for (size_t i = 0; i < len; i++)
    s->masked[i] = bytes[i] ^ MASK;
  s->len = len;
}

/* Keeps TEXT_LEN characters of the base64url text b64 (from TEXT_SKIP on) as the secret s. */
static void keep_text(tsecret *s, const char *what, const char *b64) {
  CHECK(strlen(b64) >= TEXT_SKIP + TEXT_LEN);
  if (strlen(b64) >= TEXT_SKIP + TEXT_LEN)
    keep_masked(s, what, (const unsigned char *)b64 + TEXT_SKIP, TEXT_LEN);
}

/* An oct key; via_jwk: imported from a JWK, whose "k" text is kept as the secret *text too. */
static void make_oct(tkey *k, tsecret *sec, const char *what, wb_alg alg, size_t len, bool via_jwk,
                     tsecret *text) {
  unsigned char secret[MAX_SECRET];
  char b64[WB_B64URL_ENCODED_LEN(MAX_SECRET) + 1], jwk[160];
  k->alg = alg;
  CHECK(RAND_bytes(secret, (int)len) == 1);
  keep_masked(sec, what, secret, len);
  if (!via_jwk) {
    CHECK_ST(wb_key_from_secret(&k->key, secret, len, NULL), WB_OK);
  } else {
    CHECK_ST(wb_b64url_encode(b64, sizeof(b64), secret, len, NULL, NULL), WB_OK);
    keep_text(text, "HS384 secret as base64url (JWK \"k\")", b64);
    int n = snprintf(jwk, sizeof(jwk), "{\"kty\":\"oct\",\"k\":\"%s\"}", b64);
    CHECK_ST(wb_key_from_jwk(&k->key, jwk, (size_t)n, NULL), WB_OK);
    OPENSSL_cleanse(jwk, sizeof(jwk));
    OPENSSL_cleanse(b64, sizeof(b64));
  }
  OPENSSL_cleanse(secret, sizeof(secret));
}

/* The private member "d" of key, decoded into d (the test's copy: wiped by the caller). */
static size_t private_d(const wb_key *key, unsigned char *d, size_t cap) {
  char *jwk = NULL;
  size_t n = 0;
  CHECK_ST(wb_key_to_jwk(key, WB_KEY_PRIVATE, &jwk, NULL), WB_OK);
  const char *p = jwk != NULL ? strstr(jwk, "\"d\":\"") : NULL;
  CHECK(p != NULL);
  if (p != NULL) {
    p += 5;
    CHECK_ST(wb_b64url_decode(d, cap, p, strcspn(p, "\""), &n, NULL), WB_OK);
  }
  wb_string_free(jwk);
  return n;
}

/* A generated key; via_jwk: the key used is its private JWK imported again (the JWK import path),
 * and the text of its "d" is kept as the secret *text too. */
static void make_pkey(tkey *k, tsecret *sec, const char *what, wb_alg alg, wb_crv crv, bool via_jwk,
                      tsecret *text) {
  unsigned char d[MAX_SECRET];
  wb_kty kty = crv == WB_CRV_P256 ? WB_KTY_EC : WB_KTY_OKP;
  k->alg = alg;
  CHECK_ST(wb_key_generate(&k->key, kty, crv, 0, NULL), WB_OK);
  keep_masked(sec, what, d, private_d(k->key, d, sizeof(d)));
  sec->also_reversed = kty == WB_KTY_EC;
  OPENSSL_cleanse(d, sizeof(d));
  if (!via_jwk)
    return;
  char *jwk = NULL;
  CHECK_ST(wb_key_to_jwk(k->key, WB_KEY_PRIVATE, &jwk, NULL), WB_OK);
  const char *d64 = jwk != NULL ? strstr(jwk, "\"d\":\"") : NULL;
  CHECK(d64 != NULL);
  if (d64 != NULL) {
    char b64[128] = "";
    snprintf(b64, sizeof(b64), "%.*s", (int)strcspn(d64 + 5, "\""), d64 + 5);
    keep_text(text, "Ed448 seed as base64url (JWK \"d\")", b64);
    OPENSSL_cleanse(b64, sizeof(b64));
  }
  wb_key_free(k->key);
  k->key = NULL;
  CHECK_ST(wb_key_from_jwk(&k->key, jwk, jwk != NULL ? strlen(jwk) : 0, NULL), WB_OK);
  wb_string_free(jwk);
}

/* The SipHash pool and its key, as a verification cache holds them. */
static wb_pool_ref sip_pool;
static unsigned char sip_key[16];

static void make_siphash(tsecret *sec) {
  static const uint64_t c0 = 0x736f6d6570736575ULL, c2 = 0x6c7967656e657261ULL; /* SipHash's IV */
  uint64_t k0, v0, v2;
  atomic_init(&sip_pool, NULL);
  CHECK(RAND_bytes(sip_key, sizeof(sip_key)) == 1);
  keep_masked(&sec[0], "SipHash key", sip_key, sizeof(sip_key));
  memcpy(&k0, sip_key, sizeof(k0)); /* SipHash reads its key little-endian: this host's order */
  v0 = k0 ^ c0;
  v2 = k0 ^ c2;
  keep_masked(&sec[1], "SipHash state v0", (const unsigned char *)&v0, sizeof(v0));
  keep_masked(&sec[2], "SipHash state v2", (const unsigned char *)&v2, sizeof(v2));
  k0 = v0 = v2 = 0;
}

/* The A256KW key, an encrypter and a decrypter for it (A256GCM). */
static wb_key *kw_key;
static wb_encrypter *kw_enc;
static wb_decrypter *kw_dec;

static void make_jwe(tsecret *sec) {
  unsigned char secret[32];
  CHECK(RAND_bytes(secret, sizeof(secret)) == 1);
  keep_masked(&sec[0], "A256KW secret", secret, sizeof(secret));
  keep_masked(&sec[1], "A256KW secret, first half (AES round key 0)", secret, 16);
  CHECK_ST(wb_key_from_secret(&kw_key, secret, sizeof(secret), NULL), WB_OK);
  OPENSSL_cleanse(secret, sizeof(secret));
  CHECK_ST(wb_encrypter_new(&kw_enc, kw_key, WB_JWE_A256KW, WB_ENC_A256GCM, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&kw_dec, kw_key, NULL), WB_OK);
  if (kw_dec != NULL)
    keep_masked(&sec[2], "JWE decrypter's substitute CEK", kw_dec->substitute, sizeof(kw_dec->substitute));
}

/* Encrypts and decrypts with the A256KW key, and a token with a changed encrypted key fails. */
static bool use_jwe(unsigned seed) {
  char msg[64], *token = NULL;
  unsigned char *pt = NULL;
  size_t len = 0, n = 0;
  int m = snprintf(msg, sizeof(msg), "{\"secret\":\"s%u\"}", seed);
  bool ok = wb_jwe_encrypt(kw_enc, (const unsigned char *)msg, (size_t)m, &token, &len, NULL) == WB_OK &&
            wb_jwe_decrypt(kw_dec, token, len, &pt, &n, NULL) == WB_OK && n == (size_t)m &&
            memcmp(pt, msg, n) == 0;
  wb_plaintext_free(pt, n);
  char *ek = token != NULL ? strchr(token, '.') : NULL;
  if (ek != NULL) /* the encrypted key's first character: the unwrap fails, the substitute is used */
    ek[1] = ek[1] == 'A' ? 'B' : 'A';
  pt = NULL;
  ok = ok && wb_jwe_decrypt(kw_dec, token, len, &pt, &n, NULL) == WB_ERR_DECRYPT_FAILED && pt == NULL;
  wb_string_free(token);
  return ok;
}

static void make_users(tkey *k) {
  CHECK_ST(wb_signer_new(&k->signer, k->key, k->alg, NULL), WB_OK);
  CHECK_ST(wb_verifier_new_key(&k->verifier, k->key, NULL), WB_OK);
  if (k->alg != WB_ALG_HS256 && k->alg != WB_ALG_HS384 && k->alg != WB_ALG_HS512)
    CHECK_ST(wb_verifier_enable_cache(k->verifier, 64, NULL), WB_OK);
}

/* ---- the work: sign and verify with every key ---------------------------------------------------- */

static atomic_int failures;

static void use_keys(unsigned seed) {
  for (int i = 0; i < ITERATIONS; i++) {
    for (size_t j = 0; j < NKEYS; j++) {
      char payload[96], *token = NULL;
      size_t len = 0;
      int n = snprintf(payload, sizeof(payload), "{\"sub\":\"u%u-%d\",\"exp\":4102444800}", seed, i % 8);
      if (wb_jws_sign(keys[j].signer, (const unsigned char *)payload, (size_t)n, &token, &len, NULL) !=
              WB_OK ||
          wb_verify(keys[j].verifier, token, len, NULL, NULL) != WB_OK)
        atomic_fetch_add(&failures, 1);
      if (token != NULL && len > 0) /* a forged twin must fail */
        token[len - 1] = token[len - 1] == 'A' ? 'B' : 'A';
      if (token != NULL && wb_verify(keys[j].verifier, token, len, NULL, NULL) == WB_OK)
        atomic_fetch_add(&failures, 1);
      wb_string_free(token);
    }
    unsigned char tag[16];
    if (wb__siphash128(&sip_pool, sip_key, "token", 5, tag, NULL) != WB_OK)
      atomic_fetch_add(&failures, 1);
    if (!use_jwe(seed))
      atomic_fetch_add(&failures, 1);
  }
}

/* Phases: the workers warm up their per-thread OpenSSL state, then work, then wait for the scan. */
static pthread_barrier_t warmed, worked, scanned;

/* Per-thread OpenSSL state that lives with the thread, not with any key: the error queue and the
 * random generators. Set up before the baseline is counted. (Threads count failures atomically:
 * CHECK is for the main thread.) */
static void warm_thread(void) {
  unsigned char b[16];
  ERR_clear_error();
  if (RAND_bytes(b, sizeof(b)) != 1 || RAND_priv_bytes(b, sizeof(b)) != 1)
    atomic_fetch_add(&failures, 1);
}

static void *worker(void *arg) {
  warm_thread();
  pthread_barrier_wait(&warmed); /* main counts the baseline */
  pthread_barrier_wait(&warmed);
  use_keys((unsigned)(size_t)arg);
  pthread_barrier_wait(&worked); /* main frees everything and scans */
  pthread_barrier_wait(&scanned);
  return NULL;
}

/* ---- scanning the process's writable memory -------------------------------------------------------- */

/* Occurrences of secret k (forward, and reversed when asked) in buf[0..n), which was read from
 * address base of the mapping `where`; each is reported. */
static int count_in(const unsigned char *buf, size_t n, const tsecret *k, uintptr_t base, const char *where) {
  int found = 0;
  if (n < k->len)
    return 0;
  for (int rev = 0; rev <= (k->also_reversed ? 1 : 0); rev++) {
    size_t first = rev ? k->len - 1 : 0;
    unsigned char c0 = (unsigned char)(k->masked[first] ^ MASK);
    for (const unsigned char *p = buf; (p = memchr(p, c0, n - (size_t)(p - buf))) != NULL; p++) {
      if ((size_t)(p - buf) + k->len > n)
        break;
      size_t i = 0;
      while (i < k->len && (unsigned char)(p[i] ^ MASK) == k->masked[rev ? k->len - 1 - i : i])
        i++;
      if (i < k->len)
        continue;
      found++;
      fprintf(stderr, "%s%s: a copy at %#lx in %s", k->what, rev ? " (reversed)" : "",
              (unsigned long)(base + (size_t)(p - buf)), where);
    }
  }
  return found;
}

#define CHUNK (1u << 20)

/* Reads [start, end) through /proc/self/mem in chunks (pages that cannot be read are skipped) and
 * counts each key's secret. Chunks overlap by MAX_SECRET bytes so no occurrence is cut. */
static void scan_range(int mem, unsigned char *buf, uintptr_t start, uintptr_t end, const char *where,
                       int found[NSECRETS]) {
  for (uintptr_t a = start; a < end;) {
    size_t want = end - a < CHUNK ? (size_t)(end - a) : CHUNK;
    ssize_t got = pread(mem, buf, want, (off_t)a);
    if (got <= 0) { /* an unreadable page: step over it */
      a = (a + 4096) & ~(uintptr_t)4095;
      continue;
    }
    for (size_t j = 0; j < NSECRETS; j++)
      found[j] += count_in(buf, (size_t)got, &secrets[j], a, where);
    if ((size_t)got < want || a + (size_t)got >= end)
      a += (size_t)got;
    else
      a += (size_t)got - MAX_SECRET;
  }
}

/* Scans every writable private or anonymous mapping; regions over 1 GiB (sanitizer shadow) are skipped. */
static void scan_memory(int found[NSECRETS]) {
  FILE *maps = fopen("/proc/self/maps", "r");
  int mem = open("/proc/self/mem", O_RDONLY);
  unsigned char *buf = malloc(CHUNK); /* holds one chunk at a time: never more than was read */
  CHECK(maps != NULL && mem >= 0 && buf != NULL);
  char line[512];
  size_t regions = 0;
  while (maps != NULL && mem >= 0 && buf != NULL && fgets(line, sizeof(line), maps) != NULL) {
    unsigned long start, end;
    char perms[5];
    if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3 || perms[0] != 'r' || perms[1] != 'w')
      continue;
    if (strstr(line, "[vvar]") != NULL || strstr(line, "[vsyscall]") != NULL || end - start > (1ul << 30))
      continue;
    scan_range(mem, buf, start, end, line, found);
    regions++;
  }
  CHECK(regions > 0);
  free(buf);
  if (mem >= 0)
    close(mem);
  if (maps != NULL)
    fclose(maps);
}

/* ---- the test ------------------------------------------------------------------------------------------ */

/* The keys of the test, their signers and verifiers, and the SipHash pool's key. */
static void make_all(void) {
  make_oct(&keys[0], &secrets[0], "HS256 secret", WB_ALG_HS256, 32, false, NULL);
  make_oct(&keys[1], &secrets[1], "HS384 secret (JWK)", WB_ALG_HS384, 48, true, &secrets[JWK_TEXTS]);
  make_oct(&keys[2], &secrets[2], "HS512 secret", WB_ALG_HS512, 64, false, NULL);
  make_pkey(&keys[3], &secrets[3], "Ed25519 seed", WB_ALG_EDDSA, WB_CRV_ED25519, false, NULL);
  make_pkey(&keys[4], &secrets[4], "P-256 scalar", WB_ALG_ES256, WB_CRV_P256, false, NULL);
  make_pkey(&keys[5], &secrets[5], "Ed448 seed (JWK)", WB_ALG_EDDSA, WB_CRV_ED448, true,
            &secrets[JWK_TEXTS + 1]);
  make_siphash(&secrets[NKEYS]);
  make_jwe(&secrets[JWE_SECRETS]);
  for (size_t j = 0; j < NKEYS; j++)
    make_users(&keys[j]);
}

/* Frees every signer, verifier and key, the SipHash pool (what wb__vcache_free does), and the
 * encrypter, decrypter and key of JWE. */
static void free_all(void) {
  for (size_t j = 0; j < NKEYS; j++) {
    wb_signer_free(keys[j].signer);
    wb_verifier_free(keys[j].verifier);
    wb_key_free(keys[j].key);
  }
  wb__pool_free(&sip_pool);
  OPENSSL_cleanse(sip_key, sizeof(sip_key));
  wb_encrypter_free(kw_enc);
  wb_decrypter_free(kw_dec);
  wb_key_free(kw_key);
  kw_enc = NULL, kw_dec = NULL, kw_key = NULL;
}

/* One round of everything before the baseline, in the main thread: process-wide OpenSSL state
 * (fetched algorithms, method caches) and the main thread's per-thread state exist from then on. */
static void warm_up(void) {
  warm_thread();
  make_all();
  use_keys(99);
  free_all();
  memset(keys, 0, sizeof(keys));
  memset(secrets, 0, sizeof(secrets));
}

int main(void) {
  CHECK(CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1);
  warm_up();
  pthread_t t[THREADS];
  pthread_barrier_init(&warmed, NULL, THREADS + 1);
  pthread_barrier_init(&worked, NULL, THREADS + 1);
  pthread_barrier_init(&scanned, NULL, THREADS + 1);
  for (size_t i = 0; i < THREADS; i++)
    CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
  pthread_barrier_wait(&warmed);
  long baseline = atomic_load(&live_allocs);

  make_all();
  pthread_barrier_wait(&warmed); /* the workers start */
  use_keys(THREADS);
  pthread_barrier_wait(&worked);
  CHECK(atomic_load(&failures) == 0);

  free_all();
  long left = atomic_load(&live_allocs) - baseline;
  if (left != 0)
    fprintf(stderr, "%ld OpenSSL allocations made for the keys outlive them\n", left);
  CHECK(left == 0);

  int found[NSECRETS] = {0};
  scan_memory(found);
  for (size_t j = 0; j < NSECRETS; j++) {
    if (found[j] != 0)
      fprintf(stderr, "%s: %d copies left in memory after every free\n", secrets[j].what, found[j]);
    CHECK(found[j] == 0);
  }
  pthread_barrier_wait(&scanned);
  for (size_t i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  pthread_barrier_destroy(&warmed);
  pthread_barrier_destroy(&worked);
  pthread_barrier_destroy(&scanned);
  return CHECK_DONE();
}
#endif
