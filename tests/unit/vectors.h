/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/vectors.h - test vectors for the unit tests that read some (key, key set): the folder
 * is $WRISTBAND_VECTORS (set by tests/CMakeLists.txt; README.md, "Test vectors"). A vector that
 * cannot be read is reported as SKIP and remembered; the test's other checks still run, and
 * vectors_exit() then turns a passing run into exit status 77, which CTest reports as skipped, as
 * the vector suite does: a run without the vectors never passes as if it had checked them.
 */
#ifndef WB_TEST_VECTORS_H
#define WB_TEST_VECTORS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static int vectors_missing_;

/* The JSON file rel (relative to the vectors folder), or NULL (reported, remembered). */
static inline json_t *load_vector(const char *rel) {
  const char *dir = getenv("WRISTBAND_VECTORS");
  char path[4096];
  json_t *j = NULL;
  if (dir == NULL || dir[0] == '\0') {
    printf("SKIP %s: WRISTBAND_VECTORS not set\n", rel);
  } else if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path)) {
    printf("SKIP %s: path too long\n", rel);
  } else if ((j = json_load_file(path, 0, NULL)) == NULL) {
    printf("SKIP %s: cannot read %s\n", rel, path);
  }
  if (j == NULL)
    vectors_missing_++;
  return j;
}

/* main's exit status: rc (CHECK_DONE()) when a check failed or every vector was read, else 77. */
static inline int vectors_exit(int rc) {
  if (rc == 0 && vectors_missing_ > 0) {
    printf("skipped: %d vector file(s) could not be read\n", vectors_missing_);
    return 77;
  }
  return rc;
}

#endif
