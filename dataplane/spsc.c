/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "spsc.h"

#include <errno.h>
#include <stdlib.h>

int sl_spsc_create(uint32_t slots, uint32_t slot_size, struct sl_spsc **out)
{
	struct sl_spsc *r = NULL;
	int err;

	*out = NULL;
	if (slots < 2 || (slots & (slots - 1)) || slot_size < 16 || slot_size % 8 ||
	    (uint64_t)slots * slot_size > (1ull << 34))
		return -EINVAL;
	if (posix_memalign((void **)&r, SL_CACHE_LINE, sizeof(*r))) {
		err = -ENOMEM;
		goto out;
	}
	memset(r, 0, sizeof(*r));
	r->mask = slots - 1;
	r->slot_size = slot_size;
	if (posix_memalign((void **)&r->slots, SL_CACHE_LINE, (size_t)slots * slot_size)) {
		r->slots = NULL;
		err = -ENOMEM;
		goto out;
	}
	*out = r;
	r = NULL;
	err = 0;
out:
	sl_spsc_destroy(r);
	return err;
}

void sl_spsc_destroy(struct sl_spsc *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}
