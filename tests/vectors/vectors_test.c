/* SPDX-License-Identifier: MIT */
/*
 * tests/vectors/vectors_test.c - runs every applicable vector of ../shared/vectors (the RFC
 * examples, the RFC 7520 cookbook and Wycheproof) against the public API of libwristband.
 *
 * The folder comes from $WRISTBAND_VECTORS (set by tests/CMakeLists.txt). Without it the suite
 * says so and exits 77, which CTest reports as skipped. Output: one line per file
 * ("file: N passed, M failed, K skipped"), one line per skipped vector with its reason, one per
 * failure with the vector id, comment, expected and actual status, then "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vt.h"

#define VT_EXIT_SKIP 77

int main(void) {
  const char *dir = getenv("WRISTBAND_VECTORS");
  struct stat sb;
  if (dir == NULL || dir[0] == '\0' || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
    printf("vector suite skipped: the vectors folder (WRISTBAND_VECTORS=%s) does not exist\n",
           dir ? dir : "");
    return VT_EXIT_SKIP;
  }
  printf("vectors from %s\n", dir);
  vt_run_rfc(dir);
  vt_run_cookbook(dir);
  vt_run_wycheproof(dir);
  return vt_summary();
}
