/* SPDX-License-Identifier: MIT */
/*
 * server/server.c - the life of `wristband serve` (server.h). Signals are blocked in every
 * thread and taken synchronously by the main thread (sigtimedwait), which also runs the upkeep
 * once a second; the HTTP workers never see a signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "http.h"
#include "server.h"

#define PEM_MAX        (1024 * 1024)
#define PURGE_EVERY_S  60
#define DRAIN_WAIT_S   30
#define LISTEN_HOSTMAX 256

/* Splits HOST:PORT at the last colon ([v6]:PORT keeps its brackets in host). */
static srv_status split_listen(const char *listen, char host[LISTEN_HOSTMAX], char port[8], srv_error *err) {
  const char *colon = strrchr(listen, ':');
  size_t hl = colon != NULL ? (size_t)(colon - listen) : 0;
  size_t pl = colon != NULL ? strlen(colon + 1) : 0;
  if (colon == NULL || hl == 0 || hl >= LISTEN_HOSTMAX || pl == 0 || pl > 5 ||
      strspn(colon + 1, "0123456789") != pl || atoi(colon + 1) > 65535)
    return srv_fail(err, SRV_ERR_CONFIG, "--listen %s: expected HOST:PORT", listen);
  memcpy(host, listen, hl);
  host[hl] = '\0';
  memcpy(port, colon + 1, pl + 1);
  return SRV_OK;
}

