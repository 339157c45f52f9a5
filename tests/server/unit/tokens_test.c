/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/tokens_test.c - the server's token formats (server/tokens.c) at their edges
 * (issue 16): an access token minted without a user name, client id or custom claims has none of
 * those claims; a DPoP thumbprint that is not one is refused before signing; the roles of a token
 * signed elsewhere with the same key go into the forward-auth header only when they are safe in
 * it, whole, and within its size; a token whose sid or cnf.jkt has the wrong type is no access
 * token. Refresh tokens: a negative counter or a session id that is not one is refused when
 * making; a token of another version, of the right length with a foreign character, or tampered
 * is "invalid_grant" when parsing.
 */
#include "clock.h"
#include "fixture.h"
#include "tokens.h"

static wb_key *key;
static wb_signer *signer;
static wb_verifier *verifier;

static tok_mint base(void) {
  tok_mint m = {0};
  m.issuer = "https://issuer.test";
  m.audience = "https://issuer.test";
  m.sub = "user-1";
  m.sid = "AAAAAAAAAAAAAAAAAAAAAA";
  m.scope = "openid";
  m.roles = "[]";
  m.iat = clock_now_s();
  m.exp = m.iat + 300;
  return m;
}

/* Mints m and verifies it into a (SRV_OK), or returns the failure. */
static srv_status mint_verify(const tok_mint *m, tok_access *a, srv_error *e) {
  char *token = NULL, jti[TOK_JTI_MAX];
  size_t len = 0;
  memset(a, 0, sizeof(*a));
  srv_status st = tok_mint_access(signer, m, &token, &len, jti, e);
  if (st == SRV_OK)
    st = tok_verify_access(verifier, token, len, a, e);
  wb_string_free(token);
  return st;
}

static void test_minimal_claims(void) {
  tok_mint m = base();
  tok_access a;
  CHECK_SRV(mint_verify(&m, &a, NULL), SRV_OK);
  CHECK(strcmp(a.username, "") == 0 && strcmp(a.jkt, "") == 0);
  CHECK(wb_claims_type(a.claims, "preferred_username") == WB_JSON_ABSENT &&
        wb_claims_type(a.claims, "client_id") == WB_JSON_ABSENT &&
        wb_claims_type(a.claims, "cnf") == WB_JSON_ABSENT);
  tok_access_clear(&a);
  m.client_id = "";
  m.claims = "{}";
  m.jkt = "";
  CHECK_SRV(mint_verify(&m, &a, NULL), SRV_OK);
  CHECK(wb_claims_type(a.claims, "client_id") == WB_JSON_ABSENT &&
        wb_claims_type(a.claims, "cnf") == WB_JSON_ABSENT);
  tok_access_clear(&a);
  tok_access_clear(NULL);
}

static void test_bad_thumbprints(void) {
  static const char *const bad[] = {"short", "0123456789012345678901234567890123456789012=",
                                    "0123456789012345678901234567890123456789012\"",
                                    "01234567890123456789012345678901234567890123"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    tok_mint m = base();
    m.jkt = bad[i];
    char *token = NULL, jti[TOK_JTI_MAX];
    size_t len = 0;
    srv_error e;
    CHECK_SRV(tok_mint_access(signer, &m, &token, &len, jti, &e), SRV_ERR_CRYPTO);
    CHECK(token == NULL && len == 0 && strstr(e.message, "sign access token") != NULL);
  }
  tok_mint m = base();
  m.jkt = "0123456789012345678901234567890123456789-_a"; /* 43 base64url characters */
  tok_access a;
  CHECK_SRV(mint_verify(&m, &a, NULL), SRV_OK);
  CHECK(strcmp(a.jkt, m.jkt) == 0);
  tok_access_clear(&a);
}

static void test_roles_header(void) {
  tok_mint m = base();
  m.roles = "[\"a,b\",\"ok\",5,\"sp ace\",\"tab\\t\",\"caf\\u00e9\",\"x\",\"\\u007f\"]";
  tok_access a;
  CHECK_SRV(mint_verify(&m, &a, NULL), SRV_OK);
  char buf[64];
  tok_roles_csv(&a, buf, sizeof(buf));
  CHECK(strcmp(buf, "ok,x") == 0);
  tok_roles_csv(&a, buf, 4); /* "ok" fits, ",x" does not: whole roles only */
  CHECK(strcmp(buf, "ok") == 0);
  tok_roles_csv(&a, buf, 2); /* not even the first */
  CHECK(strcmp(buf, "") == 0);
  CHECK(tok_has_role(&a, "ok") && !tok_has_role(&a, "a"));
  tok_access_clear(&a);
  m.roles = "\"admin\""; /* not an array: no roles at all */
  CHECK_SRV(mint_verify(&m, &a, NULL), SRV_OK);
  tok_roles_csv(&a, buf, sizeof(buf));
  CHECK(strcmp(buf, "") == 0 && !tok_has_role(&a, "admin"));
  char *roles = tok_roles_json(&a);
  CHECK(roles != NULL && strcmp(roles, "\"admin\"") == 0);
  free(roles);
  tok_access_clear(&a);
}

