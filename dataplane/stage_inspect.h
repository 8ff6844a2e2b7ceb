/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The inspect stage inside the workers (docs/inspect.md): each undecided
 * packet goes through sl_inspect_frame (inspect.h); a deny is dropped,
 * everything else stays undecided for the next stage (forward on an
 * inline pair). A verdict the logic says to cache (TLS) is written into
 * the program's sl_flowcache map, so the rest of that flow is decided in
 * XDP and never comes back here.
 *
 * In a config the stage is `inspect` (sl_stage_inspect, stage.h); its
 * open builds the policies from the config's `inspect` section and opens
 * the pinned sl_flowcache under pin_dir. This header is for tests and
 * benchmarks, which build an instance with a writer of their own.
 */
#ifndef SLUICE_STAGE_INSPECT_H
#define SLUICE_STAGE_INSPECT_H

#include <stdint.h>

#include "inspect.h"
#include "stage.h"

/* The stage's own counters (struct sl_stage_counters.own). Never renumber. */
enum sl_inspect_stage_counter {
	SL_INSPECT_SC_ALLOW = 0,        /* packets a policy allowed (DNS queries, ClientHellos) */
	SL_INSPECT_SC_DENY = 1,         /* packets a policy denied: dropped */
	SL_INSPECT_SC_CACHED = 2,       /* flow verdicts written into the flow cache */
	SL_INSPECT_SC_CACHE_FAILED = 3, /* writes the map refused: the flow visits the stage again */
	SL_INSPECT_SC_COUNT = 4,
};

/*
 * Where a flow verdict goes: 0 or a negative errno. The stage's own
 * writer updates the sl_flowcache map (sl_inspect_cache_write).
 */
typedef int (*sl_flow_writer)(void *ctx, const struct sl_flow_key *key,
			      const struct sl_flow_verdict *v);

/*
 * An instance of the stage over cfg (a loaded config's `inspect` section,
 * which must be present) whose flow verdicts go to write(ctx, ...); write
 * may be NULL when the section has no `tls` (nothing is cached then).
 * run, own_counters and close are sl_stage_inspect's. Returns 0 and
 * *state, -EINVAL for a section that is absent or a TLS policy without a
 * writer, or -ENOMEM.
 */
int sl_inspect_stage_new(const struct sl_inspect_cfg *cfg, sl_flow_writer write, void *ctx,
			 void **state);

#endif /* SLUICE_STAGE_INSPECT_H */
