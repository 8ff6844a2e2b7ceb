/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "stage.h"

#include <errno.h>
#include <string.h>

/* rx-drop: decides every packet it sees, drop. */
static void drop_run(void *state, struct sl_stage_pkt *pkts, uint32_t n)
{
	uint32_t i;

	(void)state;
	for (i = 0; i < n; i++)
		if (pkts[i].verdict == SL_SV_CONTINUE)
			pkts[i].verdict = SL_SV_DROP;
}

const struct sl_stage_ops sl_stage_drop = {
	.name = "drop",
	.run = drop_run,
};

/* Inline forward: every packet still undecided leaves on the peer port. */
static void forward_run(void *state, struct sl_stage_pkt *pkts, uint32_t n)
{
	uint32_t i;

	(void)state;
	for (i = 0; i < n; i++)
		if (pkts[i].verdict == SL_SV_CONTINUE)
			pkts[i].verdict = SL_SV_FWD;
}

const struct sl_stage_ops sl_stage_forward = {
	.name = "forward",
	.run = forward_run,
};

/* Every stage the config may name; control/config.c lists the same names. */
static const struct sl_stage_ops *const registry[] = {
	&sl_stage_reflect,
	&sl_stage_drop,
	&sl_stage_forward,
	&sl_stage_inspect,
};

const struct sl_stage_ops *sl_stage_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

int sl_pipeline_open(struct sl_pipeline *pl, const char (*names)[16], uint32_t n,
		     const struct sl_stage_env *env)
{
	uint32_t i;
	int err;

	memset(pl, 0, sizeof(*pl));
	if (n > SL_PIPELINE_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		const struct sl_stage_ops *ops = sl_stage_find(names[i]);

		if (!ops) {
			err = -ENOENT;
			goto fail;
		}
		if (ops->open) {
			err = ops->open(env, &pl->state[i]);
			if (err)
				goto fail;
		}
		pl->ops[i] = ops;
		pl->n = i + 1;
	}
	return 0;
fail:
	sl_pipeline_close(pl);
	return err;
}

/* Counts pkts[0..n) by verdict into by[SL_SV_CONTINUE..SL_SV_FWD]; unknown ones as drops. */
static void tally(const struct sl_stage_pkt *pkts, uint32_t n, uint32_t by[4])
{
	uint32_t i, cont = 0, tx = 0, fwd = 0;

	/* Three running sums, not by[verdict]++: increments of one array slot wait on each other. */
	for (i = 0; i < n; i++) {
		cont += pkts[i].verdict == SL_SV_CONTINUE;
		tx += pkts[i].verdict == SL_SV_TX;
		fwd += pkts[i].verdict == SL_SV_FWD;
	}
	by[SL_SV_CONTINUE] = cont;
	by[SL_SV_TX] = tx;
	by[SL_SV_FWD] = fwd;
	by[SL_SV_DROP] = n - cont - tx - fwd;
}

void sl_pipeline_run(struct sl_pipeline *pl, struct sl_stage_pkt *pkts, uint32_t n)
{
	uint32_t s, before[4], after[4];

	tally(pkts, n, before);
	for (s = 0; s < pl->n && before[SL_SV_CONTINUE]; s++) {
		pl->ops[s]->run(pl->state[s], pkts, n);
		tally(pkts, n, after);
		/* A stage only decides undecided packets: what grew is its own doing. */
		pl->counters[s].seen += before[SL_SV_CONTINUE];
		pl->counters[s].tx += after[SL_SV_TX] - before[SL_SV_TX] + after[SL_SV_FWD] -
				      before[SL_SV_FWD];
		pl->counters[s].drop += after[SL_SV_DROP] - before[SL_SV_DROP];
		if (pl->ops[s]->own_counters)
			pl->ops[s]->own_counters(pl->state[s], pl->counters[s].own);
		before[0] = after[0];
		before[1] = after[1];
		before[2] = after[2];
		before[3] = after[3];
	}
}

void sl_pipeline_close(struct sl_pipeline *pl)
{
	uint32_t i;

	for (i = 0; i < pl->n; i++)
		if (pl->ops[i] && pl->ops[i]->close)
			pl->ops[i]->close(pl->state[i]);
	pl->n = 0;
}
