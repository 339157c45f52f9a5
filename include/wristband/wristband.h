/* SPDX-License-Identifier: MIT */
/*
 * wristband/wristband.h - the whole public API of libwristband: include this one header.
 * See README.md ("The API in brief") for a complete example program.
 */
#ifndef WRISTBAND_WRISTBAND_H
#define WRISTBAND_WRISTBAND_H

#include "b64url.h"
#include "common.h"
#include "dpop.h"
#include "jwe.h"
#include "jws.h"
#include "jwt.h"
#include "key.h"

#endif
