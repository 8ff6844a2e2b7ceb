/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "worker_status.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../dataplane/stage.h"

/* Every attribute of the nest: its type, name and place in struct sl_ctl_worker. */
static const struct {
	uint16_t attr;
	uint8_t type;    /* SL_CTL_T_x */
	uint16_t size;   /* strings: the buffer */
	size_t off;
	const char *name;
} fields[] = {
#define STR(a, f) { SL_CTL_WK_A_##a, SL_CTL_T_STRING, sizeof(((struct sl_ctl_worker *)0)->f), \
		    offsetof(struct sl_ctl_worker, f), #f }
#define U8(a, f) { SL_CTL_WK_A_##a, SL_CTL_T_U8, 1, offsetof(struct sl_ctl_worker, f), #f }
#define U32(a, f) { SL_CTL_WK_A_##a, SL_CTL_T_U32, 4, offsetof(struct sl_ctl_worker, f), #f }
#define U64(a, f) { SL_CTL_WK_A_##a, SL_CTL_T_U64, 8, offsetof(struct sl_ctl_worker, f), #f }
	STR(IFNAME, ifname), U32(QUEUE, queue), U32(CPU, cpu), U8(RUNNING, running),
	U8(ZERO_COPY, zero_copy), U8(MULTI_BUFFER, multi_buffer), U8(SG_REFUSED, sg_refused),
	U8(BUSY_POLL, busy_poll), STR(STAGES, stages), U64(RX_PACKETS, rx_packets),
	U64(RX_BYTES, rx_bytes), U64(TX_PACKETS, tx_packets), U64(TX_BYTES, tx_bytes),
	U64(DROP_STAGE, drop_stage), U64(DROP_UNDECIDED, drop_undecided),
	U64(DROP_TX_FULL, drop_tx_full), U64(BATCHES, batches), U64(WAKEUPS, wakeups),
	U64(POLLS, polls), U64(FILL_EMPTY, fill_empty), U64(RX_RING_FULL, rx_ring_full),
	U64(KERNEL_DROPPED, kernel_dropped), U64(REFILL_STARVED, refill_starved),
	U64(FRAMES, frames), U64(FR_FREE, fr_free), U64(FR_IN_HAND, fr_in_hand),
	U64(FR_FILL, fr_fill), U64(FR_KERNEL, fr_kernel), U64(FR_COMP, fr_comp),
	U8(ACCT_OK, acct_ok), U64(ACCT_FAILURES, acct_failures), STR(NOTE, note),
	STR(PORT, port), STR(PEER, peer),
#undef STR
#undef U8
#undef U32
#undef U64
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))
/* Every scalar worker attribute has a field; SL_CTL_WK_A_STAGE (a nest) is put apart. */
_Static_assert(N_FIELDS == SL_CTL_WK_A_MAX - 1, "every worker attribute has a field");
_Static_assert(SL_CTL_STAGES_MAX == SL_PIPELINE_MAX && SL_CTL_STAGE_OWN_MAX == SL_STAGE_OWN_MAX,
	       "a status snapshot holds every stage and counter of a pipeline");

static const char *const stage_names[SL_CTL_STG_A_COUNT] = {
	[SL_CTL_STG_A_NAME] = "name",
	[SL_CTL_STG_A_SEEN] = "seen",
	[SL_CTL_STG_A_TX] = "tx",
	[SL_CTL_STG_A_DROP] = "drop",
	[SL_CTL_STG_A_COUNTER] = "counter",
};

static const struct sl_ctl_policy stage_policy[SL_CTL_STG_A_COUNT] = {
	[SL_CTL_STG_A_NAME] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_REQUIRED,
				.max_len = sizeof(((struct sl_ctl_stage *)0)->name) },
	[SL_CTL_STG_A_SEEN] = { .type = SL_CTL_T_U64 },
	[SL_CTL_STG_A_TX] = { .type = SL_CTL_T_U64 },
	[SL_CTL_STG_A_DROP] = { .type = SL_CTL_T_U64 },
	[SL_CTL_STG_A_COUNTER] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
				   .nest = &sl_ctl_counter_attrs },
};

static const struct sl_ctl_attrset stage_attrs = {
	.name = "stage",
	.policy = stage_policy,
	.names = stage_names,
	.max = SL_CTL_STG_A_MAX,
};

