/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/access_test.c - access-token checks across servers and the session calls'
 * refusals (issue 16): a token signed by another server of the same store with a key `keys
 * rotate` just added, of another algorithm, verifies here at once (the keys are re-read on an
 * unknown kid or algorithm: before, "alg_not_allowed" until the next second's re-read), a token
 * with a kid the store never had does not; ending the session a token belongs to with that token
 * revokes the token itself; a logout of an unknown scope is refused and ends nothing; an
 * authentication with no error record still fails.
 */
#include "clock.h"
#include "fixture.h"
#include "session.h"
#include "users.h"

#define PASSWORD "correct horse battery"

static const session_meta meta = {"test-agent", "192.0.2.3", NULL, NULL};

static void test_key_from_another_server(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX], kid[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  session_tokens t;
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL), SRV_OK);
  session_auth a;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &a, NULL), SRV_OK); /* keys read */
  session_auth_clear(&a);
  session_tokens_clear(&t);
  /* A second server on the same store rotates and signs with the new key at once. */
  srv other;
  CHECK_SRV(srv_open(&other, &f.cfg, SRV_MODE_SERVE, "https://issuer.test", NULL), SRV_OK);
  CHECK_SRV(keys_rotate(other.st, &other.kek, WB_ALG_EDDSA, kid, NULL), SRV_OK);
  CHECK_SRV(keys_reload_signer(&other.keys, NULL), SRV_OK);
  CHECK_SRV(session_login(&other, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL), SRV_OK);
  CHECK(strstr(t.access_token, ".") != NULL);
  srv_error e;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 1, &a, &e), SRV_OK);
  CHECK(a.acc.name != NULL && strcmp(a.acc.name, "alice") == 0);
  session_auth_clear(&a);
  session_tokens_clear(&t);
  /* A kid no server of this store ever had (a key of its own, same algorithm): still refused
   * after the keys were re-read. */
  wb_key *foreign = NULL;
  wb_signer *signer = NULL;
  CHECK(wb_key_generate_for_alg(&foreign, WB_ALG_ES256, 0, 0, NULL) == WB_OK);
  CHECK_SRV(tok_signer_new(&signer, foreign, NULL), SRV_OK);
  tok_mint m = {.issuer = "https://issuer.test",
                .audience = "https://issuer.test",
                .sub = sub,
                .sid = "AAAAAAAAAAAAAAAAAAAAAA",
                .scope = "openid",
                .roles = "[]",
                .iat = clock_now_s(),
                .exp = clock_now_s() + 60};
  char *token = NULL, jti[TOK_JTI_MAX];
  size_t len = 0;
  CHECK_SRV(tok_mint_access(signer, &m, &token, &len, jti, NULL), SRV_OK);
  CHECK_SRV(session_authenticate(&f.s, token, len, 0, &a, &e), SRV_ERR_INVALID_TOKEN);
  CHECK(strstr(e.message, "key_not_found") != NULL && a.ring == NULL);
  CHECK_SRV(session_authenticate(&f.s, token, len, 0, &a, NULL), SRV_ERR_INVALID_TOKEN);
  wb_string_free(token);
  wb_signer_free(signer);
  wb_key_free(foreign);
  srv_close(&other);
  fx_done(&f);
}

static void test_end_own_session_and_bad_scope(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  session_tokens t;
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL), SRV_OK);
  session_auth a;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &a, NULL), SRV_OK);
  srv_error e;
  CHECK_SRV(session_logout(&f.s, &a, (logout_scope)99, &e), SRV_ERR_INVALID_REQUEST);
  session_auth b;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &b, NULL),
            SRV_OK); /* nothing ended */
  session_auth_clear(&b);
  char sid[STORE_ID_MAX];
  snprintf(sid, sizeof(sid), "%s", a.tok.sid);
  CHECK_SRV(session_end(&f.s, &a, sid, NULL), SRV_OK);
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &b, &e), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(session_end(&f.s, &a, sid, &e), SRV_ERR_NOT_FOUND); /* ended already */
  session_auth_clear(&a);
  session_tokens_clear(&t);
  fx_done(&f);
}

int main(void) {
  test_key_from_another_server();
  test_end_own_session_and_bad_scope();
  return CHECK_DONE();
}