static void test_claim_types(void) {
  tok_mint m = base();
  tok_access a;
  srv_error e;
  m.claims = "{\"cnf\":{\"jkt\":5}}"; /* custom claims come first; cnf is only the server's when bound */
  CHECK_SRV(mint_verify(&m, &a, &e), SRV_ERR_INVALID_TOKEN);
  CHECK(a.claims == NULL && a.sub == NULL);
  m.claims = "{\"preferred_username\":[\"x\"]}";
  m.username = NULL;
  CHECK_SRV(mint_verify(&m, &a, &e), SRV_ERR_INVALID_TOKEN);
  CHECK(a.claims == NULL);
  m.claims = "{\"team\":\"blue\"}";
  CHECK_SRV(mint_verify(&m, &a, NULL), SRV_OK);
  const char *team = NULL;
  CHECK(wb_claims_get_string(a.claims, "team", &team, NULL) == WB_OK && strcmp(team, "blue") == 0);
  tok_access_clear(&a);
}

static void test_refresh_tokens(void) {
  unsigned char secret[TOK_SECRET_LEN];
  memset(secret, 7, sizeof(secret));
  char rt[TOK_REFRESH_LEN + 1], sid[STORE_ID_MAX];
  int64_t counter = -1;
  srv_error e;
  CHECK_SRV(tok_refresh_make(secret, "AAAAAAAAAAAAAAAAAAAAAA", -1, rt, &e), SRV_ERR_INTERNAL);
  CHECK(rt[0] == '\0');
  CHECK_SRV(tok_refresh_make(secret, "not a session id", 0, rt, &e), SRV_ERR_INTERNAL);
  CHECK_SRV(tok_refresh_make(secret, "AAAAAAAAAAAAAAAAAAAA", 0, rt, &e), SRV_ERR_INTERNAL); /* 15 bytes */
  CHECK_SRV(tok_refresh_make(secret, "AAAAAAAAAAAAAAAAAAAAAA", INT64_MAX, rt, NULL), SRV_OK);
  CHECK_SRV(tok_refresh_parse(secret, rt, strlen(rt), sid, &counter, NULL), SRV_OK);
  CHECK(counter == INT64_MAX && strcmp(sid, "AAAAAAAAAAAAAAAAAAAAAA") == 0);
  CHECK(tok_looks_like_refresh(rt, strlen(rt)));
  /* the version byte is the first of the raw bytes: 'A' (0) there is version 0 */
  char other[TOK_REFRESH_LEN + 1];
  memcpy(other, rt, sizeof(other));
  other[0] = 'A';
  other[1] = 'A';
  CHECK_SRV(tok_refresh_parse(secret, other, strlen(other), sid, &counter, &e), SRV_ERR_INVALID_GRANT);
  CHECK(sid[0] == '\0' && counter == 0);
  memcpy(other, rt, sizeof(other));
  other[40] = '.';
  CHECK(!tok_looks_like_refresh(other, strlen(other)));
  CHECK_SRV(tok_refresh_parse(secret, other, strlen(other), sid, &counter, &e), SRV_ERR_INVALID_GRANT);
  memcpy(other, rt, sizeof(other));
  other[TOK_REFRESH_LEN - 2] = other[TOK_REFRESH_LEN - 2] == 'B' ? 'C' : 'B'; /* the tag */
  CHECK_SRV(tok_refresh_parse(secret, other, strlen(other), sid, &counter, &e), SRV_ERR_INVALID_GRANT);
  CHECK_SRV(tok_refresh_parse(secret, rt, strlen(rt) - 1, sid, &counter, &e), SRV_ERR_INVALID_GRANT);
}

int main(void) {
  CHECK(wb_key_generate_for_alg(&key, WB_ALG_ES256, 0, 0, NULL) == WB_OK);
  wb_keyset *set = NULL;
  CHECK(wb_keyset_new(&set, NULL) == WB_OK && wb_keyset_add(set, key, NULL) == WB_OK);
  CHECK_SRV(tok_signer_new(&signer, key, NULL), SRV_OK);
  CHECK_SRV(tok_verifier_new(&verifier, set, "https://issuer.test", "https://issuer.test", NULL), SRV_OK);
  test_minimal_claims();
  test_bad_thumbprints();
  test_roles_header();
  test_claim_types();
  test_refresh_tokens();
  wb_verifier_free(verifier);
  wb_signer_free(signer);
  wb_keyset_free(set);
  wb_key_free(key);
  return CHECK_DONE();
}
