/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ABI of sluice-gen, the load-test rig: the payload every generated
 * packet carries (on the wire, so in network byte order), the rodata
 * configuration of the three XDP programs (xdp/gen_tx.bpf.c,
 * xdp/gen_reflect.bpf.c, xdp/gen_rx.bpf.c) and the values of their maps.
 * Declared once here and included by both sides. The arithmetic both
 * sides run (checksum updates, flow walk, histogram buckets, sequence
 * accounting) is in sluice/gen_calc.h.
 */
#ifndef SLUICE_GEN_H
#define SLUICE_GEN_H

#include <linux/types.h>
#include <linux/bpf.h> /* struct bpf_spin_lock */

/* "Sg": marks a sluice-gen payload. */
#define SL_GEN_MAGIC 0x5367

#define SL_GEN_MAX_STREAMS 256 /* stream ids the analyser tracks (id & 255) */
#define SL_GEN_SEQ_WINDOW 512  /* sequence numbers remembered for duplicate detection; 2^n */

/*
 * Latency histogram: log-linear buckets, SL_GEN_HIST_SUB per power of two
 * (relative error <= 1/16). Values below SL_GEN_HIST_SUB ns have a bucket
 * each; values of 2^SL_GEN_HIST_MAX_EXP ns (about 18 minutes) and more
 * share the last one.
 */
#define SL_GEN_HIST_SUB_BITS 4
#define SL_GEN_HIST_SUB (1 << SL_GEN_HIST_SUB_BITS)
#define SL_GEN_HIST_MAX_EXP 40
#define SL_GEN_HIST_BUCKETS ((SL_GEN_HIST_MAX_EXP - SL_GEN_HIST_SUB_BITS + 1) * SL_GEN_HIST_SUB)

/*
 * The payload, right after the L4 header (UDP, TCP, ICMP/ICMPv6 echo) of
 * every generated packet; the rest of the frame up to its size is zeros.
 * stream is the generator's stream base plus the sender slot that built
 * the packet; seq counts that stream's packets from 0; tx_ns is
 * CLOCK_MONOTONIC (bpf_ktime_get_ns) when the packet was built.
 */
struct sl_gen_payload {
	__be16 magic;
	__be16 stream;
	__be32 seq;
	__be64 tx_ns;
};

/* A range of values: base, base + 1, ..., base + count - 1 (count >= 1). */
struct sl_gen_range {
	__u32 base; /* host order; for addresses, the last 32 bits */
	__u32 pad;
	__u64 count;
};

/* The flows walked: the last 32 bits of each address, and the ports. */
struct sl_gen_flow_cfg {
	struct sl_gen_range src;
	struct sl_gen_range dst;
	struct sl_gen_range sport; /* ICMP: the echo identifier */
	struct sl_gen_range dport; /* ICMP: unused */
	__u32 random;              /* 0: sequential (source fastest), 1: random */
	__u32 pad;
};

/* One packet's flow, picked from a sl_gen_flow_cfg. */
struct sl_gen_flow {
	__u32 src; /* host order, the last 32 bits of the address */
	__u32 dst;
	__u16 sport;
	__u16 dport;
};

#define SL_GEN_MAX_THREADS 64  /* sender slots of gen_tx */
#define SL_GEN_SIZE_SCHED 256  /* entries of the frame-size schedule */
#define SL_GEN_HDR_MAX 128     /* bytes of template headers and payload in rodata */

/*
 * rodata of gen_tx. Offsets are from the start of the frame. The template
 * is built by userspace (gen/template.c) at the largest size: its first
 * hdr_len bytes (headers and payload) are in hdr, the rest are zeros. The
 * program writes hdr over every packet (a receiver on the same host may
 * have changed the page it sent: veth hands the page itself to the peer's
 * XDP program, and a reflector swaps its addresses), then rewrites what
 * varies. Packet n of a sender has the length sched[n % sched_len] (frame
 * bytes without FCS; sched_len 0: the template's length).
 */
struct sl_gen_tx_cfg {
	__u16 l3_off;      /* IPv4 or IPv6 header */
	__u16 l4_off;      /* UDP, TCP or ICMP header */
	__u16 payload_off; /* struct sl_gen_payload */
	__u8 family;       /* 4 or 6 */
	__u8 l4;           /* IPPROTO_UDP, _TCP, _ICMP or _ICMPV6 */
	__u16 stream_base; /* stream id = stream_base + sender slot */
	__u16 sched_len;   /* <= SL_GEN_SIZE_SCHED */
	__u32 skip_every;  /* testing: sequence numbers n with n % skip_every ==
			      skip_every - 1 are never sent; 0 or 1: off */
	struct sl_gen_flow_cfg flow;
	__u16 hdr_len;     /* even, <= SL_GEN_HDR_MAX: payload_off + 16 */
	__u16 pad2[3];
	__u8 hdr[SL_GEN_HDR_MAX];
	__u16 sched[SL_GEN_SIZE_SCHED];
};

/*
 * The XDP metadata userspace puts before each template (4 bytes): which
 * sender slot a BPF_PROG_RUN call belongs to. Without metadata: slot 0.
 */
struct sl_gen_tx_meta {
	__u32 slot;
};

