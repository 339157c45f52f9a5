/* SPDX-License-Identifier: MIT */
/* placeholder */
#include "remote_common.h"
int main(void) {
  return fixture_init() ? CHECK_DONE() : 77;
}
