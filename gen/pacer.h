/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rate control of one sender. The pacing runs in the generator program
 * (sl_gen_pace_due in sluice/gen_calc.h) on an absolute schedule that
 * carries over from one BPF_PROG_RUN call to the next: packet k is due at
 * t0 + k / rate, a run that is not due drops its page unsent, and a
 * sender that fell behind by up to `burst` intervals catches up (at most
 * `burst` packets back to back) and gives up any debt beyond that. A call of a paced sender therefore spins
 * its CPU, like a poll-mode driver, and keeps time to the microsecond.
 *
 * Debt is given up only when the sender's CPU stalls for longer than
 * `burst` intervals (another task ran there): the slot counts it, and a
 * rate that falls short says how much. A run is one BPF_PROG_RUN call per
 * sender (gen/tx.c), so the kernel's pause at the end of a call (it tears
 * the page pool down) never falls inside a run.
 */
#ifndef SLUICE_GEN_PACER_H
#define SLUICE_GEN_PACER_H

#include <stdint.h>

#include "sluice/gen.h"

/*
 * Sets up the pacing fields of slot for pps packets a second from t0_ns
 * (CLOCK_MONOTONIC), at most burst (>= 1) back to back. pps 0: unpaced.
 * Returns 0 or -EINVAL.
 */
int sl_gen_pace_init(struct sl_gen_tx_slot *slot, double pps, uint32_t burst, uint64_t t0_ns);

#endif /* SLUICE_GEN_PACER_H */
