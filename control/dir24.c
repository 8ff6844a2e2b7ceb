/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "dir24.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t addr_of(const struct sl_pfx4_entry *e)
{
	const uint8_t *a = e->key.addr;

	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* Prefix lengths beyond 32 are clamped: the compiler never emits them. */
static uint32_t len_of(const struct sl_pfx4_entry *e)
{
	return e->key.prefixlen > 32 ? 32 : e->key.prefixlen;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t sl_dir24_groups(const struct sl_pfx4_entry *pfx, size_t n)
{
	uint32_t *slots;
	size_t i, k = 0, groups = 0;

	for (i = 0; i < n; i++)
		k += len_of(&pfx[i]) > 24;
	if (!k)
		return 0;
	slots = malloc(k * sizeof(*slots));
	if (!slots)
		return SIZE_MAX;
	for (i = 0, k = 0; i < n; i++)
		if (len_of(&pfx[i]) > 24)
			slots[k++] = addr_of(&pfx[i]) >> 8;
	qsort(slots, k, sizeof(*slots), cmp_u32);
	for (i = 0; i < k; i++)
		groups += i == 0 || slots[i] != slots[i - 1];
	free(slots);
	return groups;
}

/*
 * Prefixes are written shortest first, so a longer prefix overwrites the
 * shorter ones it lies in: the longest match wins. All prefixes up to /24
 * go before any longer one, so a group copies its /24's final value.
 */
int sl_dir24_build(const struct sl_pfx4_entry *pfx, size_t n, uint32_t default_class,
		   uint32_t *tbl24, uint32_t *tbl8, size_t groups)
{
	size_t count[34] = { 0 }, *order, i, used = 0;
	uint32_t len;

	order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	/* Counting sort of the prefixes by length. */
	for (i = 0; i < n; i++)
		count[len_of(&pfx[i]) + 1]++;
	for (len = 1; len < 34; len++)
		count[len] += count[len - 1];
	for (i = 0; i < n; i++)
		order[count[len_of(&pfx[i])]++] = i;

	for (i = 0; i < SL_DIR24_ENTRIES; i++)
		tbl24[i] = default_class;
	for (i = 0; i < n; i++) {
		const struct sl_pfx4_entry *e = &pfx[order[i]];
		uint32_t addr = addr_of(e), cls = e->addr_class, slot, first, last, j;

		len = len_of(e);
		if (len <= 24) {
			first = len ? (addr >> 8) & ~((1u << (24 - len)) - 1) : 0;
			last = first + (1u << (24 - len)) - 1;
			for (j = first; j <= last; j++)
				tbl24[j] = cls;
			continue;
		}
		slot = addr >> 8;
		if (!(tbl24[slot] & SL_DIR_EXT)) {
			if (used >= groups) {
				free(order);
				return -E2BIG;
			}
			for (j = 0; j < SL_DIR8_GROUP; j++)
				tbl8[used * SL_DIR8_GROUP + j] = tbl24[slot];
			tbl24[slot] = SL_DIR_EXT | (uint32_t)used;
			used++;
		}
		first = (addr & 0xff) & ~((1u << (32 - len)) - 1);
		last = first + (1u << (32 - len)) - 1;
		for (j = first; j <= last; j++)
			tbl8[(tbl24[slot] & ~SL_DIR_EXT) * SL_DIR8_GROUP + j] = cls;
	}
	free(order);
	return 0;
}

uint32_t sl_dir24_lookup(const uint32_t *tbl24, const uint32_t *tbl8, const uint8_t addr[4])
{
	uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
	uint32_t v = tbl24[a >> 8];

	if (v & SL_DIR_EXT)
		v = tbl8[(v & ~SL_DIR_EXT) * SL_DIR8_GROUP + (a & 0xff)];
	return v;
}
