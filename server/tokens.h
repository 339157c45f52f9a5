/* SPDX-License-Identifier: MIT */
/*
 * server/tokens.h - every place the server makes or reads a token's wire format:
 *  - access tokens (RFC 9068 JWTs, typ "at+jwt"), minted and verified with libwristband: this
 *    file and the CLI shims are the only callers of the library's claims and signing API, so a
 *    change of that API is adapted here;
 *  - refresh tokens: base64url(version 1 || sid (16 bytes) || counter (8 bytes, big-endian) ||
 *    HMAC-SHA-256 tag (32 bytes)), 76 characters. The tag is made under a per-session key,
 *    HMAC-SHA-256(server secret, label || sid), so the server re-derives the current token from
 *    the session's (sid, counter) and stores no token at all.
 *
 * Thread-safety: stateless; a wb_verifier / wb_signer passed in is shared read-only.
 */
#ifndef WB_SERVER_TOKENS_H
#define WB_SERVER_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "store/store.h"
#include "wristband/wristband.h"

#define TOK_SECRET_LEN  32 /* the refresh-token secret */
#define TOK_SID_RAW     16 /* session ids: 128 random bits */
#define TOK_REFRESH_LEN 76 /* characters of a refresh token */
#define TOK_JTI_MAX     32 /* buffer for a jti (22 characters + NUL) */
#define TOK_ROLES_MAX   1024

/** What an access token says (iss, aud come from the configuration). */
typedef struct tok_mint {
  const char *issuer;
  const char *audience;
  const char *sub;
  const char *sid;
  const char *scope;
  const char *client_id; /* NULL or "" = no client_id claim */
  const char *username;  /* preferred_username */
  const char *roles;     /* JSON array of strings */
  const char *claims;    /* JSON object of the user's custom claims, or NULL */
  const char *jkt;       /* DPoP key thumbprint: the token gets cnf.jkt (RFC 9449 6.1); NULL or "" = none */
  int64_t iat;
  int64_t exp;
} tok_mint;

/** Signs an access token; *token is new (wb_string_free), its jti is copied into jti. */
srv_status tok_mint_access(const wb_signer *signer, const tok_mint *in, char **token, size_t *len,
                           char jti[TOK_JTI_MAX], srv_error *err);

/** A verified access token: the borrowed strings live until tok_access_clear. */
typedef struct tok_access {
  wb_claims *claims; /* owned */
  const char *sub;
  const char *sid;
  const char *jti;
  const char *scope;    /* "" when absent */
  const char *username; /* "" when absent */
  const char *jkt;      /* cnf.jkt: the DPoP key the token is bound to, "" when it is a bearer token */
  int64_t iat;
  int64_t exp;
} tok_access;

/**
 * Verifies signature, typ, iss, aud, exp and iat with v and reads the claims the server needs.
 * Any failure is SRV_ERR_INVALID_TOKEN with the library's reason in the message; *out is then
 * empty. Does not look at the store (session, denylist): that is session.c's job.
 */
srv_status tok_verify_access(const wb_verifier *v, const char *token, size_t len, tok_access *out,
                             srv_error *err);
void tok_access_clear(tok_access *a);

/** 1 when the token's roles hold role. */
int tok_has_role(const tok_access *a, const char *role);
/** The roles, comma-separated, into buf[cap] ("" when none). */
void tok_roles_csv(const tok_access *a, char *buf, size_t cap);
/** The roles as a JSON array (new string, free()); "[]" when absent. NULL on out-of-memory. */
char *tok_roles_json(const tok_access *a);
/** The aud claim as JSON (new string, free()); NULL on out-of-memory. */
char *tok_aud_json(const tok_access *a);

/**
 * A verifier for the server's own access tokens over the keys of set: typ at+jwt, issuer,
 * audience, jti/sid/sub/iat required, the server clock (server/clock.h), a result cache.
 */
srv_status tok_verifier_new(wb_verifier **out, const wb_keyset *set, const char *issuer, const char *audience,
                            srv_error *err);

/** A signer for key (its pinned alg), writing typ "at+jwt" and the key's kid. */
srv_status tok_signer_new(wb_signer **out, const wb_key *key, srv_error *err);

/** A new random id (sid, jti, user id): 128 bits, base64url, 22 characters. */
srv_status tok_random_id(char out[TOK_JTI_MAX], srv_error *err);

/** The refresh token of (sid, counter) into out[TOK_REFRESH_LEN + 1]. */
srv_status tok_refresh_make(const unsigned char secret[TOK_SECRET_LEN], const char *sid, int64_t counter,
                            char out[TOK_REFRESH_LEN + 1], srv_error *err);

/**
 * Parses and authenticates a refresh token (constant-time tag check): sid into sid[STORE_ID_MAX]
 * and the counter. Anything else than a token this server made: SRV_ERR_INVALID_GRANT.
 */
srv_status tok_refresh_parse(const unsigned char secret[TOK_SECRET_LEN], const char *token, size_t len,
                             char sid[STORE_ID_MAX], int64_t *counter, srv_error *err);

/** 1 when text looks like a refresh token (length and alphabet), to route /oauth/revoke. */
int tok_looks_like_refresh(const char *token, size_t len);

#endif
