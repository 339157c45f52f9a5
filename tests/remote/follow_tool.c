/* SPDX-License-Identifier: MIT */
/*
 * tests/remote/follow_tool.c - a long-running verifier for the end-to-end tests against the real
 * `wristband serve` (tests/remote/server_follow_test.py): follows the issuer's keys (OpenID
 * discovery) and, when given, its revocation feed, then answers commands on stdin, one a line:
 *   verify TOKEN   -> "STATUS KEYS_REQUESTS FEED_REQUESTS" (STATUS: wb_status_name)
 *   refresh        -> "STATUS" of a revocation poll made now
 * Usage: follow_tool ISSUER_URL [FEED_URL CLIENT SECRET INTERVAL_S]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wristband/wristband.h"

int main(int argc, char **argv) {
  if (argc != 2 && argc != 6) {
    fprintf(stderr, "usage: follow_tool ISSUER_URL [FEED_URL CLIENT SECRET INTERVAL_S]\n");
    return 2;
  }
  wb_error err;
  wb_remote_options o;
  wb_remote_options_default(&o);
  o.allow_http = true;
  wb_remote_keyset *r = NULL;
  wb_verifier *v = NULL;
  wb_revocations *rv = NULL;
  int rc = 1;
  if (wb_remote_keyset_discover(&r, argv[1], &o, &err) != WB_OK ||
      wb_verifier_new_remote(&v, r, &err) != WB_OK || wb_verifier_accept_any_audience(v, &err) != WB_OK) {
    fprintf(stderr, "follow_tool: %s\n", err.message);
    goto out;
  }
  if (argc == 6) {
    wb_revocation_options ro;
    wb_revocation_options_default(&ro);
    ro.allow_http = true;
    ro.client_id = argv[3];
    ro.client_secret = argv[4];
    ro.interval_s = (unsigned)atoi(argv[5]);
    if (wb_revocations_new(&rv, argv[2], &ro, &err) != WB_OK ||
        wb_verifier_follow_revocations(v, rv, &err) != WB_OK) {
      fprintf(stderr, "follow_tool: %s\n", err.message);
      goto out;
    }
  }
  char line[70000];
  while (fgets(line, sizeof(line), stdin) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    wb_remote_status ks, fs = {0};
    if (strncmp(line, "verify ", 7) == 0) {
      wb_status st = wb_verify(v, line + 7, strlen(line + 7), NULL, &err);
      if (wb_remote_keyset_status(r, &ks, NULL) != WB_OK ||
          (rv != NULL && wb_revocations_status(rv, &fs, NULL) != WB_OK))
        break;
      printf("%s %llu %llu\n", wb_status_name(st), (unsigned long long)ks.requests,
             (unsigned long long)fs.requests);
    } else if (strcmp(line, "refresh") == 0 && rv != NULL) {
      printf("%s\n", wb_status_name(wb_revocations_refresh(rv, NULL)));
    } else {
      printf("?\n");
    }
    fflush(stdout);
  }
  rc = 0;
out:
  wb_verifier_free(v);
  wb_revocations_free(rv);
  wb_remote_keyset_free(r);
  return rc;
}
