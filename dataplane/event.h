/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Event records (include/sluice/events.h) out of a ring: the one bounded
 * decoder, and the two encoders the logger writes with, JSON lines and
 * pcap (docs/logs.md). Pure functions on caller buffers, no system calls,
 * so they are unit-tested and fuzzed without privileges.
 */
#ifndef SLUICE_EVENT_H
#define SLUICE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"
#include "sluice/events.h"

/* A decoded record: a validated copy of the header and its captured bytes. */
struct sl_event_view {
	struct sl_event ev;
	const uint8_t *cap; /* ev.cap_len bytes inside the record, NULL when 0 */
};

/*
 * Decodes the record of len bytes at rec. Returns 0, or -EINVAL when the
 * record is too short, has a bad magic, version, type, verdict, family,
 * flag or reason, or claims more captured bytes than it holds or than
 * SL_CAPTURE_MAX. rec need not be aligned.
 */
int sl_event_decode(const void *rec, size_t len, struct sl_event_view *out);

/* What the JSON encoder needs besides the event. */
struct sl_json_ctx {
	const char *source;               /* "xdp" or a worker ring's name */
	int64_t wall_offset_ns;           /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	const struct sl_rule_meta *names; /* rule names by index, may be NULL */
	uint32_t n_names;
};

/* The longest line sl_event_json writes, newline included. */
#define SL_JSON_LINE_MAX 768

/*
 * Writes the event as one JSON object and a newline (no NUL) into buf.
 * Returns the bytes written, or -ENOSPC when size is too small (sizes of
 * SL_JSON_LINE_MAX always suffice). The schema is docs/logs.md's.
 */
int sl_event_json(const struct sl_event_view *v, const struct sl_json_ctx *ctx, char *buf,
		  size_t size);

/* Classic pcap, nanosecond timestamps, Ethernet frames, host byte order. */
#define SL_PCAP_MAGIC_NS 0xa1b23c4du
#define SL_PCAP_LINKTYPE_ETHERNET 1
#define SL_PCAP_FILE_HDR_LEN 24
#define SL_PCAP_REC_HDR_LEN 16

/* Writes the 24-byte file header into buf (size >= 24). Returns 24 or -ENOSPC. */
int sl_pcap_file_header(void *buf, size_t size);

/*
 * Writes the pcap record of an event with captured bytes (header and
 * data). Returns the bytes written, 0 when the event has no capture, or
 * -ENOSPC.
 */
int sl_pcap_record(const struct sl_event_view *v, int64_t wall_offset_ns, void *buf, size_t size);

/* Stable names used in the JSON lines. */
const char *sl_event_verdict_name(uint32_t verdict);

#endif /* SLUICE_EVENT_H */
