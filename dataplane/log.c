/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

static const char *log_prog = "sluice";
static enum sl_log_level log_level = SL_LOG_INFO;

static void sl_vlog(enum sl_log_level level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	fprintf(stderr, "%s: ", log_prog);
	vfprintf(stderr, fmt, ap);
}

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_vlog(level, fmt, ap);
	va_end(ap);
}

/* libbpf's debug output is verifier noise unless we are debugging. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum sl_log_level ours = level == LIBBPF_WARN ? SL_LOG_WARN
				 : level == LIBBPF_INFO ? SL_LOG_INFO
							: SL_LOG_DEBUG;

	if (ours == SL_LOG_INFO)
		ours = SL_LOG_DEBUG;
	sl_vlog(ours, fmt, ap);
	return 0;
}

void sl_log_init(const char *prog, enum sl_log_level level)
{
	log_prog = prog;
	log_level = level;
	libbpf_set_print(libbpf_print);
}
