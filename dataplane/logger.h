/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The logger (docs/logs.md): one thread that drains the event sources
 * (the XDP program's sl_events ring buffer and the workers' SPSC rings)
 * and writes JSON lines and pcap captures through io_uring: large
 * buffers, several writes in flight, registered buffers and files, short
 * writes and -EAGAIN resubmitted. Where io_uring is refused it says so
 * once and uses pwrite. Files rotate by size and age, the oldest beyond
 * max_files are removed, fsync follows the configured policy.
 *
 * Nothing here ever makes a producer wait: a full ring drops and counts
 * at the producer, a full disk drops and counts here and writing resumes
 * when space returns.
 */
#ifndef SLUICE_LOGGER_H
#define SLUICE_LOGGER_H

#include <stdbool.h>
#include <stdint.h>

#include "../control/config.h"
#include "sluice/abi.h"
#include "pool.h"
#include "spsc.h"

struct sl_logger;

/* Where events come from, besides the rings added with sl_logger_add_ring. */
struct sl_logger_sources {
	int events_fd;                    /* sl_events ring buffer map, or -1 */
	int log_stats_fd;                 /* sl_log_stats map (for the summary), or -1 */
	int publish_fd;                   /* sl_logger_stats map to publish counters to, or -1 */
	const struct sl_rule_meta *names; /* rule names by index, copied; may be NULL */
	uint32_t n_names;
	/*
	 * With topo, the write buffers are a memory pool on the tier that
	 * buffers asks for (docs/tiers.md); without, plain memory.
	 */
	const struct sl_topology *topo;
	const struct sl_pool_cfg *buffers;
	bool strict;                      /* a missing tier is an error */
};

/* Counters of the logger; drops are per reason, the rings' per ring. */
struct sl_logger_stats {
	uint64_t records;        /* events taken from the sources */
	uint64_t json_written;   /* JSON lines on disk */
	uint64_t pcap_written;   /* pcap records on disk */
	uint64_t bytes_written;
	uint64_t writes;         /* write requests completed */
	uint64_t short_writes;   /* resubmitted for their remainder */
	uint64_t retries;        /* -EAGAIN / -EINTR resubmitted */
	uint64_t drop_disk_full; /* records lost to ENOSPC or EDQUOT */
	uint64_t drop_io_error;  /* records lost to other write errors */
	uint64_t drop_decode;    /* malformed records */
	uint64_t disk_full;      /* times a write hit a full disk */
	uint64_t rotations;
	uint64_t fsyncs;
	uint64_t ring_drops;     /* records the workers' rings refused, summed */
	uint64_t audit_records;  /* audit records taken from the audit queue */
	uint64_t audit_written;  /* audit lines on disk */
	uint64_t audit_drop_write; /* audit records lost to write errors (also in drop_disk_full/_io_error) */
	uint64_t audit_drop_queue; /* audit records the queue refused (full) */
	bool io_uring;           /* false: the pwrite fallback is in use */
};

/*
 * Starts the logger thread for the logging config cfg (copied). With
 * SLUICE_LOG_PWRITE=1 in the environment, or cfg->io SL_LOG_IO_PWRITE,
 * or when io_uring is refused, it writes with pwrite. Existing non-empty
 * output files are rotated away first. Returns 0 or a negative errno
 * (-EINVAL for a config without outputs, the open error of a file).
 */
int sl_logger_start(const struct sl_logging_cfg *cfg, const struct sl_logger_sources *src,
		    struct sl_logger **out);

/* The pool holding the write buffers, or NULL when they are plain memory. */
const struct sl_pool *sl_logger_buffers_pool(const struct sl_logger *lg);

/*
 * Adds a single-producer ring of cfg->worker_ring_slots slots of
 * slot_size bytes (SL_SPSC_HDR of them before each record) that the
 * logger drains (records are struct sl_event plus captured bytes), named
 * name in the JSON "source" field (at most
 * 31 characters). The logger owns the ring: it lives until
 * sl_logger_stop. At most SL_LOGGER_MAX_RINGS. 0 or a negative errno.
 */
#define SL_LOGGER_MAX_RINGS 64
int sl_logger_add_ring(struct sl_logger *lg, const char *name, uint32_t slot_size,
		       struct sl_spsc **out);

/*
 * Hands an audit record (dataplane/audit.h) to the logger thread, which
 * resolves the user name and writes it as a JSON line to the audit
 * output. Never blocks and makes no system call: the record is copied
 * into a single-producer queue, so only one thread may call this
 * (sluiced's control loop). 0; -ENOBUFS when the queue is full (the
 * record is dropped and counted as audit_drop_queue); -ENODEV when the
 * config has no audit output. NULL-safe (-ENODEV).
 */
struct sl_audit_rec;
int sl_logger_audit(struct sl_logger *lg, const struct sl_audit_rec *r);

/*
 * Waits until every record the sources held when called is written (or
 * counted as dropped), at most timeout_ms. 0, or -ETIMEDOUT.
 */
int sl_logger_flush(struct sl_logger *lg, int timeout_ms);

/* A snapshot of the counters; callable from any thread. */
void sl_logger_stats(const struct sl_logger *lg, struct sl_logger_stats *out);

/*
 * Drains every source, writes and (unless fsync is none) syncs everything,
 * stops the thread, closes the files and frees lg. NULL-safe. Returns 0
 * or the first write error seen, as a negative errno.
 */
int sl_logger_stop(struct sl_logger *lg);

/*
 * Names rules by stats slot from the next batch on (a new policy
 * generation, control/policy.h): names[slot] for slot < n, copied. Called
 * from one thread at a time. NULL lg: nothing to do. 0 or -ENOMEM.
 */
int sl_logger_set_names(struct sl_logger *lg, const struct sl_rule_meta *names, uint32_t n);

/* Sums the per-CPU sl_log_stats map into out[SL_LOG_STAT_COUNT]. 0 or a negative errno. */
int sl_log_stats_read(int fd, uint64_t *out);

#endif /* SLUICE_LOGGER_H */