static const char *worker_names[SL_CTL_WK_A_COUNT];
static struct sl_ctl_policy worker_policy[SL_CTL_WK_A_COUNT];

/* Built from fields[] before main: one table says it all. */
__attribute__((constructor)) static void worker_policy_init(void)
{
	size_t i;

	for (i = 0; i < N_FIELDS; i++) {
		worker_names[fields[i].attr] = fields[i].name;
		worker_policy[fields[i].attr].type = fields[i].type;
		if (fields[i].type == SL_CTL_T_STRING)
			worker_policy[fields[i].attr].max_len = fields[i].size;
	}
	worker_names[SL_CTL_WK_A_STAGE] = "stage";
	worker_policy[SL_CTL_WK_A_STAGE] = (struct sl_ctl_policy){
		.type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI, .nest = &stage_attrs };
	worker_policy[SL_CTL_WK_A_IFNAME].flags = SL_CTL_F_REQUIRED;
	worker_policy[SL_CTL_WK_A_QUEUE].flags = SL_CTL_F_REQUIRED;
}

const struct sl_ctl_attrset sl_ctl_worker_attrs = {
	.name = "worker",
	.policy = worker_policy,
	.names = worker_names,
	.max = SL_CTL_WK_A_MAX,
};

static bool stage_put(struct nlmsghdr *nlh, size_t size, const struct sl_ctl_stage *sc)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, SL_CTL_WK_A_STAGE);
	uint32_t i;

	if (!nest)
		return false;
	if (!mnl_attr_put_strz_check(nlh, size, SL_CTL_STG_A_NAME, sc->name) ||
	    !mnl_attr_put_u64_check(nlh, size, SL_CTL_STG_A_SEEN, sc->seen) ||
	    !mnl_attr_put_u64_check(nlh, size, SL_CTL_STG_A_TX, sc->tx) ||
	    !mnl_attr_put_u64_check(nlh, size, SL_CTL_STG_A_DROP, sc->drop))
		goto fail;
	for (i = 0; i < sc->n_own && i < SL_CTL_STAGE_OWN_MAX; i++)
		if (sl_ctl_put_counter(nlh, size, SL_CTL_STG_A_COUNTER, i, sc->own_names[i], sc->own[i], 0))
			goto fail;
	mnl_attr_nest_end(nlh, nest);
	return true;
fail:
	mnl_attr_nest_cancel(nlh, nest);
	return false;
}

/*
 * Reads one SL_CTL_WK_A_STAGE nest that passed the parser whole (so every
 * attribute inside is in bounds and of its type). 0 or -EBADMSG.
 */
static int stage_get(const struct nlmsghdr *base, const struct nlattr *nest, struct sl_ctl_stage *sc)
{
	const struct nlattr *tb[SL_CTL_STG_A_MAX + 1], *cnt[SL_CTL_CNT_A_MAX + 1];
	const uint8_t *p = (const uint8_t *)nest + NLA_HDRLEN;
	const uint8_t *end = (const uint8_t *)nest + nest->nla_len;
	struct sl_ctl_error e;

	memset(sc, 0, sizeof(*sc));
	if (sl_ctl_parse_nest(base, nest, &stage_attrs, tb, &e))
		return -EBADMSG;
	snprintf(sc->name, sizeof(sc->name), "%s", mnl_attr_get_str(tb[SL_CTL_STG_A_NAME]));
	if (tb[SL_CTL_STG_A_SEEN])
		sc->seen = mnl_attr_get_u64(tb[SL_CTL_STG_A_SEEN]);
	if (tb[SL_CTL_STG_A_TX])
		sc->tx = mnl_attr_get_u64(tb[SL_CTL_STG_A_TX]);
	if (tb[SL_CTL_STG_A_DROP])
		sc->drop = mnl_attr_get_u64(tb[SL_CTL_STG_A_DROP]);
	while ((size_t)(end - p) >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > (size_t)(end - p))
			return -EBADMSG;
		if ((a->nla_type & NLA_TYPE_MASK) == SL_CTL_STG_A_COUNTER &&
		    sc->n_own < SL_CTL_STAGE_OWN_MAX) {
			if (sl_ctl_parse_nest(base, a, &sl_ctl_counter_attrs, cnt, &e))
				return -EBADMSG;
			if (cnt[SL_CTL_CNT_A_NAME])
				snprintf(sc->own_names[sc->n_own], sizeof(sc->own_names[0]), "%s",
					 mnl_attr_get_str(cnt[SL_CTL_CNT_A_NAME]));
			sc->own[sc->n_own++] = mnl_attr_get_u64(cnt[SL_CTL_CNT_A_PACKETS]);
		}
		if (NLA_ALIGN((size_t)a->nla_len) >= (size_t)(end - p))
			break;
		p += NLA_ALIGN((size_t)a->nla_len);
	}
	return 0;
}

