/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The arithmetic of sluice-gen that runs both in its XDP programs and in
 * userspace: incremental Internet checksum updates (RFC 1624), the flow
 * walk, the latency histogram bucket and the per-stream sequence
 * accounting. Kept here, free of libc and of BPF helpers, so that the unit
 * tests check exactly the code the programs run.
 */
#ifndef SLUICE_GEN_CALC_H
#define SLUICE_GEN_CALC_H

#include <linux/types.h>

#include "sluice/gen.h"

#define SL_GEN_INLINE static inline __attribute__((always_inline))

/*
 * Checksum update in three steps: start from the field's current value,
 * add each 16-bit word that changes (old and new, as stored in memory),
 * fold into the new value. Byte order does not matter as long as every
 * word is taken as stored. At most 32 words between start and fold.
 */
SL_GEN_INLINE __u32 sl_gen_csum_start(__u16 csum)
{
	return (__u16)~csum;
}

SL_GEN_INLINE __u32 sl_gen_csum_word(__u32 acc, __u16 old_w, __u16 new_w)
{
	return acc + (__u16)~old_w + new_w;
}

SL_GEN_INLINE __u16 sl_gen_csum_fold(__u32 acc)
{
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (__u16)~acc;
}

/*
 * The flow of packet n. Sequential: a mixed-radix counter, the source
 * address turning fastest, then destination, source port, destination
 * port. Random: each field independently from rnd[0..3] (uniform 32-bit
 * numbers the caller draws). Every count is at least 1. c is volatile
 * because the program passes its rodata: read as plain const, the
 * compiler would fold the zeros it was declared with.
 */
SL_GEN_INLINE void sl_gen_flow_pick(const volatile struct sl_gen_flow_cfg *c, __u64 n,
				    const __u32 rnd[4], struct sl_gen_flow *f)
{
	__u64 i;

	if (c->random) {
		f->src = c->src.base + (__u32)((__u64)rnd[0] % c->src.count);
		f->dst = c->dst.base + (__u32)((__u64)rnd[1] % c->dst.count);
		f->sport = (__u16)(c->sport.base + (__u32)((__u64)rnd[2] % c->sport.count));
		f->dport = (__u16)(c->dport.base + (__u32)((__u64)rnd[3] % c->dport.count));
		return;
	}
	i = n;
	f->src = c->src.base + (__u32)(i % c->src.count);
	i /= c->src.count;
	f->dst = c->dst.base + (__u32)(i % c->dst.count);
	i /= c->dst.count;
	f->sport = (__u16)(c->sport.base + (__u32)(i % c->sport.count));
	i /= c->sport.count;
	f->dport = (__u16)(c->dport.base + (__u32)(i % c->dport.count));
}

/* The histogram bucket of a latency in ns (see SL_GEN_HIST_BUCKETS). */
SL_GEN_INLINE __u32 sl_gen_hist_bucket(__u64 v)
{
	__u32 e = 0;
	__u64 x;

	if (v < SL_GEN_HIST_SUB)
		return (__u32)v;
	if (v >> SL_GEN_HIST_MAX_EXP)
		return SL_GEN_HIST_BUCKETS - 1;
	/* floor(log2 v) by halving, no loop: the verifier sees straight code. */
	x = v;
	if (x >> 32) { x >>= 32; e += 32; }
	if (x >> 16) { x >>= 16; e += 16; }
	if (x >> 8) { x >>= 8; e += 8; }
	if (x >> 4) { x >>= 4; e += 4; }
	if (x >> 2) { x >>= 2; e += 2; }
	if (x >> 1) { e += 1; }
	return (e - (SL_GEN_HIST_SUB_BITS - 1)) * SL_GEN_HIST_SUB +
	       (__u32)((v >> (e - SL_GEN_HIST_SUB_BITS)) & (SL_GEN_HIST_SUB - 1));
}

/*
 * Accounts one received sequence number in s (see struct sl_gen_seq).
 * The first packet seen starts the stream. Differences are taken modulo
 * 2^32, so a stream may wrap. Returns an enum sl_gen_seq_result.
 */
SL_GEN_INLINE int sl_gen_seq_account(struct sl_gen_seq *s, __u32 seq)
{
	__u32 slot = seq & (SL_GEN_SEQ_WINDOW - 1);
	__u32 ahead = seq - s->max_seq;
	__u32 back = s->max_seq - seq;

	if (!s->started) {
		s->started = 1;
		s->max_seq = seq;
		s->slot[slot] = seq + 1;
		s->received++;
		return SL_GEN_SEQ_IN_ORDER;
	}
	if (ahead != 0 && ahead < 0x80000000u) {
		s->max_seq = seq;
		s->slot[slot] = seq + 1;
		s->received++;
		if (ahead == 1)
			return SL_GEN_SEQ_IN_ORDER;
		s->lost += ahead - 1;
		return SL_GEN_SEQ_GAP;
	}
	if (ahead == 0) {
		s->duplicate++;
		return SL_GEN_SEQ_DUPLICATE;
	}
	if (back >= SL_GEN_SEQ_WINDOW) {
		s->received++;
		s->late++;
		if (s->lost)
			s->lost--;
		return SL_GEN_SEQ_LATE;
	}
	if (s->slot[slot] == seq + 1) {
		s->duplicate++;
		return SL_GEN_SEQ_DUPLICATE;
	}
	s->slot[slot] = seq + 1;
	s->received++;
	s->reordered++;
	if (s->lost)
		s->lost--;
	return SL_GEN_SEQ_REORDERED;
}

/*
 * The pacing step of gen_tx (see struct sl_gen_tx_slot): returns 1 when a
 * packet is due at now, and moves the deadline on by one interval; 0 when
 * it is not due yet. Unpaced slots are always due.
 */
SL_GEN_INLINE int sl_gen_pace_due(struct sl_gen_tx_slot *st, __u64 now)
{
	__u64 f;

	if (!st->interval_ns && !st->interval_frac)
		return 1;
	if (now < st->next_ns)
		return 0;
	/* Behind by more than the allowed burst: forget the rest of the debt. */
	if (now - st->next_ns > st->max_lag_ns) {
		st->given_up_ns += now - st->next_ns - st->max_lag_ns;
		st->next_ns = now - st->max_lag_ns;
		st->next_frac = 0;
	}
	f = (__u64)st->next_frac + st->interval_frac;
	st->next_frac = (__u32)f;
	st->next_ns += st->interval_ns + (f >> 32);
	return 1;
}

#endif /* SLUICE_GEN_CALC_H */
