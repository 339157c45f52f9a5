/* SPDX-License-Identifier: MIT */
/*
 * tests/contract/contract_fx.h - the fixtures and checks of the generated API contract test.
 *
 * gen_contract.py writes one call per public function and pointer parameter (that parameter
 * NULL, every other one valid) and one all-valid call per wb_status function. The valid
 * arguments come from here: a contract_fx is a fresh, complete set of library objects (keys,
 * key sets, a signer, a verifier, a builder, a signed token and its verified claims, an
 * encrypter, a decrypter and what they make), made
 * anew for every call so that no call sees another's leftovers. The generator's type table
 * names the members below; a new parameter type needs a member (or a constant) here and one
 * line in that table.
 */
#ifndef WB_CONTRACT_FX_H
#define WB_CONTRACT_FX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wristband/wristband.h"

/* Text fixtures: valid inputs for the parameters named so (see FIXTURES in gen_contract.py). */
#define CFX_JWK                                                                                              \
  "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\","                                                        \
  "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","                                                   \
  "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","                                                   \
  "\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}"
#define CFX_JWKS                                                                                             \
  "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\","                                             \
  "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","                                                   \
  "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}"
#define CFX_PEM                                                                                              \
  "-----BEGIN PUBLIC KEY-----\n"                                                                             \
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+9YCSfXhjVis/CyGx4vEDqJxrduP\n"                                       \
  "1Bvb6C1wPlTwz9Em8sIvpzO+v1ISWHpNG83FQ/Nl+wAlDPyr84jKPY0dKg==\n"                                           \
  "-----END PUBLIC KEY-----\n"
/* The claims signed into the token: one member of each kind a getter reads. */
#define CFX_CLAIMS                                                                                           \
  "{\"iss\":\"https://issuer.example\",\"sub\":\"alice\",\"jti\":\"j1\",\"iat\":1700000000,"                 \
  "\"nbf\":1700000000,\"exp\":1700003600,\"n\":42,\"r\":19.99,\"b\":true,\"roles\":[\"a\",\"b\"]}"
#define CFX_HEADER "{\"alg\":\"ES256\",\"typ\":\"JWT\"}"
#define CFX_B64    "AAECAwQF" /* base64url of the bytes 0..5 */
/* The private key set: CFX_JWK, for a decrypter. */
#define CFX_JWKS_PRIVATE "{\"keys\":[" CFX_JWK "]}"
#define CFX_PASSWORD     "correct horse battery staple"
#define CFX_NOW          INT64_C(1700000100)
#define CFX_DPOP_URL     "https://api.example/r" /* the request the DPoP proofs were made for (GET) */

/* The DER (SPKI) of the CFX_PEM key. */
extern const unsigned char cfx_der[];
extern const size_t cfx_der_len;
/* 32 non-zero bytes: an HMAC secret, a payload, input to encode. */
extern const unsigned char cfx_bytes[32];

typedef struct contract_fx {
  wb_key *key;                     /* ES256 private key, kid "k1": the signer's and the verifier's key */
  wb_key *loose_key;               /* an ES256 key no object holds (not frozen): for the wb_key_set_* calls */
  wb_keyset *set;                  /* CFX_JWKS: the public half of key */
  wb_keyset *empty_set;            /* for wb_keyset_add */
  wb_signer *signer;               /* ES256 over key */
  wb_verifier *verifier;           /* trusts key, clock fixed at CFX_NOW (inside the token's validity) */
  wb_builder *builder;             /* CFX_CLAIMS */
  char *token;                     /* builder signed by signer */
  wb_claims *claims;               /* token verified by verifier */
  wb_limits limits;                /* the defaults */
  wb_keyset *priv_set;             /* CFX_JWKS_PRIVATE: for wb_decrypter_new */
  wb_encrypter *encrypter;         /* ECDH-ES+A256KW, A256GCM to key */
  wb_decrypter *decrypter;         /* key, default policy */
  const wb_signer *signers[1];     /* { signer } */
  char *jwe;                       /* cfx_bytes encrypted by encrypter (compact) */
  char *jwe_json;                  /* cfx_bytes encrypted by encrypter, flattened JSON, aad cfx_bytes */
  char *nested;                    /* builder signed by signer, encrypted by encrypter */
  char *detached;                  /* cfx_bytes signed by signer, compact JWS with a detached payload */
  char *jws_json;                  /* cfx_bytes signed by signer, flattened JSON */
  char *jws_json_detached;         /* the same without "payload" */
  char *enc_jwk;                   /* key encrypted with CFX_PASSWORD, p2c WB_PBES2_MIN_P2C */
  wb_dpop_signer *dpop_signer;     /* over key, iat CFX_NOW */
  wb_dpop_verifier *dpop_verifier; /* default policy, clock fixed at CFX_NOW */
  char *dpop_proof;                /* GET CFX_DPOP_URL, no access token */
  char *dpop_bound_proof;          /* GET CFX_DPOP_URL with token */
  char jkt[WB_THUMBPRINT_LEN];     /* the thumbprint of key */
  char text_buf[256];              /* output buffers */
  unsigned char byte_buf[256];
  wb_status status_buf[4];
} contract_fx;

/* Makes every fixture; returns false (and prints why) when one could not be made. */
bool cfx_init(contract_fx *f);
/* Frees every fixture. */
void cfx_done(contract_fx *f);
/* New verified claims of f->token, owned by the caller: the input of an in-out claims parameter. */
wb_claims *cfx_new_claims(const contract_fx *f);
/* A clock for wb_verifier_set_clock: CFX_NOW. */
int64_t cfx_clock(void *ctx);
/* A DPoP replay cache that has never seen anything, and a nonce check that accepts every nonce. */
wb_status cfx_replay(void *ctx, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                     wb_error *err);
bool cfx_nonce(void *ctx, const char *nonce, size_t len);

/* An address no library call may return: out-parameters are pre-filled with it. */
extern char cfx_sentinel[1];
#define CFX_SENTINEL ((void *)cfx_sentinel)

/* Fills err with garbage: a code that is no status and a message of 'G's without a NUL. */
void cfx_err_garbage(wb_error *err);
/* true when the size bytes at p are all zero. */
bool cfx_is_zero(const void *p, size_t size);

/* Checks; each failure prints "FAIL <what>: <why>". what names the function and the case. */
void cfx_check(const char *what, bool ok, const char *why);
/* st equals want; when err is not NULL, err->code equals st and the message is empty on WB_OK,
 * non-empty (and NUL-terminated) otherwise. */
void cfx_status(const char *what, wb_status st, wb_status want, const wb_error *err);
/* Runs one case in a child process: a crash, a failed check or (under ASan) a leak fails it. */
void cfx_run(const char *what, void (*fn)(void));
/* Prints the totals of the cases; returns the exit status. */
int cfx_report(void);

#endif