int sl_ctl_worker_put(struct nlmsghdr *nlh, size_t size, const struct sl_ctl_worker *w)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, SL_CTL_A_WORKER);
	const uint8_t *base = (const uint8_t *)w;
	bool ok = nest != NULL;
	size_t i;

	for (i = 0; ok && i < N_FIELDS; i++) {
		const void *p = base + fields[i].off;
		uint64_t v64;
		uint32_t v32;

		switch (fields[i].type) {
		case SL_CTL_T_STRING:
			ok = mnl_attr_put_strz_check(nlh, size, fields[i].attr, p);
			break;
		case SL_CTL_T_U8:
			ok = mnl_attr_put_u8_check(nlh, size, fields[i].attr, *(const uint8_t *)p);
			break;
		case SL_CTL_T_U32:
			memcpy(&v32, p, 4);
			ok = mnl_attr_put_u32_check(nlh, size, fields[i].attr, v32);
			break;
		default:
			memcpy(&v64, p, 8);
			ok = mnl_attr_put_u64_check(nlh, size, fields[i].attr, v64);
			break;
		}
	}
	for (i = 0; ok && i < w->n_stage && i < SL_CTL_STAGES_MAX; i++)
		ok = stage_put(nlh, size, &w->stage[i]);
	if (!ok) {
		if (nest)
			mnl_attr_nest_cancel(nlh, nest);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int sl_ctl_worker_get(const struct nlmsghdr *base, const struct nlattr *nest,
		      struct sl_ctl_worker *out)
{
	const struct nlattr *tb[SL_CTL_WK_A_MAX + 1];
	uint8_t *dst = (uint8_t *)out;
	struct sl_ctl_error e;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (sl_ctl_parse_nest(base, nest, &sl_ctl_worker_attrs, tb, &e))
		return -EBADMSG;
	for (i = 0; i < N_FIELDS; i++) {
		const struct nlattr *a = tb[fields[i].attr];
		uint64_t v64;
		uint32_t v32;

		if (!a)
			continue;
		switch (fields[i].type) {
		case SL_CTL_T_STRING:
			/* The policy bounded it to the buffer, NUL included. */
			snprintf((char *)dst + fields[i].off, fields[i].size, "%s", mnl_attr_get_str(a));
			break;
		case SL_CTL_T_U8:
			dst[fields[i].off] = mnl_attr_get_u8(a);
			break;
		case SL_CTL_T_U32:
			v32 = mnl_attr_get_u32(a);
			memcpy(dst + fields[i].off, &v32, 4);
			break;
		default:
			v64 = mnl_attr_get_u64(a);
			memcpy(dst + fields[i].off, &v64, 8);
			break;
		}
	}
	/* The stages, in order: repeated nests the table above cannot hold. */
	{
		const uint8_t *p = (const uint8_t *)nest + NLA_HDRLEN;
		const uint8_t *end = (const uint8_t *)nest + nest->nla_len;

		while ((size_t)(end - p) >= NLA_HDRLEN) {
			const struct nlattr *a = (const struct nlattr *)p;

			if (a->nla_len < NLA_HDRLEN || a->nla_len > (size_t)(end - p))
				return -EBADMSG;
			if ((a->nla_type & NLA_TYPE_MASK) == SL_CTL_WK_A_STAGE &&
			    out->n_stage < SL_CTL_STAGES_MAX &&
			    stage_get(base, a, &out->stage[out->n_stage++]))
				return -EBADMSG;
			if (NLA_ALIGN((size_t)a->nla_len) >= (size_t)(end - p))
				break;
			p += NLA_ALIGN((size_t)a->nla_len);
		}
	}
	return 0;
}
