/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes the control protocol's parser with arbitrary bytes as one
 * received datagram, the way sluiced and sluicectl walk it: frame each
 * message, parse it as a request and as a reply, read every attribute the
 * parser let through (nests included), and build the error reply. Every
 * refusal must explain itself on one line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const struct sl_ctl_error *e)
{
	if (e->err >= 0 || !e->msg[0] || strchr(e->msg, '\n'))
		abort();
}

/* Reads every attribute of a parsed message, as a consumer would. */
_Static_assert(SL_CTL_CNT_A_MAX < 32 && SL_CTL_IFACE_A_MAX < 32 && SL_CTL_PLACE_A_MAX < 32,
	       "tb[] in consume holds every nest's attributes");

static void consume(const struct sl_ctl_msg *m, enum sl_ctl_dir dir)
{
	const struct sl_ctl_attrset *top = dir == SL_CTL_REQUEST ? m->info->request : m->info->reply;
	static const uint16_t nests[] = {
		SL_CTL_A_IFACE, SL_CTL_A_VERDICT, SL_CTL_A_REASON, SL_CTL_A_RULE, SL_CTL_A_PLACEMENT,
	};
	const struct nlattr *tb[32];
	struct sl_ctl_place_info pi;
	volatile size_t sink = 0;
	struct sl_ctl_error e;
	size_t i;
	int t;

	for (t = 1; t <= SL_CTL_A_MAX; t++) {
		const struct nlattr *a = m->tb[t];

		if (!a)
			continue;
		if (mnl_attr_get_payload_len(a) > 0) {
			const uint8_t *p = mnl_attr_get_payload(a);

			sink += p[mnl_attr_get_payload_len(a) - 1];
		}
		if (t == SL_CTL_A_DAEMON_VERSION || t == SL_CTL_A_PIN_DIR || t == SL_CTL_A_CONFIG)
			sink += strlen(mnl_attr_get_str(a));
	}
	for (i = 0; i < sizeof(nests) / sizeof(nests[0]); i++) {
		const struct sl_ctl_attrset *set = nests[i] == SL_CTL_A_IFACE ? &sl_ctl_iface_attrs
						   : nests[i] == SL_CTL_A_PLACEMENT ? &sl_ctl_place_attrs
						   : &sl_ctl_counter_attrs;
		const struct nlattr *a;

		/* Only nests of this command: other types were skipped, not validated. */
		if (nests[i] > top->max || top->policy[nests[i]].type != SL_CTL_T_NESTED)
			continue;
		for (a = sl_ctl_next_attr(m, NULL, nests[i]); a; a = sl_ctl_next_attr(m, a, nests[i])) {
			/* The message passed: its nests must too. */
			if (sl_ctl_parse_nest(m->nlh, a, set, tb, &e))
				abort();
			for (t = 1; t <= set->max; t++)
				if (tb[t] && set->policy[t].type == SL_CTL_T_STRING)
					sink += strlen(mnl_attr_get_str(tb[t]));
				else if (tb[t] && set->policy[t].type == SL_CTL_T_U64)
					sink += (size_t)mnl_attr_get_u64(tb[t]);
			/* The reader may refuse what it cannot hold, never read out of bounds. */
			if (nests[i] == SL_CTL_A_PLACEMENT && !sl_ctl_get_placement(m->nlh, a, &pi))
				sink += (size_t)pi.node_pages[0] + strlen(pi.name) + strlen(pi.tier);
		}
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t reply[1024] __attribute__((aligned(4)));
	const struct nlmsghdr *nlh;
	struct sl_ctl_error e, ee;
	struct sl_ctl_msg m;
	uint8_t *buf;
	size_t off = 0;
	int n, dir;

	if (size > SL_CTL_MSG_MAX)
		return 0;
	/* A received datagram sits in an aligned buffer, and so does this. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	while (off < size) {
		n = sl_ctl_frame(buf + off, size - off, &nlh, &e);
		if (n < 0) {
			check_error(&e);
			if (sl_ctl_put_error(reply, sizeof(reply), buf + off, size - off, &e) < 0)
				abort();
			break;
		}
		if ((size_t)n > size - off || n < (int)NLMSG_HDRLEN || nlh->nlmsg_len > size - off)
			abort();
		for (dir = SL_CTL_REQUEST; dir <= SL_CTL_REPLY; dir++) {
			if (sl_ctl_parse(nlh, (enum sl_ctl_dir)dir, &m, &e)) {
				check_error(&e);
				if (e.offset >= nlh->nlmsg_len)
					abort();
				n = sl_ctl_put_error(reply, sizeof(reply), nlh, nlh->nlmsg_len, &e);
				if (n < 0 || sl_ctl_parse_error((struct nlmsghdr *)reply, &ee) ||
				    ee.err != e.err || ee.offset != e.offset || strcmp(ee.msg, e.msg))
					abort();
			} else {
				consume(&m, (enum sl_ctl_dir)dir);
			}
		}
		if (nlh->nlmsg_type == NLMSG_ERROR)
			(void)sl_ctl_parse_error(nlh, &ee);
		off += (size_t)sl_ctl_frame(buf + off, size - off, &nlh, &e);
	}
	free(buf);
	return 0;
}
