/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluiced's Prometheus endpoint (docs/metrics.md): GET /metrics answers
 * with the firewall's counters (per verdict, drop reason and rule), the
 * event logger's counters, the memory placement and the dataplane
 * workers' counters, read from the maps and the workers on every scrape. The HTTP server is libmicrohttpd in its own thread, so the
 * daemon's main loop never waits for a scraper.
 *
 * Two halves: sl_metrics_render turns a snapshot of numbers into the
 * Prometheus text format (no I/O, unit-tested), and the server fills a
 * snapshot from the source the daemon sets and serves the text.
 */
#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "proto.h"
#include "sluice/events.h"
#include "stats.h"
#include "worker_status.h"

#define SL_METRICS_MAX_PLACED 32 /* placement entries one scrape reports */
#define SL_METRICS_MAX_WORKERS 32 /* dataplane workers one scrape reports (as STATUS) */

/* What one scrape shows: numbers only, so rendering needs no maps. */
struct sl_metrics_snapshot {
	const char *version;   /* sluice_build_info's label; NULL: "" */
	bool have_fw;          /* stats holds the firewall's counters */
	struct sl_stats stats;
	bool have_log;         /* log holds sl_log_stats (the program's event counters) */
	uint64_t log[SL_LOG_STAT_COUNT];
	bool have_logger;      /* logger holds sl_logger_stats (the logger thread's) */
	uint64_t logger[SL_LOGGER_COUNTERS];
	struct sl_ctl_place_info placement[SL_METRICS_MAX_PLACED];
	size_t n_placement;
	/* The workers' counters, the snapshot `sluicectl status` shows (worker_status.h). */
	struct sl_ctl_worker workers[SL_METRICS_MAX_WORKERS];
	size_t n_workers;
};

/*
 * Writes the Prometheus text exposition (format 0.0.4) of s into buf
 * (size bytes, NUL-terminated) and its length, without the NUL, into
 * *len. Label values are escaped. 0, or -ENOSPC when buf is too small
 * (buf then holds a truncated text that must not be served).
 */
int sl_metrics_render(const struct sl_metrics_snapshot *s, char *buf, size_t size, size_t *len);

/*
 * Where a scrape reads from. The fds belong to the caller (the loaded
 * firewall): call sl_metrics_set_source again (with NULL or a new source)
 * before closing them, e.g. when a reload replaces the firewall.
 */
struct sl_metrics_source {
	struct sl_stats_fds stats; /* any negative fd: no firewall counters */
	int log_stats_fd;          /* sl_log_stats, or -1 */
	int logger_stats_fd;       /* sl_logger_stats, or -1 */
	/*
	 * Fills out[0..max) with the placement report measured now and
	 * returns how many entries; called from the server's thread, so it
	 * must be safe against the daemon's own use of the report. May be NULL.
	 */
	size_t (*placement)(void *arg, struct sl_ctl_place_info *out, size_t max);
	void *placement_arg;
	/*
	 * Fills out[0..max) with the dataplane workers' counters read now
	 * and returns how many; called from the server's thread while the
	 * workers run. May be NULL (no workers).
	 */
	size_t (*workers)(void *arg, struct sl_ctl_worker *out, size_t max);
	void *workers_arg;
};

struct sl_metrics;

/*
 * Starts the server on cfg's address (cfg->enabled must be true) with no
 * source yet: a scrape then shows only sluice_build_info. Returns 0, or a
 * negative errno with a one-line diag (-EADDRINUSE, -EACCES, ...).
 */
int sl_metrics_start(const struct sl_metrics_cfg *cfg, struct sl_metrics **out,
		     struct sl_diag *diag);

/*
 * Replaces the source (copied) under the server's lock: once this
 * returns, no scrape uses the old one. NULL: no source. NULL-safe in m.
 */
void sl_metrics_set_source(struct sl_metrics *m, const struct sl_metrics_source *src);

/* Stops the server thread, closes the socket and frees m. NULL-safe. */
void sl_metrics_stop(struct sl_metrics *m);

#endif /* SLUICE_METRICS_H */
