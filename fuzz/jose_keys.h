/* SPDX-License-Identifier: MIT */
/*
 * fuzz/jose_keys.h - the fixed keys and password of the JOSE fuzz targets (jwe_compact, jose_json,
 * jwk_encrypted). fuzz/make_jose_seeds.py reads this file and encrypts its seed corpora to these
 * keys, so seeds reach the key recovery and content decryption, not only the parsers. The oct16
 * key is RFC 7516 A.3's, P-256 RFC 7518 C's, X25519 the cookbook's, RSA RFC 7516 A.2's.
 */
#ifndef WB_FUZZ_JOSE_KEYS_H
#define WB_FUZZ_JOSE_KEYS_H

#define FUZZ_JWE_OCT16 "{\"kty\":\"oct\",\"k\":\"GawgguFyGrWKav7AX4VKUg\",\"kid\":\"oct16\"}"

#define FUZZ_JWE_OCT32                                                                                       \
  "{\"kty\":\"oct\",\"k\":\"qC57l_uxcm7Nm3K-ct4GFjx8tM1U8CZ0NLBvdQstiS8\",\"kid\":\"oct32\"}"

#define FUZZ_JWE_P256                                                                                        \
  "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ\",\"y\":\""         \
  "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck\",\"d\":\"VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqd"         \
  "w\",\"kid\":\"p256\"}"

#define FUZZ_JWE_X25519                                                                                      \
  "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08\",\"d\":"         \
  "\"XasIfmJKikt54X-Lg4AO5m87sSkmGLb9HC-LJ_-I4Os\",\"kid\":\"x25519\"}"

#define FUZZ_JWE_RSA                                                                                         \
  "{\"kty\":\"RSA\",\"n\":\"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pc"         \
  "M9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZE"         \
  "y_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiG"         \
  "UIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw\",\"e\":\"AQAB\""         \
  ",\"d\":\"VFCWOqXr8nvZNyaaJLXdnNPXZKRaWCjkU5Q2egQQpTBMwhprMzWzpR8Sxq1OPThh_J6MUD8Z35wky9b8eEO0pwN"         \
  "S8xlh1lOFRRBoNqDIKVOku0aZb-rynq8cxjDTLZQ6Fz7jSjR1Klop-YKaUHc9GsEofQqYruPhzSA-QgajZGPbE_0ZaVDJHfy"         \
  "d7UUBUKunFMScbflYAAOYJqVIVwaYR5zWEEceUjNnTNo_CVSj-VvXLO5VZfCUAVLgW4dpf1SrtZjSt34YLsRarSb127reG_D"         \
  "Uwg9Ch-KyvjT1SkHgUWRVGcyly7uvVGRSDwsXypdrNinPA4jlhoNdizK2zF2CWQ\",\"p\":\"9gY2w6I6S6L0juEKsbeDAw"         \
  "pd9WMfgqFoeA9vEyEUuk4kLwBKcoe1x4HG68ik918hdDSE9vDQSccA3xXHOAFOPJ8R9EeIAbTi1VwBYnbTp87X-xcPWlEPkr"         \
  "doUKW60tgs1aNd_Nnc9LEVVPMS390zbFxt8TN_biaBgelNgbC95sM\",\"q\":\"uKlCKvKv_ZJMVcdIs5vVSU_6cPtYI1lj"         \
  "WytExV_skstvRSNi9r66jdd9-yBhVfuG4shsp2j7rGnIio901RBeHo6TPKWVVykPu1iYhQXw1jIABfw-MVsN-3bQ76WLdt2S"         \
  "DxsHs7q7zPyUyHXmps7ycZ5c72wGkUwNOjYelmkiNS0\",\"dp\":\"w0kZbV63cVRvVX6yk3C8cMxo2qCM4Y8nsq1lmMSYh"         \
  "G4EcL6FWbX5h9yuvngs4iLEFk6eALoUS4vIWEwcL4txw9LsWH_zKI-hwoReoP77cOdSL4AVcraHawlkpyd2TWjE5evgbhWtO"         \
  "xnZee3cXJBkAi64Ik6jZxbvk-RR3pEhnCs\",\"dq\":\"o_8V14SezckO6CNLKs_btPdFiO9_kC1DsuUTd2LAfIIVeMZ7jn"         \
  "1Gus_Ff7B7IVx3p5KuBGOVF8L-qifLb6nQnLysgHDh132NDioZkhH7mI7hPG-PYE_odApKdnqECHWw0J-F0JWnUd6D2B_1Tv"         \
  "F9mXA2Qx-iGYn8OVV1Bsmp6qU\",\"qi\":\"eNho5yRBEBxhGBtQRww9QirZsB66TrfFReG_CcteI1aCneT0ELGhYlRlCtU"         \
  "kTRclIfuEPmNsNDPbLoLqqCVznFbvdB7x-Tl-m0l_eFTj2KiqwGqE9PZB9nNTwMVvH3VRRSLWACvPnSiwP8N5Usy-WRXS-V7"         \
  "TbpxIhvepTfE0NNo\",\"kid\":\"rsa\"}"

#define FUZZ_JWE_PASSWORD "fuzz password"
/** PBES2 iterations the fuzz decrypters accept (the minimum: every attempt costs them). */
#define FUZZ_JWE_MAX_P2C 1000

#include <stdlib.h>
#include <string.h>

#include "wristband/wristband.h"

/* A key from a JWK literal; aborts (a broken harness, not a finding) when it does not import. */
static inline wb_key *fuzz_key(const char *jwk) {
  wb_key *k = NULL;
  if (wb_key_from_jwk(&k, jwk, strlen(jwk), NULL) != WB_OK)
    abort();
  return k;
}

/* The decrypters every JOSE target tries: [0] the oct keys, [1] the asymmetric keys, [2] the
 * password; every opt-in on (RSA1_5, PBES2 at the minimum cap, zip under 64 KiB). */
static inline void fuzz_decrypters(wb_decrypter *d[3]) {
  const char *oct[2] = {FUZZ_JWE_OCT16, FUZZ_JWE_OCT32},
             *asym[3] = {FUZZ_JWE_P256, FUZZ_JWE_X25519, FUZZ_JWE_RSA};
  wb_keyset *sets[2] = {NULL, NULL};
  if (wb_keyset_new(&sets[0], NULL) != WB_OK || wb_keyset_new(&sets[1], NULL) != WB_OK)
    abort();
  for (int i = 0; i < 5; i++) {
    wb_key *k = fuzz_key(i < 2 ? oct[i] : asym[i - 2]);
    if (wb_keyset_add(sets[i < 2 ? 0 : 1], k, NULL) != WB_OK)
      abort();
    wb_key_free(k);
  }
  for (int i = 0; i < 3; i++) {
    wb_status st = i < 2
                       ? wb_decrypter_new(&d[i], sets[i], NULL)
                       : wb_decrypter_new_password(&d[i], FUZZ_JWE_PASSWORD, strlen(FUZZ_JWE_PASSWORD), NULL);
    if (st != WB_OK || wb_decrypter_allow_rsa1_5(d[i], NULL) != WB_OK ||
        wb_decrypter_allow_pbes2(d[i], FUZZ_JWE_MAX_P2C, NULL) != WB_OK ||
        wb_decrypter_allow_zip(d[i], 65536, NULL) != WB_OK)
      abort();
  }
  wb_keyset_free(sets[0]);
  wb_keyset_free(sets[1]);
}

#endif
