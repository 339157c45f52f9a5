/* SPDX-License-Identifier: MIT */
/*
 * cli/sign.h - what cli/sign.c (options, key and algorithm) and cli/sign_claims.c (the claims
 * set: CLAIMS_FILE or stdin, --claim, the registered-claim flags) share.
 */
#ifndef WB_CLI_SIGN_H
#define WB_CLI_SIGN_H

#include "jose_cli.h"

/* One --claim NAME=VALUE or --claim-string NAME=TEXT, in command-line order (a later one wins). */
typedef struct sign_claim {
  const char *arg;
  int as_string; /* --claim-string */
} sign_claim;

typedef struct sign_args {
  const char *key, *alg, *kid, *typ, *iss, *sub, *exp, *nbf, *now, *file;
  cli_secret secret;
  int no_iat, jti;
  cli_list aud;
  cli_sign_form form; /* --encrypt-to, --json, --detached, --password-file, more --key */
  sign_claim *claims;
  size_t nclaims;
  /* resolved values */
  int64_t t_now, t_exp, t_nbf; /* t_exp, t_nbf < 0: not set */
} sign_args;

/** Builds the claims set of a into *out (wb_builder_free). 0 or the exit code after printing. */
int sign_build_claims(const sign_args *a, wb_builder **out);

#endif
