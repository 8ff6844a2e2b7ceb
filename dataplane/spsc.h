/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A single-producer single-consumer ring of fixed-size slots, for events
 * of the userspace stages: a worker produces, the logger consumes. No
 * lock and no system call on either side; the producer never waits (a
 * full ring drops the record and counts it). The producer's and the
 * consumer's indices live on separate cache lines, each side keeps a
 * cached copy of the other's so that it reads the shared line only when
 * its copy says the ring is full (or empty).
 *
 * Each slot holds an 8-byte header (the length) and up to slot_size - 8
 * bytes, 8-byte aligned so that a producer can build a record in place.
 */
#ifndef SLUICE_SPSC_H
#define SLUICE_SPSC_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define SL_CACHE_LINE 64
#define SL_SPSC_HDR 8 /* bytes before each record: its length, then padding */

struct sl_spsc {
	/* Written by the producer only. */
	_Alignas(SL_CACHE_LINE) uint64_t head; /* next slot to fill */
	uint64_t tail_cache;                   /* the producer's copy of tail */
	uint64_t drops_full;                   /* records refused: ring full */
	uint64_t drops_size;                   /* records refused: larger than a slot */
	/* Written by the consumer only. */
	_Alignas(SL_CACHE_LINE) uint64_t tail; /* next slot to read */
	uint64_t head_cache;                   /* the consumer's copy of head */
	/* Fixed at creation. */
	_Alignas(SL_CACHE_LINE) uint32_t mask; /* slots - 1 */
	uint32_t slot_size;
	uint8_t *slots;
};

/*
 * Creates a ring of slots slots (a power of two, >= 2) of slot_size bytes
 * (a multiple of 8, >= 16). Returns 0 or -EINVAL / -ENOMEM.
 */
int sl_spsc_create(uint32_t slots, uint32_t slot_size, struct sl_spsc **out);

/* Frees the ring. NULL-safe. Neither side may use it any more. */
void sl_spsc_destroy(struct sl_spsc *r);

/* Bytes a record may have in this ring. */
static inline uint32_t sl_spsc_max_record(const struct sl_spsc *r)
{
	return r->slot_size - SL_SPSC_HDR;
}

/*
 * Producer: a slot for a record of len bytes, or NULL (counted) when the
 * ring is full or len is too large. Fill it, then sl_spsc_commit.
 */
static inline void *sl_spsc_reserve(struct sl_spsc *r, uint32_t len)
{
	uint64_t head = r->head;

	if (len > r->slot_size - SL_SPSC_HDR) {
		__atomic_store_n(&r->drops_size, r->drops_size + 1, __ATOMIC_RELAXED);
		return NULL;
	}
	if (head - r->tail_cache > r->mask) {
		r->tail_cache = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (head - r->tail_cache > r->mask) {
			__atomic_store_n(&r->drops_full, r->drops_full + 1, __ATOMIC_RELAXED);
			return NULL;
		}
	}
	return r->slots + (size_t)(head & r->mask) * r->slot_size + SL_SPSC_HDR;
}

/* Producer: publishes the reserved slot holding len bytes. */
static inline void sl_spsc_commit(struct sl_spsc *r, uint32_t len)
{
	uint8_t *slot = r->slots + (size_t)(r->head & r->mask) * r->slot_size;

	memcpy(slot, &len, 4);
	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
}

/* Producer: copies a record in. 0, or -ENOBUFS when it was dropped. */
static inline int sl_spsc_push(struct sl_spsc *r, const void *rec, uint32_t len)
{
	void *slot = sl_spsc_reserve(r, len);

	if (!slot)
		return -ENOBUFS;
	memcpy(slot, rec, len);
	sl_spsc_commit(r, len);
	return 0;
}

/* Consumer: the oldest record and its length, or NULL when the ring is empty. */
static inline const void *sl_spsc_peek(struct sl_spsc *r, uint32_t *len)
{
	const uint8_t *slot;

	if (r->tail == r->head_cache) {
		r->head_cache = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		if (r->tail == r->head_cache)
			return NULL;
	}
	slot = r->slots + (size_t)(r->tail & r->mask) * r->slot_size;
	memcpy(len, slot, 4);
	return slot + SL_SPSC_HDR;
}

/* Consumer: gives the slot of the record sl_spsc_peek returned back. */
static inline void sl_spsc_release(struct sl_spsc *r)
{
	__atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

/* Records dropped by the producer so far (read from any thread). */
static inline uint64_t sl_spsc_drops(const struct sl_spsc *r)
{
	return __atomic_load_n(&r->drops_full, __ATOMIC_RELAXED) +
	       __atomic_load_n(&r->drops_size, __ATOMIC_RELAXED);
}

#endif /* SLUICE_SPSC_H */
