/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "version.h"

/* SL_VERSION comes from control/meson.build. */
const char sl_version[] = SL_VERSION;
