/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Event records: what the XDP program puts into the sl_events ring buffer
 * for a rule with `log` or `capture`, and what userspace producers put
 * into their single-producer rings. One layout for both sources, declared
 * once here; the logger decodes it (dataplane/event.h) into JSON lines and
 * pcap records (docs/logs.md).
 */
#ifndef SLUICE_EVENTS_H
#define SLUICE_EVENTS_H

#include <linux/types.h>

#include "abi.h"

#define SL_EVENT_MAGIC 0x534c /* "SL": catches a record read at the wrong offset */
#define SL_EVENT_VERSION 1
#define SL_CAPTURE_MAX 256    /* most bytes of a packet a capture keeps */

/* Record types. Never renumber. */
enum sl_event_type {
	SL_EVENT_PACKET = 1, /* a packet a logging rule counted or decided */
};

/* What the rule did; verdicts 0 and 1 are enum sl_verdict's. */
enum sl_event_verdict {
	SL_EV_VERDICT_PASS = SL_VERDICT_PASS,
	SL_EV_VERDICT_DROP = SL_VERDICT_DROP,
	SL_EV_VERDICT_COUNT = 2, /* a count rule: counted, classification went on */
};

/* sl_event.flags */
#define SL_EVF_PORTS 0x01     /* sport and dport hold the L4 ports */
#define SL_EVF_TCP_FLAGS 0x02 /* tcp_flags holds the TCP header's flags */
#define SL_EVF_ICMP 0x04      /* icmp holds the ICMP or ICMPv6 type */
#define SL_EVF_VLAN 0x08      /* vlan holds the outer VLAN id */
#define SL_EVF_FRAG 0x10      /* the packet is an IP fragment */
#define SL_EVF_ALL 0x1f

#define SL_EVENT_NO_RULE 0xffffffffu

/*
 * A packet event. Followed by cap_len bytes of the packet when the rule
 * captures (the record is then sizeof(struct sl_event) + SL_CAPTURE_MAX
 * bytes in the BPF ring buffer, of which cap_len are used).
 */
struct sl_event {
	__u16 magic;    /* SL_EVENT_MAGIC */
	__u8 version;   /* SL_EVENT_VERSION */
	__u8 type;      /* enum sl_event_type */
	__u8 verdict;   /* enum sl_event_verdict */
	__u8 family;    /* 4 or 6 */
	__u8 l4_proto;  /* IPPROTO_x */
	__u8 flags;     /* SL_EVF_x */
	__u64 ts_ns;    /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 rule;     /* the rule's stats slot (struct sl_rule.stat_slot), or SL_EVENT_NO_RULE */
	__u32 reason;   /* enum sl_reason (SL_REASON_NONE unless dropped) */
	__u32 ifindex;  /* ingress interface */
	__u32 rx_queue; /* receive queue */
	__u32 pkt_len;  /* bytes of the frame */
	__u16 cap_len;  /* captured bytes following the record, 0..SL_CAPTURE_MAX */
	__u16 vlan;     /* with SL_EVF_VLAN */
	__u16 sport;    /* with SL_EVF_PORTS, host order */
	__u16 dport;
	__u8 tcp_flags; /* with SL_EVF_TCP_FLAGS */
	__u8 icmp;      /* with SL_EVF_ICMP: the ICMP or ICMPv6 type */
	__u8 pad[2];
	__u8 src[16];   /* network order; IPv4 in the first four bytes */
	__u8 dst[16];
};

/* The BPF program's own accounting of events, a per-CPU array by index. */
enum sl_log_stat {
	SL_LOG_STAT_EMITTED = 0,      /* events submitted to the ring buffer */
	SL_LOG_STAT_SAMPLED_OUT = 1,  /* skipped by 1/N sampling (by design, not a loss) */
	SL_LOG_STAT_RATE_LIMITED = 2, /* dropped by the rule's rate limit */
	SL_LOG_STAT_RING_FULL = 3,    /* dropped: no room in the ring buffer */
	SL_LOG_STAT_TOO_MANY = 4,     /* dropped: over SL_LOG_PENDING_MAX logging rules for a packet */
	SL_LOG_STAT_COUNT = 5,
};

/*
 * The logging rules one packet met in the walk, in rule order, per CPU
 * (sl_log_pending): the walk notes them, the entry program turns them
 * into events after classification, where it has the packet at hand.
 */
#define SL_LOG_PENDING_MAX 8
struct sl_log_pending {
	__u32 n;
	__u32 pad;
	__u32 rule[SL_LOG_PENDING_MAX];
	__u8 verdict[SL_LOG_PENDING_MAX]; /* enum sl_event_verdict */
};

/* Per rule and per CPU: sampling and rate limit state (sl_log_state). */
struct sl_log_state {
	__u64 window_ns;   /* start of the current one-second window */
	__u32 window_n;    /* events emitted in it */
	__u32 sample_n;    /* matches since the last sampled one */
};

/*
 * The logger's counters, which sluiced's logger thread publishes into the
 * pinned sl_logger_stats map (one entry) once a second and after every
 * flush, so that `sluicectl log stats` reads them without the daemon.
 * Indices never renumbered.
 */
enum sl_logger_counter {
	SL_LOGGER_RECORDS = 0,        /* events taken from the sources */
	SL_LOGGER_JSON_WRITTEN = 1,
	SL_LOGGER_PCAP_WRITTEN = 2,
	SL_LOGGER_BYTES_WRITTEN = 3,
	SL_LOGGER_DROP_DISK_FULL = 4, /* records lost to ENOSPC / EDQUOT */
	SL_LOGGER_DROP_IO_ERROR = 5,  /* records lost to other write errors */
	SL_LOGGER_DROP_DECODE = 6,    /* malformed records */
	SL_LOGGER_DROP_RING_FULL = 7, /* records the workers' rings refused */
	SL_LOGGER_DISK_FULL = 8,      /* writes that hit a full disk */
	SL_LOGGER_ROTATIONS = 9,
	SL_LOGGER_AUDIT_RECORDS = 10,     /* audit records taken from the control thread's queue */
	SL_LOGGER_AUDIT_WRITTEN = 11,     /* audit lines on disk */
	SL_LOGGER_DROP_AUDIT_QUEUE = 12,  /* audit records lost: the queue to the logger was full */
	SL_LOGGER_DROP_AUDIT_WRITE = 13,  /* audit records lost to write errors (also in 4 or 5) */
	SL_LOGGER_COUNTERS = 14,
};

struct sl_logger_counters {
	__u64 v[16]; /* by enum sl_logger_counter; the rest 0 */
};

#define SL_EVENT_RING_DEFAULT (1u << 22) /* bytes of sl_events unless configured */

#ifndef __bpf__
_Static_assert(sizeof(struct sl_event) == 80, "event");
_Static_assert(sizeof(struct sl_log_state) == 16, "log state");
_Static_assert(sizeof(struct sl_log_pending) == 48, "log pending");
_Static_assert(sizeof(struct sl_logger_counters) == 128, "logger counters");
_Static_assert(SL_LOGGER_COUNTERS <= 16, "logger counters fit");
#endif

#endif /* SLUICE_EVENTS_H */