/*
 * The state of one sender slot (an array of SL_GEN_MAX_THREADS entries).
 * Only the sender thread that owns the slot writes it, and only between
 * its own BPF_PROG_RUN calls; the program writes it during them.
 *
 * Pacing: when interval_ns or interval_frac is set, a run earlier than
 * next_ns returns XDP_DROP (the page is recycled, nothing is sent) and a
 * due run advances next_ns by the interval; a sender that fell behind
 * catches up at most max_lag_ns. quota stops transmission (every run
 * returns XDP_DROP) once packets reaches it.
 */
struct sl_gen_tx_slot {
	__u64 next_seq;      /* sequence numbers used, skipped ones included */
	__u64 packets;       /* packets transmitted (XDP_TX) */
	__u64 bytes;         /* their frame bytes, FCS excluded */
	__u64 quota;         /* 0: no limit */
	__u64 next_ns;       /* CLOCK_MONOTONIC */
	__u64 interval_ns;
	__u32 interval_frac; /* in 1/2^32 ns */
	__u32 next_frac;
	__u64 max_lag_ns;
	__u64 runs;          /* program runs (repetitions), sent or not */
	__u64 given_up_ns;   /* lateness beyond max_lag_ns forgiven, in total */
	__u64 first_ns;      /* when the first packet was built (0: none yet) */
	__u64 last_ns;       /* when the last one was */
};

/* rodata of gen_reflect: reflect TCP/UDP with dport in [port_lo, port_hi]. */
struct sl_gen_reflect_cfg {
	__u16 port_lo;
	__u16 port_hi;
	__u32 ports_set; /* 0: reflect every IP packet, 1: only the port range */
};

/* Per-CPU counters of gen_reflect. */
struct sl_gen_reflect_cpu {
	__u64 reflected;
	__u64 reflected_bytes;
	__u64 passed; /* not IP, not in the port range, or not parsable */
	__u64 pad;
};

/* rodata of gen_rx. */
struct sl_gen_rx_cfg {
	__u32 action; /* what happens to sluice-gen packets: XDP_DROP or XDP_PASS */
	__u32 pad;
};

/* Per-CPU counters of gen_rx. */
struct sl_gen_rx_cpu {
	__u64 packets;     /* sluice-gen packets (every copy, duplicates included) */
	__u64 bytes;
	__u64 other;       /* packets without a sluice-gen payload, always passed */
	__u64 clock_errors;/* tx_ns later than the receive time: not in the histogram */
	__u64 lat_sum_ns;
	__u64 lat_max_ns;
};

/*
 * Sequence accounting of one stream (sl_gen_seq_account). A packet newer
 * than max_seq by d counts d - 1 lost; an older one that was not seen
 * fills a gap (reordered, lost - 1), one that was seen is a duplicate,
 * one older than the window is late (received, lost - 1 when lost > 0).
 * slot[seq % SL_GEN_SEQ_WINDOW] holds seq + 1 for the packets seen.
 */
struct sl_gen_seq {
	__u32 max_seq;
	__u32 started;
	__u64 received; /* distinct packets */
	__u64 lost;     /* gaps below max_seq not filled (yet) */
	__u64 reordered;
	__u64 duplicate;
	__u64 late;
	__u32 slot[SL_GEN_SEQ_WINDOW];
};

/* One entry of gen_rx's stream array, indexed by stream id & 255. */
struct sl_gen_rx_stream {
	struct bpf_spin_lock lock;
	__u32 pad;
	struct sl_gen_seq seq;
};

enum sl_gen_seq_result {
	SL_GEN_SEQ_IN_ORDER = 0,
	SL_GEN_SEQ_GAP = 1,
	SL_GEN_SEQ_REORDERED = 2,
	SL_GEN_SEQ_DUPLICATE = 3,
	SL_GEN_SEQ_LATE = 4,
};

#ifndef __bpf__
_Static_assert(sizeof(struct sl_gen_payload) == 16, "payload");
_Static_assert(sizeof(struct sl_gen_range) == 16, "range");
_Static_assert(sizeof(struct sl_gen_flow_cfg) == 72, "flow cfg");
_Static_assert(sizeof(struct sl_gen_tx_cfg) == 96 + SL_GEN_HDR_MAX + 2 * SL_GEN_SIZE_SCHED, "tx cfg");
_Static_assert(sizeof(struct sl_gen_tx_meta) == 4, "tx meta");
_Static_assert(sizeof(struct sl_gen_tx_slot) == 96, "tx slot");
_Static_assert(sizeof(struct sl_gen_reflect_cfg) == 8, "reflect cfg");
_Static_assert(sizeof(struct sl_gen_reflect_cpu) == 32, "reflect cpu");
_Static_assert(sizeof(struct sl_gen_rx_cfg) == 8, "rx cfg");
_Static_assert(sizeof(struct sl_gen_rx_cpu) == 48, "rx cpu");
_Static_assert(sizeof(struct sl_gen_seq) == 48 + 4 * SL_GEN_SEQ_WINDOW, "seq");
_Static_assert(sizeof(struct sl_gen_rx_stream) == 8 + sizeof(struct sl_gen_seq), "rx stream");
_Static_assert((SL_GEN_SEQ_WINDOW & (SL_GEN_SEQ_WINDOW - 1)) == 0, "window is a power of two");
_Static_assert(SL_GEN_HIST_BUCKETS == 592, "histogram buckets");
#endif

#endif /* SLUICE_GEN_H */
