/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sl_log for the static guest programs of the QEMU machine: dataplane/
 * log.c routes libbpf's output too and so needs libbpf, which the guest
 * binaries do without. Same contract as log.h: warnings and info to the
 * console.
 */
#include <stdarg.h>
#include <stdio.h>

#include "dataplane/log.h"

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > SL_LOG_INFO)
		return;
	va_start(ap, fmt);
	fputs("guest: ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
}
