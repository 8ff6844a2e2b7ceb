/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One voice for messages: sluice's own and libbpf's go through the same
 * level filter to stderr, prefixed with the program name.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

enum sl_log_level {
	SL_LOG_WARN = 0,
	SL_LOG_INFO = 1,
	SL_LOG_DEBUG = 2,
};

/* Sets the program name and level, and routes libbpf's output here. */
void sl_log_init(const char *prog, enum sl_log_level level);

void sl_log(enum sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...) sl_log(SL_LOG_WARN, __VA_ARGS__)
#define pr_info(...) sl_log(SL_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) sl_log(SL_LOG_DEBUG, __VA_ARGS__)

#endif /* SLUICE_LOG_H */
