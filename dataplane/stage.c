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

/* Every stage the config may name; control/config.c lists the same names. */
static const struct sl_stage_ops *const registry[] = {
	&sl_stage_reflect,
	&sl_stage_drop,
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

/* Counts pkts[0..n) by verdict into by[SL_SV_CONTINUE..SL_SV_DROP]. */
static void tally(const struct sl_stage_pkt *pkts, uint32_t n, uint32_t by[3])
{
	uint32_t i;

	by[0] = by[1] = by[2] = 0;
	for (i = 0; i < n; i++)
		by[pkts[i].verdict <= SL_SV_DROP ? pkts[i].verdict : SL_SV_DROP]++;
}

void sl_pipeline_run(struct sl_pipeline *pl, struct sl_stage_pkt *pkts, uint32_t n)
{
	uint32_t s, before[3], after[3];

	tally(pkts, n, before);
	for (s = 0; s < pl->n && before[SL_SV_CONTINUE]; s++) {
		pl->ops[s]->run(pl->state[s], pkts, n);
		tally(pkts, n, after);
		/* A stage only decides undecided packets: what grew is its own doing. */
		pl->counters[s].seen += before[SL_SV_CONTINUE];
		pl->counters[s].tx += after[SL_SV_TX] - before[SL_SV_TX];
		pl->counters[s].drop += after[SL_SV_DROP] - before[SL_SV_DROP];
		before[0] = after[0];
		before[1] = after[1];
		before[2] = after[2];
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
