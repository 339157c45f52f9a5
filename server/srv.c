/* SPDX-License-Identifier: MIT */
/*
 * server/srv.c - opening and closing the shared server context (srv.h).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "srv.h"

srv_status srv_load_kek(srv *s, srv_error *err) {
  return kek_load(&s->kek, s->cfg->kek_file, store_sqlite_path(s->cfg->store_url), 1, err);
}

srv_status srv_open(srv *s, const srv_config *cfg, srv_mode mode, const char *issuer, srv_error *err) {
  memset(s, 0, sizeof(*s));
  s->cfg = cfg;
  metrics_init(&s->metrics);
  if (issuer != NULL) {
    const char *audience = cfg->audience != NULL ? cfg->audience : issuer;
    /* cut short, every token's iss or aud would name another issuer, and discovery too */
    if (strlen(issuer) >= sizeof(s->issuer) || strlen(audience) >= sizeof(s->audience))
      return srv_fail(err, SRV_ERR_CONFIG, "--issuer and --audience are at most %zu bytes",
                      sizeof(s->issuer) - 1);
    snprintf(s->issuer, sizeof(s->issuer), "%s", issuer);
    snprintf(s->audience, sizeof(s->audience), "%s", audience);
  }
  srv_status st = pw_init(&s->pw, (unsigned)cfg->argon2_ops, (unsigned)cfg->argon2_memory_kib, err);
  if (st == SRV_OK)
    st = store_open(&s->st, cfg->store_url, err);
  if (st == SRV_OK && cfg->busy_timeout_s > 0)
    store_set_busy_timeout(s->st, cfg->busy_timeout_s * 1000);
  if (st != SRV_OK || mode != SRV_MODE_SERVE)
    goto out;
  wb_alg alg = keys_parse_alg(cfg->signing_alg);
  if (alg == WB_ALG_INVALID) {
    st = srv_fail(err, SRV_ERR_CONFIG, "--signing-alg %s: use ES256, EdDSA or RS256", cfg->signing_alg);
    goto out;
  }
  st = srv_load_kek(s, err);
  if (st == SRV_OK)
    st = keys_refresh_secret(s->st, &s->kek, s->refresh_secret, err);
  if (st == SRV_OK)
    st = keys_init(&s->keys, s->st, &s->kek, s->issuer, s->audience, cfg->access_ttl_s, alg, 1, err);
  s->have_keys = st == SRV_OK;
  if (st == SRV_OK)
    st = dpop_init(&s->dpop, s->st, cfg->dpop_nonce, s->refresh_secret, err);
  s->have_dpop = st == SRV_OK;
out:
  if (st != SRV_OK)
    srv_close(s);
  return st;
}

void srv_close(srv *s) {
  if (s->have_dpop)
    dpop_free(&s->dpop);
  s->have_dpop = 0;
  if (s->have_keys)
    keys_free(&s->keys);
  s->have_keys = 0;
  store_close(s->st);
  s->st = NULL;
  kek_wipe(&s->kek);
  OPENSSL_cleanse(s->refresh_secret, sizeof(s->refresh_secret));
}
