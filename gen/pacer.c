/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Rate control (pacer.h). */
#include "gen/pacer.h"

#include <errno.h>
#include <math.h>

int sl_gen_pace_init(struct sl_gen_tx_slot *slot, double pps, uint32_t burst, uint64_t t0_ns)
{
	double iv;

	slot->next_ns = 0;
	slot->next_frac = 0;
	slot->interval_ns = 0;
	slot->interval_frac = 0;
	slot->max_lag_ns = 0;
	if (pps == 0)
		return 0;
	if (!(pps > 0) || !isfinite(pps))
		return -EINVAL;
	iv = 1e9 / pps;
	slot->next_ns = t0_ns;
	slot->interval_ns = (uint64_t)iv;
	slot->interval_frac = (uint32_t)((iv - floor(iv)) * 4294967296.0);
	/* Faster than one a nanosecond is still paced, never "unpaced". */
	if (!slot->interval_ns && !slot->interval_frac)
		slot->interval_frac = 1;
	/*
	 * Lateness up to burst intervals is made up (at most burst packets
	 * back to back); beyond, it is given up. Runs come every ~100 ns and
	 * frames leave at the end of each kernel batch, so a packet is always
	 * a little late: without this margin every delay would stretch the
	 * schedule and the rate would fall short.
	 */
	slot->max_lag_ns = (uint64_t)(iv * (burst ? burst : 1));
	return 0;
}
