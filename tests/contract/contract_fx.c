/* SPDX-License-Identifier: MIT */
/*
 * tests/contract/contract_fx.c - fixtures and checks of the generated API contract test
 * (contract_fx.h says what each fixture is; gen_contract.py says which parameter gets which).
 */
#include "contract_fx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const unsigned char cfx_der[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0xfb, 0xd6, 0x02, 0x49, 0xf5,
    0xe1, 0x8d, 0x58, 0xac, 0xfc, 0x2c, 0x86, 0xc7, 0x8b, 0xc4, 0x0e, 0xa2, 0x71, 0xad, 0xdb, 0x8f,
    0xd4, 0x1b, 0xdb, 0xe8, 0x2d, 0x70, 0x3e, 0x54, 0xf0, 0xcf, 0xd1, 0x26, 0xf2, 0xc2, 0x2f, 0xa7,
    0x33, 0xbe, 0xbf, 0x52, 0x12, 0x58, 0x7a, 0x4d, 0x1b, 0xcd, 0xc5, 0x43, 0xf3, 0x65, 0xfb, 0x00,
    0x25, 0x0c, 0xfc, 0xab, 0xf3, 0x88, 0xca, 0x3d, 0x8d, 0x1d, 0x2a};
const size_t cfx_der_len = sizeof(cfx_der);

const unsigned char cfx_bytes[32] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                     0xcc, 0xdd, 0xee, 0xf0, 0x01, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67,
                                     0x78, 0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0x0f, 0x1e};

char cfx_sentinel[1];

static int passed, failed;

int64_t cfx_clock(void *ctx) {
  (void)ctx;
  return CFX_NOW;
}

wb_status cfx_replay(void *ctx, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                     wb_error *err) {
  (void)ctx;
  (void)id;
  (void)expires;
  (void)err;
  return WB_OK;
}

bool cfx_nonce(void *ctx, const char *nonce, size_t len) {
  (void)ctx;
  (void)nonce;
  (void)len;
  return true;
}

/* Prints the step that failed; returns false so that callers can chain. */
static bool setup_failed(const char *step, const wb_error *err) {
  fprintf(stderr, "FAIL fixtures: %s: %s: %s\n", step, wb_status_name(err->code), err->message);
  failed++;
  return false;
}

/* The JOSE fixtures: encrypter, decrypter and what they and the signer make. */
static bool jose_init(contract_fx *f) {
  wb_error err;
  f->signers[0] = f->signer;
  if (wb_keyset_from_jwks(&f->priv_set, CFX_JWKS_PRIVATE, strlen(CFX_JWKS_PRIVATE), NULL, &err) != WB_OK)
    return setup_failed("private key set", &err);
  if (wb_encrypter_new(&f->encrypter, f->key, WB_JWE_ECDH_ES_A256KW, WB_ENC_A256GCM, &err) != WB_OK)
    return setup_failed("encrypter", &err);
  if (wb_decrypter_new_key(&f->decrypter, f->key, &err) != WB_OK)
    return setup_failed("decrypter", &err);
  if (wb_jwe_encrypt(f->encrypter, cfx_bytes, sizeof cfx_bytes, &f->jwe, NULL, &err) != WB_OK)
    return setup_failed("JWE", &err);
  if (wb_jwe_encrypt_json(f->encrypter, WB_SER_FLATTENED, cfx_bytes, sizeof cfx_bytes, cfx_bytes,
                          sizeof cfx_bytes, &f->jwe_json, NULL, &err) != WB_OK)
    return setup_failed("JWE JSON", &err);
  if (wb_sign_encrypt(f->signer, f->encrypter, f->builder, &f->nested, NULL, &err) != WB_OK)
    return setup_failed("nested JWT", &err);
  if (wb_jws_sign_detached(f->signer, cfx_bytes, sizeof cfx_bytes, &f->detached, NULL, &err) != WB_OK)
    return setup_failed("detached JWS", &err);
  if (wb_jws_sign_json(f->signers, 1, WB_SER_FLATTENED, cfx_bytes, sizeof cfx_bytes, false, &f->jws_json,
                       NULL, &err) != WB_OK)
    return setup_failed("JWS JSON", &err);
  if (wb_jws_sign_json(f->signers, 1, WB_SER_FLATTENED, cfx_bytes, sizeof cfx_bytes, true,
                       &f->jws_json_detached, NULL, &err) != WB_OK)
    return setup_failed("detached JWS JSON", &err);
  if (wb_key_to_encrypted_jwk(f->key, CFX_PASSWORD, strlen(CFX_PASSWORD), WB_PBES2_MIN_P2C, &f->enc_jwk,
                              &err) != WB_OK)
    return setup_failed("encrypted JWK", &err);
  return true;
}

