/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/locale_test.c - numbers are read and written the same whatever LC_NUMERIC says
 * (jscan.h: "any LC_NUMERIC"; jwt.h: reals in their shortest form).
 *
 * A program that calls setlocale(LC_ALL, "") for its own messages gets the user's LC_NUMERIC
 * for the whole process. Some locales have a decimal point of more than one byte: ps_AF uses
 * U+066B ARABIC DECIMAL SEPARATOR (two bytes in UTF-8). A verifier that let strtod read "2.0e9"
 * in that locale got 2, so a token with "nbf":2.0e9 was valid long before its time, and
 * wb_claims_get_number read 1.5 as 1. The test builds the locales it needs with localedef into a
 * temporary folder (LOCPATH), ps_AF for the two-byte point and de_DE for ',', and checks the
 * verifier's time decisions, the getters and the builder's reals in each. Exit 77 (skipped) when
 * localedef cannot build them (no locales package).
 */
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "tokens.h"

/* Builds locale name (e.g. "ps_AF") as name.UTF-8 into dir; true when setlocale then takes it. */
static bool make_locale(const char *dir, const char *name) {
  char cmd[512], full[64];
  snprintf(full, sizeof(full), "%s.UTF-8", name);
  snprintf(cmd, sizeof(cmd), "localedef -i %s -f UTF-8 '%s/%s' >/dev/null 2>&1", name, dir, full);
  if (system(cmd) != 0)
    return false;
  const char *ok = setlocale(LC_NUMERIC, full);
  setlocale(LC_NUMERIC, "C");
  return ok != NULL;
}

/* Signs claims with key and verifies the token with v; the status, and the claims in *out. */
static wb_status verify_claims(const wb_key *key, const wb_verifier *v, const char *claims, wb_claims **out) {
  char *tok = sign_json(key, WB_ALG_HS256, claims);
  wb_error err = {WB_OK, ""};
  wb_status st = tok != NULL ? wb_verify(v, tok, strlen(tok), out, &err) : WB_ERR_INVALID_ARG;
  wb_string_free(tok);
  return st;
}

/* Everything that reads or writes a number, in the current LC_NUMERIC. */
static void numbers_in_locale(const char *locale) {
  fprintf(stderr, "LC_NUMERIC=%s: decimal point \"%s\"\n", locale, localeconv()->decimal_point);
  wb_key *key = rfc_hs256_key();
  wb_verifier *v = verifier_at_now(key); /* NOW = 1700000000 */
  CHECK(key != NULL && v != NULL);

  /* NumericDates with a fraction or an exponent decide as their value says. */
  CHECK_ST(verify_claims(key, v, "{\"exp\":2100000000,\"nbf\":2.0e9}", NULL), WB_ERR_NOT_YET_VALID);
  CHECK_ST(verify_claims(key, v, "{\"exp\":2100000000,\"nbf\":1700000000.5}", NULL), WB_ERR_NOT_YET_VALID);
  CHECK_ST(verify_claims(key, v, "{\"exp\":2100000000,\"iat\":1.8e9}", NULL), WB_ERR_IAT_IN_FUTURE);
  CHECK_ST(verify_claims(key, v, "{\"exp\":1.6999e9}", NULL), WB_ERR_EXPIRED);
  CHECK_ST(verify_claims(key, v, "{\"exp\":1700000000.25}", NULL), WB_OK);

  /* The getters read the number the token has. */
  wb_claims *c = NULL;
  CHECK_ST(verify_claims(key, v, "{\"exp\":2.1e9,\"n\":1.5,\"m\":-2.5e-3,\"iat\":1699999999.75}", &c), WB_OK);
  double d = 0;
  int64_t t = 0;
  CHECK_ST(wb_claims_get_number(c, "n", &d, NULL), WB_OK);
  CHECK(d == 1.5);
  CHECK_ST(wb_claims_get_number(c, "m", &d, NULL), WB_OK);
  CHECK(d == -2.5e-3);
  CHECK_ST(wb_claims_exp(c, &t, NULL), WB_OK);
  CHECK(t == 2100000000);
  CHECK_ST(wb_claims_iat(c, &t, NULL), WB_OK);
  CHECK(t == 1699999999);
  wb_claims_free(c);

  /* The builder writes reals with a '.', in their shortest form. */
  static const struct {
    double v;
    const char *want;
  } reals[] = {
      {19.99, "{\"r\":19.99}"}, {0.1, "{\"r\":0.1}"}, {-2.5e-3, "{\"r\":-0.0025}"}, {1e300, "{\"r\":1e300}"}};
  for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
    wb_builder *b = NULL;
    char *json = NULL;
    CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
    CHECK_ST(wb_builder_set_real(b, "r", reals[i].v, NULL), WB_OK);
    CHECK_ST(wb_builder_to_json(b, &json, NULL, NULL), WB_OK);
    CHECK(json != NULL && strcmp(json, reals[i].want) == 0);
    if (json != NULL && strcmp(json, reals[i].want) != 0)
      fprintf(stderr, "  set_real(%.17g): %s, want %s\n", reals[i].v, json, reals[i].want);
    wb_string_free(json);
    wb_builder_free(b);
  }
  wb_verifier_free(v);
  wb_key_free(key);
}

int main(void) {
  char dir[] = "/tmp/wb_locale_XXXXXX";
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  setenv("LOCPATH", dir, 1);
  static const char *const names[] = {"ps_AF", "de_DE"};
  bool made = true;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    made = made && make_locale(dir, names[i]);
  if (made) {
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
      char full[64];
      snprintf(full, sizeof(full), "%s.UTF-8", names[i]);
      CHECK(setlocale(LC_NUMERIC, full) != NULL);
      numbers_in_locale(full);
      setlocale(LC_NUMERIC, "C");
    }
  }
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  if (!made) {
    printf("locale_test: skipped, localedef cannot build ps_AF.UTF-8 and de_DE.UTF-8 (package locales)\n");
    return 77;
  }
  return CHECK_DONE();
}