static srv_status read_pem(const char *path, const char *what, char **out, srv_error *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return srv_fail(err, SRV_ERR_CONFIG, "%s %s: %s", what, path, strerror(errno));
  char *buf = malloc(PEM_MAX + 1);
  size_t n = buf != NULL ? fread(buf, 1, PEM_MAX + 1, f) : 0;
  fclose(f);
  if (buf == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  if (n == 0 || n > PEM_MAX || strstr(buf, "-----BEGIN") == NULL) {
    OPENSSL_cleanse(buf, PEM_MAX + 1);
    free(buf);
    return srv_fail(err, SRV_ERR_CONFIG, "%s %s: not a PEM file", what, path);
  }
  buf[n] = '\0';
  *out = buf;
  return SRV_OK;
}

static void free_pem(char *pem) {
  if (pem != NULL) {
    OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
  }
}

static unsigned worker_threads(const srv_config *cfg) {
  if (cfg->threads > 0)
    return (unsigned)cfg->threads;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 2 ? (unsigned)(2 * cpus) : 4;
}

static int no_user_yet(void *ctx, const store_user *u) {
  (void)u;
  *(int *)ctx = 0;
  return 1;
}

static void log_signing_key(srv *s, const char *why) {
  keyring *r = keys_acquire(&s->keys);
  if (r != NULL)
    fprintf(stderr, "wristband: %s: signing with key %s (%s)\n", why, r->signing_kid, r->signing_alg);
  keyring_release(r);
}

/* Once a second: pick up key changes; every heartbeat period extend the signing key; every
 * minute purge. Failures are logged and retried on the next tick. */
static void upkeep(srv *s, int64_t *last_beat, int64_t *last_purge) {
  srv_error err;
  int64_t now = clock_now_s();
  if (now - *last_beat >= KEYS_HEARTBEAT_S || now < *last_beat) {
    int switched = 0;
    if (keys_heartbeat(&s->keys, &switched, &err) != SRV_OK)
      fprintf(stderr, "wristband: error: key heartbeat: %s\n", err.message);
    else if (switched)
      log_signing_key(s, "the signing key is no longer in the store");
    *last_beat = now;
  }
  if (keys_refresh(&s->keys, 0, &err) != SRV_OK)
    fprintf(stderr, "wristband: error: reading keys: %s\n", err.message);
  if (now - *last_purge >= PURGE_EVERY_S || now < *last_purge) {
    if (s->st->ops->purge(s->st, clock_now_us(), s->cfg->refresh_max_s * 1000000, &err) != SRV_OK)
      fprintf(stderr, "wristband: error: purge: %s\n", err.message);
    *last_purge = now;
  }
}

/* Waits for SIGTERM / SIGINT, reloading keys on SIGHUP and running the upkeep. */
static void serve_until_stopped(srv *s, const sigset_t *signals) {
  int64_t last_beat = clock_now_s(), last_purge = 0;
  for (;;) {
    struct timespec tick = {1, 0};
    int sig = sigtimedwait(signals, NULL, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      fprintf(stderr, "wristband: %s: finishing requests in flight, then exiting\n",
              sig == SIGTERM ? "SIGTERM" : "SIGINT");
      return;
    }
    if (sig == SIGHUP) {
      srv_error err;
      if (keys_reload_signer(&s->keys, &err) != SRV_OK)
        fprintf(stderr, "wristband: error: SIGHUP: %s (keeping the current key)\n", err.message);
      else
        log_signing_key(s, "SIGHUP");
      last_beat = clock_now_s();
    }
    upkeep(s, &last_beat, &last_purge);
  }
}

/* Listen, open and start; on success *h runs. */
static srv_status start(const srv_config *cfg, srv *s, http_server **h, const char *host, const char *port,
                        srv_error *err) {
  char *cert = NULL, *key = NULL;
  http_listener l = {-1, 0, 0};
  srv_status st = SRV_OK;
  if ((cfg->tls_cert != NULL) != (cfg->tls_key != NULL))
    st = srv_fail(err, SRV_ERR_CONFIG, "--tls-cert and --tls-key go together");
  if (st == SRV_OK && cfg->tls_cert != NULL)
    st = read_pem(cfg->tls_cert, "--tls-cert", &cert, err);
  if (st == SRV_OK && cfg->tls_key != NULL)
    st = read_pem(cfg->tls_key, "--tls-key", &key, err);
  if (st == SRV_OK)
    st = http_listen(host, port, &l, err);
  char issuer[512];
  snprintf(issuer, sizeof(issuer), "%s://%s:%u", cert != NULL ? "https" : "http", host, l.port);
  if (st == SRV_OK)
    st = srv_open(s, cfg, SRV_MODE_SERVE, cfg->issuer != NULL ? cfg->issuer : issuer, err);
  http_options o = {
      worker_threads(cfg), (unsigned)cfg->max_connections, (unsigned)cfg->connection_timeout_s, cert, key,
      cfg->insecure_http};
  if (st == SRV_OK) {
    st = http_start(h, s, &o, &l, err);
    if (st != SRV_OK)
      srv_close(s);
  }
  if (l.fd >= 0)
    close(l.fd);
  if (st == SRV_OK) {
    printf("wristband: listening on %s\n", issuer);
    fflush(stdout);
  }
  free_pem(cert);
  free_pem(key);
  return st;
}

srv_status server_run(const srv_config *cfg, srv_error *err) {
  char host[LISTEN_HOSTMAX], port[8];
  srv_status st = split_listen(cfg->listen, host, port, err);
  if (st != SRV_OK)
    return st;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, NULL); /* before any thread starts: they inherit it */
  signal(SIGPIPE, SIG_IGN);
  srv s;
  http_server *h = NULL;
  st = start(cfg, &s, &h, host, port, err);
  if (st != SRV_OK)
    return st;
  log_signing_key(&s, "started");
  int none = 1;
  char url[1024];
  store_url_redacted(cfg->store_url, url, sizeof(url));
  if (s.st->ops->user_list(s.st, no_user_yet, &none, NULL) == SRV_OK && none)
    fprintf(stderr, "wristband: no users yet: add one with  wristband user add NAME --store %s\n", url);
  serve_until_stopped(&s, &signals);
  http_stop(h, DRAIN_WAIT_S);
  srv_close(&s);
  return SRV_OK;
}
