/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Set files: one prefix per line, '#' starts a comment, blank lines and
 * surrounding white space are ignored. A bad line is an error that names
 * the file and the line.
 */
#ifndef SLUICE_SETFILE_H
#define SLUICE_SETFILE_H

#include <stddef.h>

#include "config.h"

/*
 * Parses len bytes of set-file text (name is used in messages) and adds
 * every prefix to set. Returns 0, -EINVAL with diag "NAME:LINE: message",
 * or -ENOMEM.
 */
int sl_setfile_parse(const char *buf, size_t len, const char *name, struct sl_set *set,
		     struct sl_diag *diag);

/* Reads the file at path and parses it as above; I/O errors as -errno. */
int sl_setfile_load(const char *path, struct sl_set *set, struct sl_diag *diag);

#endif /* SLUICE_SETFILE_H */
