/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Userspace stages (docs/dataplane.md): what a worker does with the
 * packets XDP steered to it. An interface's config names its stages in
 * order (`stages: [reflect]`); each worker opens its own instance of each
 * (no state is shared between workers), and runs a burst of packets
 * through them one stage at a time. A stage looks only at the packets
 * still undecided and may decide them: transmit (on the port they came
 * from, as the stage left them), forward (on the peer port of an inline
 * pair), or drop. A packet no stage decides is
 * dropped and counted as undecided.
 *
 * A stage is a struct sl_stage_ops in the registry of stage.c; adding one
 * is one entry there and one name in the config loader's list.
 */
#ifndef SLUICE_STAGE_H
#define SLUICE_STAGE_H

#include <net/if.h>
#include <stdint.h>

#include "port.h"

/* What became of a packet so far. */
enum sl_stage_verdict {
	SL_SV_CONTINUE = 0, /* undecided: the next stage sees it */
	SL_SV_TX = 1,       /* send it back out on its port */
	SL_SV_DROP = 2,     /* free it */
	SL_SV_FWD = 3,      /* send it out on the pipeline's peer port (inline forward) */
};

/* One packet for the stages: its buffers, headers in the first one. */
struct sl_stage_pkt {
	struct sl_buf *bufs; /* bufs[0..nbufs); all but the last have SL_BUF_CONTD */
	uint32_t nbufs;
	uint32_t len;        /* total bytes */
	uint8_t verdict;     /* enum sl_stage_verdict */
};

struct sl_config;

/*
 * Where a stage instance runs. cfg is the config sluiced started with
 * (its sections, and pin_dir for the program's maps, whose pins always
 * name the live generation's); NULL in tests that need none.
 */
struct sl_stage_env {
	char ifname[IF_NAMESIZE];
	uint32_t queue;
	const struct sl_config *cfg;
};

struct sl_stage_ops {
	const char *name;
	/* Makes the per-worker state (NULL for none). 0 or a negative errno. */
	int (*open)(const struct sl_stage_env *env, void **state);
	/* Decides or leaves each packet of pkts[0..n) whose verdict is SL_SV_CONTINUE. */
	void (*run)(void *state, struct sl_stage_pkt *pkts, uint32_t n);
	void (*close)(void *state);
	/*
	 * The stage's own counters (NULL: none): the names of up to
	 * SL_STAGE_OWN_MAX of them, NULL-terminated, and a call that copies
	 * their totals into own[] (struct sl_stage_counters) after each run.
	 */
	const char *const *own_names;
	void (*own_counters)(const void *state, uint64_t *own);
};

/* A stage by its config name, or NULL. */
const struct sl_stage_ops *sl_stage_find(const char *name);

/* The reflect, drop and forward stages (reflect.c, stage.c). */
extern const struct sl_stage_ops sl_stage_reflect;
extern const struct sl_stage_ops sl_stage_drop;
/* Inline forward: every undecided packet SL_SV_FWD, out on the other port of the pair. */
extern const struct sl_stage_ops sl_stage_forward;
/* The inspect stage (stage_inspect.c, stage_inspect.h). */
extern const struct sl_stage_ops sl_stage_inspect;

/*
 * Swaps the Ethernet addresses, the IPv4 or IPv6 addresses and the TCP
 * or UDP ports of the frame in place (behind up to two VLAN tags). The
 * checksums stay valid: a swap leaves every ones'-complement sum as it
 * was. Only the ports of a first (or only) fragment are swapped. Returns
 * 0, or -EINVAL for a frame too short for the headers it announces (left
 * untouched beyond the MACs).
 */
int sl_reflect_frame(uint8_t *frame, uint32_t len);

#define SL_PIPELINE_MAX 8

#define SL_STAGE_OWN_MAX 4

/* Per-stage counters of one pipeline. */
struct sl_stage_counters {
	uint64_t seen; /* undecided packets it ran on */
	uint64_t tx;   /* it decided: transmit (on its port, or forward on the peer) */
	uint64_t drop; /* it decided: drop */
	uint64_t own[SL_STAGE_OWN_MAX]; /* the stage's own, named by its ops' own_names */
};

/* One worker's instances of an interface's stages. */
struct sl_pipeline {
	const struct sl_stage_ops *ops[SL_PIPELINE_MAX];
	void *state[SL_PIPELINE_MAX];
	struct sl_stage_counters counters[SL_PIPELINE_MAX];
	uint32_t n;
	/*
	 * Where a worker reports the packets its stages drop, as struct
	 * sl_event records for the logger (sluice/events.h): NULL for none.
	 * ifindex and queue name the receiving socket in those records.
	 */
	struct sl_spsc *events;
	uint32_t ifindex;
	uint32_t queue;
	/*
	 * Where SL_SV_FWD packets leave: the other port of an inline pair,
	 * sharing the receiving port's UMEM (docs/dataplane.md). NULL for
	 * none: such packets are then dropped as undecided.
	 */
	struct sl_port *peer;
};

/*
 * Opens the stages named names[0..n) in order. Returns 0, -ENOENT (an
 * unknown name, which the config loader refuses first), -E2BIG, or what
 * a stage's open returned (the ones opened before are closed).
 */
int sl_pipeline_open(struct sl_pipeline *pl, const char (*names)[16], uint32_t n,
		     const struct sl_stage_env *env);

/* Runs pkts[0..n) through every stage, counting per stage. */
void sl_pipeline_run(struct sl_pipeline *pl, struct sl_stage_pkt *pkts, uint32_t n);

/* Closes every stage. Idempotent. */
void sl_pipeline_close(struct sl_pipeline *pl);

#endif /* SLUICE_STAGE_H */
