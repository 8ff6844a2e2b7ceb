/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `sluicectl log tail [-f] [-n N] [--filter KEY=VALUE]... (--file PATH |
 * --config FILE)`: the last events of the JSON log (docs/logs.md), and
 * with -f the new ones as they are written, across rotations. Text for a
 * person at a terminal, or the JSON lines themselves with -j.
 * `sluicectl log stats`: what was logged, sampled out and lost, and why.
 */
#ifndef SLUICE_CLI_LOG_H
#define SLUICE_CLI_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/events.h"

#define SL_LOG_MAX_FILTERS 16

/* KEY=VALUE tests on a JSON line's top-level fields; all must hold. */
struct sl_log_filter {
	size_t n;
	struct {
		char key[64];
		char value[192];
	} f[SL_LOG_MAX_FILTERS];
};

/*
 * Adds "KEY=VALUE" to flt. 0, or -EINVAL (no '=', empty or too long key
 * or value), -E2BIG (too many filters).
 */
int sl_log_filter_add(struct sl_log_filter *flt, const char *spec);

/*
 * Whether the JSON object in line (len bytes, no newline needed) passes
 * every filter: a string field equal to VALUE, a number or boolean whose
 * JSON text is VALUE, null for VALUE "null". A line that is not a JSON
 * object never passes.
 */
bool sl_log_filter_match(const struct sl_log_filter *flt, const char *line, size_t len);

/*
 * One line of text for the event in line: "TIME VERDICT RULE PROTO SRC >
 * DST len N [capture N]". Returns the bytes written into out (at most
 * size - 1, NUL-terminated), or -EINVAL when line is not an event.
 */
int sl_log_format(const char *line, size_t len, char *out, size_t size);

/* The event counters of the XDP program and of the logger, from the pins. */
struct sl_cli_log_counters {
	uint64_t xdp[SL_LOG_STAT_COUNT]; /* sl_log_stats, summed over CPUs */
	uint64_t logger[16];             /* sl_logger_stats, by enum sl_logger_counter */
	bool logger_published;           /* sl_logger_stats was readable */
};

/*
 * Reads the counters pinned under pin_dir. 0, or a negative errno
 * (-ENOENT when sl_log_stats is not pinned there).
 */
int sl_cli_log_counters_read(const char *pin_dir, struct sl_cli_log_counters *c);

/* {"xdp": {NAME: N, ...}, "logger": {NAME: N, ...}} (docs/logs.md), or NULL. */
json_t *sl_cli_log_counters_json(const struct sl_cli_log_counters *c);

/* The same as two text tables on stdout. */
void sl_cli_log_counters_print(const struct sl_cli_log_counters *c);

/*
 * The commands, argv after "log": `tail ...`, and `stats`, the event
 * counters of the XDP program and of the logger from the pins under
 * pin_dir (docs/logs.md). Returns the exit status.
 */
int sl_cli_log(bool json, const char *pin_dir, int argc, char **argv);

#endif /* SLUICE_CLI_LOG_H */
