/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "port.h"

#include <errno.h>

int sl_frame_acct_check(const struct sl_frame_acct *a)
{
	if (a->rx_owned < 0 || a->tx_owned < 0)
		return -EFAULT;
	/* The rings hold part of what the kernel owns, never more. */
	if (a->fill_ring > (uint64_t)a->rx_owned || a->comp_ring > (uint64_t)a->tx_owned)
		return -EFAULT;
	if (a->fill_ring + a->kernel + a->comp_ring != (uint64_t)a->rx_owned + (uint64_t)a->tx_owned)
		return -EFAULT;
	if (a->free + a->in_hand + (uint64_t)a->rx_owned + (uint64_t)a->tx_owned != a->frames)
		return -EFAULT;
	return 0;
}

void sl_frame_acct_add(struct sl_frame_acct *a, const struct sl_frame_acct *b)
{
	a->free += b->free;
	a->in_hand += b->in_hand;
	a->fill_ring += b->fill_ring;
	a->kernel += b->kernel;
	a->comp_ring += b->comp_ring;
	a->rx_owned += b->rx_owned;
	a->tx_owned += b->tx_owned;
}