bool cfx_init(contract_fx *f) {
  wb_error err;
  memset(f, 0, sizeof(*f));
  wb_limits_default(&f->limits);
  if (wb_key_from_jwk(&f->key, CFX_JWK, strlen(CFX_JWK), &err) != WB_OK)
    return setup_failed("key", &err);
  if (wb_key_from_jwk(&f->loose_key, CFX_JWK, strlen(CFX_JWK), &err) != WB_OK)
    return setup_failed("loose key", &err);
  if (wb_keyset_from_jwks(&f->set, CFX_JWKS, strlen(CFX_JWKS), NULL, &err) != WB_OK)
    return setup_failed("key set", &err);
  if (wb_keyset_new(&f->empty_set, &err) != WB_OK)
    return setup_failed("empty key set", &err);
  if (wb_signer_new(&f->signer, f->key, WB_ALG_ES256, &err) != WB_OK)
    return setup_failed("signer", &err);
  if (wb_verifier_new_key(&f->verifier, f->key, &err) != WB_OK ||
      wb_verifier_set_now(f->verifier, CFX_NOW, &err) != WB_OK)
    return setup_failed("verifier", &err);
  if (wb_builder_from_json(&f->builder, CFX_CLAIMS, strlen(CFX_CLAIMS), &err) != WB_OK)
    return setup_failed("builder", &err);
  if (wb_sign(f->signer, f->builder, &f->token, NULL, &err) != WB_OK)
    return setup_failed("token", &err);
  if (wb_verify(f->verifier, f->token, strlen(f->token), &f->claims, &err) != WB_OK)
    return setup_failed("claims", &err);
  if (wb_dpop_signer_new(&f->dpop_signer, f->key, WB_ALG_ES256, &err) != WB_OK ||
      wb_dpop_signer_set_clock(f->dpop_signer, cfx_clock, NULL, &err) != WB_OK)
    return setup_failed("DPoP signer", &err);
  if (wb_dpop_verifier_new(&f->dpop_verifier, &err) != WB_OK ||
      wb_dpop_verifier_set_now(f->dpop_verifier, CFX_NOW, &err) != WB_OK)
    return setup_failed("DPoP verifier", &err);
  if (wb_dpop_sign(f->dpop_signer, "GET", CFX_DPOP_URL, NULL, 0, NULL, &f->dpop_proof, NULL, &err) != WB_OK ||
      wb_dpop_sign(f->dpop_signer, "GET", CFX_DPOP_URL, f->token, strlen(f->token), NULL,
                   &f->dpop_bound_proof, NULL, &err) != WB_OK)
    return setup_failed("DPoP proofs", &err);
  if (wb_key_thumbprint(f->key, f->jkt, &err) != WB_OK)
    return setup_failed("thumbprint", &err);
  return jose_init(f);
}

void cfx_done(contract_fx *f) {
  wb_string_free(f->dpop_bound_proof);
  wb_string_free(f->dpop_proof);
  wb_dpop_verifier_free(f->dpop_verifier);
  wb_dpop_signer_free(f->dpop_signer);
  wb_string_free(f->enc_jwk);
  wb_string_free(f->jws_json_detached);
  wb_string_free(f->jws_json);
  wb_string_free(f->detached);
  wb_string_free(f->nested);
  wb_string_free(f->jwe_json);
  wb_string_free(f->jwe);
  wb_decrypter_free(f->decrypter);
  wb_encrypter_free(f->encrypter);
  wb_keyset_free(f->priv_set);
  wb_claims_free(f->claims);
  wb_string_free(f->token);
  wb_builder_free(f->builder);
  wb_verifier_free(f->verifier);
  wb_signer_free(f->signer);
  wb_keyset_free(f->empty_set);
  wb_keyset_free(f->set);
  wb_key_free(f->loose_key);
  wb_key_free(f->key);
  memset(f, 0, sizeof(*f));
}

wb_claims *cfx_new_claims(const contract_fx *f) {
  wb_claims *c = NULL;
  wb_error err;
  if (wb_verify(f->verifier, f->token, strlen(f->token), &c, &err) != WB_OK)
    setup_failed("in-out claims", &err);
  return c;
}

void cfx_err_garbage(wb_error *err) {
  err->code = (wb_status)0x5a5a;
  memset(err->message, 'G', sizeof(err->message));
}

bool cfx_is_zero(const void *p, size_t size) {
  const unsigned char *b = p;
  for (size_t i = 0; i < size; i++)
    if (b[i] != 0)
      return false;
  return true;
}

void cfx_check(const char *what, bool ok, const char *why) {
  if (ok) {
    passed++;
    return;
  }
  failed++;
  fprintf(stderr, "FAIL %s: %s\n", what, why);
}

void cfx_status(const char *what, wb_status st, wb_status want, const wb_error *err) {
  char why[512];
  snprintf(why, sizeof(why), "returned %s, want %s", wb_status_name(st), wb_status_name(want));
  cfx_check(what, st == want, why);
  if (err == NULL)
    return;
  snprintf(why, sizeof(why), "err->code is %s (%d), the call returned %s", wb_status_name(err->code),
           (int)err->code, wb_status_name(st));
  cfx_check(what, err->code == st, why);
  size_t n = strnlen(err->message, sizeof(err->message));
  if (st == WB_OK) {
    cfx_check(what, n == 0, "returned ok with a message left in err (a path that failed, then succeeded?)");
    return;
  }
  cfx_check(what, n < sizeof(err->message), "err->message is not NUL-terminated");
  cfx_check(what, n > 0, "failed with an empty err->message");
}

/* Cases run in a child process, so that a crash fails its case (named) and the others still run.
 * The child's exit status is its verdict: 0 when every check passed (and, under ASan, nothing
 * leaked). */
static int cases_passed, cases_failed;

void cfx_run(const char *what, void (*fn)(void)) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    fn();
    fflush(NULL);
    exit(failed ? 1 : 0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    fprintf(stderr, "FAIL %s: could not run the case in a child process\n", what);
    cases_failed++;
  } else if (WIFSIGNALED(status)) {
    fprintf(stderr, "FAIL %s: crashed (signal %d)\n", what, WTERMSIG(status));
    cases_failed++;
  } else if (WEXITSTATUS(status) != 0) {
    cases_failed++;
  } else {
    cases_passed++;
  }
}

int cfx_report(void) {
  printf("%d cases passed, %d failed\n", cases_passed, cases_failed);
  return cases_failed ? 1 : 0;
}
