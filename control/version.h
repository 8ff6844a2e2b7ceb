/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sluice's release, from meson.build's project version. */
#ifndef SLUICE_VERSION_H
#define SLUICE_VERSION_H

extern const char sl_version[]; /* "0.1.0" */

#endif /* SLUICE_VERSION_H */
