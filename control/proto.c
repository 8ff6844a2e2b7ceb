/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rtnl_status.h"
#include "stats.h"
#include "worker_status.h"
#include "sluice/abi.h"

/* ------------------------------------------------------------------ policies */

static const char *const counter_names[SL_CTL_CNT_A_COUNT] = {
	[SL_CTL_CNT_A_ID] = "id",
	[SL_CTL_CNT_A_NAME] = "name",
	[SL_CTL_CNT_A_PACKETS] = "packets",
	[SL_CTL_CNT_A_BYTES] = "bytes",
};

static const struct sl_ctl_policy counter_policy[SL_CTL_CNT_A_COUNT] = {
	[SL_CTL_CNT_A_ID] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_CNT_A_NAME] = { .type = SL_CTL_T_STRING, .max_len = 64 },
	[SL_CTL_CNT_A_PACKETS] = { .type = SL_CTL_T_U64, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_CNT_A_BYTES] = { .type = SL_CTL_T_U64, .flags = SL_CTL_F_REQUIRED },
};

const struct sl_ctl_attrset sl_ctl_counter_attrs = {
	.name = "counter",
	.policy = counter_policy,
	.names = counter_names,
	.max = SL_CTL_CNT_A_MAX,
};

static const char *const ifstats_names[SL_CTL_IFST_A_COUNT] = {
	[SL_CTL_IFST_A_IFINDEX] = "ifindex",
	[SL_CTL_IFST_A_NAME] = "name",
	[SL_CTL_IFST_A_VERDICT] = "verdict",
};

static const struct sl_ctl_policy ifstats_policy[SL_CTL_IFST_A_COUNT] = {
	[SL_CTL_IFST_A_IFINDEX] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_IFST_A_NAME] = { .type = SL_CTL_T_STRING, .max_len = 24 },
	[SL_CTL_IFST_A_VERDICT] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
				    .nest = &sl_ctl_counter_attrs },
};

const struct sl_ctl_attrset sl_ctl_ifstats_attrs = {
	.name = "interface counters",
	.policy = ifstats_policy,
	.names = ifstats_names,
	.max = SL_CTL_IFST_A_MAX,
};

static const char *const iface_names[SL_CTL_IFACE_A_COUNT] = {
	[SL_CTL_IFACE_A_NAME] = "name",
	[SL_CTL_IFACE_A_INDEX] = "ifindex",
	[SL_CTL_IFACE_A_XDP_MODE] = "xdp_mode",
};

static const struct sl_ctl_policy iface_policy[SL_CTL_IFACE_A_COUNT] = {
	[SL_CTL_IFACE_A_NAME] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_REQUIRED, .max_len = 16 },
	[SL_CTL_IFACE_A_INDEX] = { .type = SL_CTL_T_U32 },
	[SL_CTL_IFACE_A_XDP_MODE] = { .type = SL_CTL_T_U32 },
};

const struct sl_ctl_attrset sl_ctl_iface_attrs = {
	.name = "interface",
	.policy = iface_policy,
	.names = iface_names,
	.max = SL_CTL_IFACE_A_MAX,
};

static const char *const node_pages_names[SL_CTL_NP_A_COUNT] = {
	[SL_CTL_NP_A_NODE] = "node",
	[SL_CTL_NP_A_PAGES] = "pages",
};

static const struct sl_ctl_policy node_pages_policy[SL_CTL_NP_A_COUNT] = {
	[SL_CTL_NP_A_NODE] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_NP_A_PAGES] = { .type = SL_CTL_T_U64, .flags = SL_CTL_F_REQUIRED },
};

const struct sl_ctl_attrset sl_ctl_node_pages_attrs = {
	.name = "node pages",
	.policy = node_pages_policy,
	.names = node_pages_names,
	.max = SL_CTL_NP_A_MAX,
};

static const char *const place_names[SL_CTL_PLACE_A_COUNT] = {
	[SL_CTL_PLACE_A_NAME] = "name",
	[SL_CTL_PLACE_A_KIND] = "kind",
	[SL_CTL_PLACE_A_POOL] = "pool",
	[SL_CTL_PLACE_A_TIER] = "tier",
	[SL_CTL_PLACE_A_REQ_NODES] = "requested_nodes",
	[SL_CTL_PLACE_A_NODES] = "nodes",
	[SL_CTL_PLACE_A_FELL_BACK] = "fell_back",
	[SL_CTL_PLACE_A_NUMA_FLAG] = "numa_flag",
	[SL_CTL_PLACE_A_BYTES] = "bytes",
	[SL_CTL_PLACE_A_MEASURED] = "measured",
	[SL_CTL_PLACE_A_PAGE_SIZE] = "page_size",
	[SL_CTL_PLACE_A_PAGES] = "pages",
	[SL_CTL_PLACE_A_ABSENT] = "absent",
	[SL_CTL_PLACE_A_NODE_PAGES] = "node_pages",
};

static const struct sl_ctl_policy place_policy[SL_CTL_PLACE_A_COUNT] = {
	[SL_CTL_PLACE_A_NAME] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_REQUIRED, .max_len = 64 },
	[SL_CTL_PLACE_A_KIND] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_PLACE_A_POOL] = { .type = SL_CTL_T_STRING, .max_len = 32 },
	[SL_CTL_PLACE_A_TIER] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_REQUIRED, .max_len = 16 },
	[SL_CTL_PLACE_A_REQ_NODES] = { .type = SL_CTL_T_U64 },
	[SL_CTL_PLACE_A_NODES] = { .type = SL_CTL_T_U64, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_PLACE_A_FELL_BACK] = { .type = SL_CTL_T_U8 },
	[SL_CTL_PLACE_A_NUMA_FLAG] = { .type = SL_CTL_T_U8 },
	[SL_CTL_PLACE_A_BYTES] = { .type = SL_CTL_T_U64, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_PLACE_A_MEASURED] = { .type = SL_CTL_T_U8 },
	[SL_CTL_PLACE_A_PAGE_SIZE] = { .type = SL_CTL_T_U64 },
	[SL_CTL_PLACE_A_PAGES] = { .type = SL_CTL_T_U64 },
	[SL_CTL_PLACE_A_ABSENT] = { .type = SL_CTL_T_U64 },
	[SL_CTL_PLACE_A_NODE_PAGES] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
					.nest = &sl_ctl_node_pages_attrs },
};

const struct sl_ctl_attrset sl_ctl_place_attrs = {
	.name = "placement",
	.policy = place_policy,
	.names = place_names,
	.max = SL_CTL_PLACE_A_MAX,
};

static const char *const top_names[SL_CTL_A_COUNT] = {
	[SL_CTL_A_DAEMON_VERSION] = "daemon_version",
	[SL_CTL_A_PID] = "pid",
	[SL_CTL_A_UPTIME_MS] = "uptime_ms",
	[SL_CTL_A_PIN_DIR] = "pin_dir",
	[SL_CTL_A_CONFIG] = "config",
	[SL_CTL_A_RULE_COUNT] = "rule_count",
	[SL_CTL_A_IFACE] = "interface",
	[SL_CTL_A_VERDICT] = "verdict",
	[SL_CTL_A_REASON] = "reason",
	[SL_CTL_A_RULE] = "rule",
	[SL_CTL_A_KEEP_ENFORCING] = "keep_enforcing",
	[SL_CTL_A_PLACEMENT] = "placement",
	[SL_CTL_A_RTNL] = "rtnetlink",
	[SL_CTL_A_TX_ID] = "tx_id",
	[SL_CTL_A_RULE_NAME] = "rule_name",
	[SL_CTL_A_RULE_TEXT] = "rule_text",
	[SL_CTL_A_POSITION] = "position",
	[SL_CTL_A_BEFORE] = "before",
	[SL_CTL_A_AFTER] = "after",
	[SL_CTL_A_SET_NAME] = "set_name",
	[SL_CTL_A_PREFIX] = "prefix",
	[SL_CTL_A_SET_SIZE] = "set_size",
	[SL_CTL_A_IFNAME] = "ifname",
	[SL_CTL_A_XDP_MODE] = "xdp_mode",
	[SL_CTL_A_WORKER] = "worker",
	[SL_CTL_A_IFACE_STATS] = "interface_stats",
	[SL_CTL_A_SET_SOURCE] = "set_source",
};

/* A command whose requests carry no attributes. */
static const struct sl_ctl_policy no_policy[1];

static const struct sl_ctl_attrset no_attrs = {
	.name = "message",
	.policy = no_policy,
	.names = top_names,
	.max = 0,
};

static const struct sl_ctl_policy status_reply_policy[SL_CTL_A_COUNT] = {
	[SL_CTL_A_DAEMON_VERSION] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_REQUIRED,
				      .max_len = 64 },
	[SL_CTL_A_PID] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_A_UPTIME_MS] = { .type = SL_CTL_T_U64, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_A_PIN_DIR] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_A_CONFIG] = { .type = SL_CTL_T_STRING, .max_len = 4096 },
	[SL_CTL_A_RULE_COUNT] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_A_IFACE] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
			     .nest = &sl_ctl_iface_attrs },
	[SL_CTL_A_KEEP_ENFORCING] = { .type = SL_CTL_T_U8 },
	[SL_CTL_A_PLACEMENT] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
				 .nest = &sl_ctl_place_attrs },
	[SL_CTL_A_RTNL] = { .type = SL_CTL_T_NESTED, .nest = &sl_ctl_rtnl_attrs },
	[SL_CTL_A_WORKER] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
			      .nest = &sl_ctl_worker_attrs },
};

static const struct sl_ctl_attrset status_reply = {
	.name = "message",
	.policy = status_reply_policy,
	.names = top_names,
	.max = SL_CTL_A_MAX,
};

static const struct sl_ctl_policy stats_reply_policy[SL_CTL_A_COUNT] = {
	[SL_CTL_A_VERDICT] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
			       .nest = &sl_ctl_counter_attrs },
	[SL_CTL_A_REASON] = { .type = SL_CTL_T_NESTED, .flags = SL_CTL_F_MULTI,
			      .nest = &sl_ctl_counter_attrs },
	[SL_CTL_A_RULE] = { .type = SL_CTL_T_NESTED, .nest = &sl_ctl_counter_attrs },
	[SL_CTL_A_IFACE_STATS] = { .type = SL_CTL_T_NESTED, .nest = &sl_ctl_ifstats_attrs },
};

static const struct sl_ctl_attrset stats_reply = {
	.name = "message",
	.policy = stats_reply_policy,
	.names = top_names,
	.max = SL_CTL_A_MAX,
};

/* Reserved commands: known names, no attributes, not served yet. */
/*
 * The policy commands (docs/control.md, "Changing the policy"): one
 * request policy per command, so that an attribute a command does not
 * take is refused with its offset.
 */
#define P_TX [SL_CTL_A_TX_ID] = { .type = SL_CTL_T_U32 }
#define P_RULE_NAME(f) [SL_CTL_A_RULE_NAME] = { .type = SL_CTL_T_STRING, .flags = (f), .max_len = SL_RULE_NAME_LEN }
#define P_RULE_TEXT(f) [SL_CTL_A_RULE_TEXT] = { .type = SL_CTL_T_STRING, .flags = (f), .max_len = 4096 }
#define P_SET_NAME(f) [SL_CTL_A_SET_NAME] = { .type = SL_CTL_T_STRING, .flags = (f), .max_len = 64 }
#define P_PREFIX(f) [SL_CTL_A_PREFIX] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_MULTI | (f), .max_len = 64 }
#define P_IFNAME [SL_CTL_A_IFNAME] = { .type = SL_CTL_T_STRING, .flags = SL_CTL_F_REQUIRED, .max_len = 16 }

#define ATTRSET(id) \
	static const struct sl_ctl_attrset id = { .name = "message", .policy = id##_policy, \
						  .names = top_names, .max = SL_CTL_A_MAX }

static const struct sl_ctl_policy iface_req_policy[SL_CTL_A_COUNT] = {
	P_IFNAME,
	[SL_CTL_A_XDP_MODE] = { .type = SL_CTL_T_U32 },
};
ATTRSET(iface_req);
static const struct sl_ctl_policy ifname_req_policy[SL_CTL_A_COUNT] = { P_IFNAME };
ATTRSET(ifname_req);
static const struct sl_ctl_policy iface_list_policy[SL_CTL_A_COUNT] = {
	[SL_CTL_A_IFACE] = { .type = SL_CTL_T_NESTED, .nest = &sl_ctl_iface_attrs },
};
ATTRSET(iface_list);
static const struct sl_ctl_policy rule_add_policy[SL_CTL_A_COUNT] = {
	P_TX, P_RULE_TEXT(SL_CTL_F_REQUIRED),
	[SL_CTL_A_POSITION] = { .type = SL_CTL_T_U32 },
	[SL_CTL_A_BEFORE] = { .type = SL_CTL_T_STRING, .max_len = SL_RULE_NAME_LEN },
	[SL_CTL_A_AFTER] = { .type = SL_CTL_T_STRING, .max_len = SL_RULE_NAME_LEN },
};
ATTRSET(rule_add);
static const struct sl_ctl_policy rule_delete_policy[SL_CTL_A_COUNT] = {
	P_TX, P_RULE_NAME(SL_CTL_F_REQUIRED),
};
ATTRSET(rule_delete);
static const struct sl_ctl_policy rule_replace_policy[SL_CTL_A_COUNT] = {
	P_TX, P_RULE_NAME(SL_CTL_F_REQUIRED), P_RULE_TEXT(SL_CTL_F_REQUIRED),
};
ATTRSET(rule_replace);
static const struct sl_ctl_policy rule_list_policy[SL_CTL_A_COUNT] = {
	P_RULE_NAME(SL_CTL_F_REQUIRED), P_RULE_TEXT(SL_CTL_F_REQUIRED),
	[SL_CTL_A_POSITION] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
};
ATTRSET(rule_list);
static const struct sl_ctl_policy set_name_req_policy[SL_CTL_A_COUNT] = {
	P_TX, P_SET_NAME(SL_CTL_F_REQUIRED),
};
ATTRSET(set_name_req);
static const struct sl_ctl_policy set_elems_req_policy[SL_CTL_A_COUNT] = {
	P_TX, P_SET_NAME(SL_CTL_F_REQUIRED), P_PREFIX(SL_CTL_F_REQUIRED),
};
ATTRSET(set_elems_req);
static const struct sl_ctl_policy set_create_policy[SL_CTL_A_COUNT] = {
	P_TX, P_SET_NAME(SL_CTL_F_REQUIRED), P_PREFIX(0),
};
ATTRSET(set_create);
static const struct sl_ctl_policy set_list_req_policy[SL_CTL_A_COUNT] = { P_SET_NAME(0) };
ATTRSET(set_list_req);
static const struct sl_ctl_policy set_list_policy[SL_CTL_A_COUNT] = {
	P_SET_NAME(SL_CTL_F_REQUIRED), P_PREFIX(0),
	[SL_CTL_A_SET_SIZE] = { .type = SL_CTL_T_U64, .flags = SL_CTL_F_REQUIRED },
	[SL_CTL_A_SET_SOURCE] = { .type = SL_CTL_T_U32 },
};
ATTRSET(set_list);
static const struct sl_ctl_policy tx_policy[SL_CTL_A_COUNT] = {
	[SL_CTL_A_TX_ID] = { .type = SL_CTL_T_U32, .flags = SL_CTL_F_REQUIRED },
};
ATTRSET(tx);

#define DOIT(n, req, rep) { .name = n, .doit = true, .request = &(req), .reply = &(rep) }
#define DUMPIT(n, req, rep) { .name = n, .dumpit = true, .request = &(req), .reply = &(rep) }

static const struct sl_ctl_cmd_info commands[SL_CTL_CMD_COUNT] = {
	[SL_CTL_CMD_STATUS] = { .name = "status", .doit = true, .request = &no_attrs,
				.reply = &status_reply },
	[SL_CTL_CMD_STATS] = { .name = "stats", .dumpit = true, .request = &no_attrs,
			       .reply = &stats_reply },
	[SL_CTL_CMD_IFACE_ATTACH] = DOIT("interface attach", iface_req, no_attrs),
	[SL_CTL_CMD_IFACE_DETACH] = DOIT("interface detach", ifname_req, no_attrs),
	[SL_CTL_CMD_IFACE_LIST] = DUMPIT("interface list", no_attrs, iface_list),
	[SL_CTL_CMD_RULE_ADD] = DOIT("rule add", rule_add, no_attrs),
	[SL_CTL_CMD_RULE_DELETE] = DOIT("rule delete", rule_delete, no_attrs),
	[SL_CTL_CMD_RULE_REPLACE] = DOIT("rule replace", rule_replace, no_attrs),
	[SL_CTL_CMD_RULE_LIST] = DUMPIT("rule list", no_attrs, rule_list),
	[SL_CTL_CMD_SET_CREATE] = DOIT("set create", set_create, no_attrs),
	[SL_CTL_CMD_SET_DELETE] = DOIT("set delete", set_name_req, no_attrs),
	[SL_CTL_CMD_SET_ADD] = DOIT("set add", set_elems_req, no_attrs),
	[SL_CTL_CMD_SET_REMOVE] = DOIT("set remove", set_elems_req, no_attrs),
	[SL_CTL_CMD_SET_FLUSH] = DOIT("set flush", set_name_req, no_attrs),
	[SL_CTL_CMD_SET_LIST] = DUMPIT("set list", set_list_req, set_list),
	[SL_CTL_CMD_SET_LOAD] = DOIT("set load", set_create, no_attrs),
	[SL_CTL_CMD_RELOAD] = { .name = "reload", .doit = true, .request = &no_attrs,
				.reply = &no_attrs },
	[SL_CTL_CMD_TX_BEGIN] = DOIT("transaction begin", no_attrs, tx),
	[SL_CTL_CMD_TX_COMMIT] = DOIT("transaction commit", tx, no_attrs),
	[SL_CTL_CMD_TX_ABORT] = DOIT("transaction abort", tx, no_attrs),
};

static const struct sl_ctl_cmd_info unknown_cmd;

const struct sl_ctl_cmd_info *sl_ctl_cmd(unsigned int cmd)
{
	return cmd < SL_CTL_CMD_COUNT && commands[cmd].name ? &commands[cmd] : &unknown_cmd;
}

const char *sl_ctl_cmd_name(unsigned int cmd)
{
	const char *n = sl_ctl_cmd(cmd)->name;

	return n ? n : "unknown";
}

const char *sl_ctl_xdp_mode_name(uint32_t mode)
{
	switch (mode) {
	case SL_CTL_XDP_NATIVE:
		return "native";
	case SL_CTL_XDP_GENERIC:
		return "generic";
	}
	return "unknown";
}

const char *sl_ctl_place_kind_name(uint32_t kind)
{
	switch (kind) {
	case SL_CTL_PLACE_MAP:
		return "map";
	case SL_CTL_PLACE_POOL:
		return "pool";
	}
	return "unknown";
}

/* ------------------------------------------------------------------- errors */

int sl_ctl_errorf(struct sl_ctl_error *e, int err, uint32_t offset, const char *fmt, ...)
{
	va_list ap;

	e->err = err;
	e->offset = offset;
	e->miss_type = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

/* ------------------------------------------------------------------- parser */

/* Attribute types a policy level may have, for the parser's bookkeeping. */
#define POLICY_TYPES_MAX 128
_Static_assert(SL_CTL_A_MAX < POLICY_TYPES_MAX && SL_CTL_IFACE_A_MAX < POLICY_TYPES_MAX &&
		       SL_CTL_CNT_A_MAX < POLICY_TYPES_MAX && SL_CTL_PLACE_A_MAX < POLICY_TYPES_MAX &&
		       SL_CTL_NP_A_MAX < POLICY_TYPES_MAX && SL_CTL_IFST_A_MAX < POLICY_TYPES_MAX,
	       "attribute enums outgrew the parser");

int sl_ctl_frame(const void *buf, size_t len, const struct nlmsghdr **nlh, struct sl_ctl_error *e)
{
	const struct nlmsghdr *h = buf;
	size_t step;

	*nlh = NULL;
	if (len < sizeof(*h))
		return sl_ctl_errorf(e, -EINVAL, 0, "short message: %zu bytes, a netlink header has %zu",
				     len, sizeof(*h));
	if (h->nlmsg_len < sizeof(*h))
		return sl_ctl_errorf(e, -EINVAL, 0, "nlmsg_len %u is shorter than the netlink header",
				     h->nlmsg_len);
	if (h->nlmsg_len > len)
		return sl_ctl_errorf(e, -EINVAL, 0, "nlmsg_len %u exceeds the %zu bytes received",
				     h->nlmsg_len, len);
	step = NLMSG_ALIGN((size_t)h->nlmsg_len);
	*nlh = h;
	return (int)(step < len ? step : len);
}

static const char *attr_name(const struct sl_ctl_attrset *set, uint16_t type)
{
	return type <= set->max && set->names[type] ? set->names[type] : "?";
}

/*
 * Walks the attributes in [start, start + len) of the message at base
 * against set: every header and length is checked before the attribute
 * is read. Fills tb (may be NULL: validate only) with the first of each
 * type. depth counts this level.
 */
static int parse_attrs(const struct nlmsghdr *base, const uint8_t *start, size_t len,
		       const struct sl_ctl_attrset *set, const struct nlattr **tb, int depth,
		       bool skip_unknown, struct sl_ctl_error *e)
{
	const uint8_t *msg = (const uint8_t *)base;
	uint8_t seen[POLICY_TYPES_MAX];
	size_t off = 0;
	uint16_t t;
	int err;

	/* An empty nest at the deepest level is fine; attributes below it are not. */
	if (depth > SL_CTL_MAX_DEPTH && len > 0)
		return sl_ctl_errorf(e, -EINVAL, (uint32_t)(start - msg) - NLA_HDRLEN,
				     "attributes nested deeper than %d levels", SL_CTL_MAX_DEPTH);
	if (set->max >= sizeof(seen))
		return sl_ctl_errorf(e, -EINVAL, 0, "policy of %s too large", set->name);
	memset(seen, 0, sizeof(seen));
	if (tb)
		memset(tb, 0, sizeof(*tb) * ((size_t)set->max + 1));
	while (off < len) {
		const struct nlattr *a = (const struct nlattr *)(start + off);
		uint32_t at = (uint32_t)(start + off - msg);
		const struct sl_ctl_policy *p;
		size_t rem = len - off, plen;
		const char *s;

		if (rem < NLA_HDRLEN)
			return sl_ctl_errorf(e, -EINVAL, at,
					     "%zu trailing bytes in %s, too few for an attribute", rem,
					     set->name);
		if (a->nla_len < NLA_HDRLEN)
			return sl_ctl_errorf(e, -EINVAL, at,
					     "attribute length %u is below the %d-byte header", a->nla_len,
					     NLA_HDRLEN);
		if (a->nla_len > rem)
			return sl_ctl_errorf(e, -EINVAL, at,
					     "attribute length %u exceeds the %zu bytes left in %s",
					     a->nla_len, rem, set->name);
		t = a->nla_type & NLA_TYPE_MASK;
		plen = a->nla_len - NLA_HDRLEN;
		p = t <= set->max ? &set->policy[t] : NULL;
		if (!p || p->type == SL_CTL_T_NONE) {
			if (!skip_unknown)
				return sl_ctl_errorf(e, -EINVAL, at, "unknown attribute type %u in %s", t,
						     set->name);
			off += NLA_ALIGN((size_t)a->nla_len);
			continue;
		}
		if (a->nla_type & NLA_F_NET_BYTEORDER)
			return sl_ctl_errorf(e, -EINVAL, at,
					     "attribute %s: network byte order is not used",
					     attr_name(set, t));
		if (!!(a->nla_type & NLA_F_NESTED) != (p->type == SL_CTL_T_NESTED))
			return sl_ctl_errorf(e, -EINVAL, at, "attribute %s: NLA_F_NESTED %s",
					     attr_name(set, t),
					     p->type == SL_CTL_T_NESTED ? "missing" : "on a plain value");
		if (seen[t] && !(p->flags & SL_CTL_F_MULTI))
			return sl_ctl_errorf(e, -EINVAL, at, "attribute %s given twice",
					     attr_name(set, t));
		switch (p->type) {
		case SL_CTL_T_U8:
		case SL_CTL_T_U16:
		case SL_CTL_T_U32:
		case SL_CTL_T_U64: {
			size_t want = p->type == SL_CTL_T_U8 ? 1 : p->type == SL_CTL_T_U16 ? 2 :
				      p->type == SL_CTL_T_U32 ? 4 : 8;

			if (plen != want)
				return sl_ctl_errorf(e, -EINVAL, at,
						     "attribute %s has %zu bytes, expected %zu",
						     attr_name(set, t), plen, want);
			break;
		}
		case SL_CTL_T_STRING: {
			size_t max = p->max_len ? p->max_len : SL_CTL_STR_MAX;

			s = (const char *)a + NLA_HDRLEN;
			if (plen == 0 || s[plen - 1] != '\0')
				return sl_ctl_errorf(e, -EINVAL, at, "attribute %s is not NUL-terminated",
						     attr_name(set, t));
			if (strlen(s) != plen - 1)
				return sl_ctl_errorf(e, -EINVAL, at, "attribute %s contains a NUL",
						     attr_name(set, t));
			if (plen > max)
				return sl_ctl_errorf(e, -EINVAL, at,
						     "attribute %s is %zu bytes long, at most %zu "
						     "allowed", attr_name(set, t), plen, max);
			break;
		}
		case SL_CTL_T_NESTED:
			err = parse_attrs(base, (const uint8_t *)a + NLA_HDRLEN, plen, p->nest, NULL,
					  depth + 1, skip_unknown, e);
			if (err)
				return err;
			break;
		default:
			return sl_ctl_errorf(e, -EINVAL, at, "attribute %s has no valid policy",
					     attr_name(set, t));
		}
		if (tb && !seen[t])
			tb[t] = a;
		seen[t] = 1;
		/* The last attribute may go without its padding. */
		off += NLA_ALIGN((size_t)a->nla_len);
	}
	for (t = 1; t <= set->max; t++) {
		if ((set->policy[t].flags & SL_CTL_F_REQUIRED) && !seen[t]) {
			sl_ctl_errorf(e, -EINVAL, (uint32_t)(start - msg) - (depth > 1 ? NLA_HDRLEN : 0),
				      "missing attribute %s in %s", attr_name(set, t), set->name);
			if (depth == 1)
				e->offset = 0;
			e->miss_type = t;
			return e->err;
		}
	}
	return 0;
}

int sl_ctl_parse(const struct nlmsghdr *nlh, enum sl_ctl_dir dir, struct sl_ctl_msg *m,
		 struct sl_ctl_error *e)
{
	const size_t hdrs = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct sl_ctl_hdr));
	const struct sl_ctl_hdr *h;
	const struct sl_ctl_attrset *set;

	memset(m, 0, sizeof(*m));
	e->err = 0;
	e->msg[0] = '\0';
	/* A caller that did not frame the message still gets no overread. */
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return sl_ctl_errorf(e, -EINVAL, 0, "nlmsg_len %u is shorter than the netlink header",
				     nlh->nlmsg_len);
	if (nlh->nlmsg_type != SL_CTL_MSG)
		return sl_ctl_errorf(e, -EOPNOTSUPP, 0, "unknown message type %u (expected %u)",
				     nlh->nlmsg_type, SL_CTL_MSG);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*h))
		return sl_ctl_errorf(e, -EINVAL, 0, "message of %u bytes has no command header",
				     nlh->nlmsg_len);
	h = (const struct sl_ctl_hdr *)((const uint8_t *)nlh + NLMSG_HDRLEN);
	if (h->version != SL_CTL_VERSION)
		return sl_ctl_errorf(e, -EPROTONOSUPPORT, 0,
				     "protocol version %u is not supported (this end speaks version %d)",
				     h->version, SL_CTL_VERSION);
	if (h->reserved != 0)
		return sl_ctl_errorf(e, -EINVAL, 0, "the command header's reserved field is not zero");
	m->info = sl_ctl_cmd(h->cmd);
	if (!m->info->name)
		return sl_ctl_errorf(e, -EOPNOTSUPP, 0, "unknown command %u", h->cmd);
	if (nlh->nlmsg_len < hdrs)
		return sl_ctl_errorf(e, -EINVAL, 0, "message of %u bytes ends inside the command header",
				     nlh->nlmsg_len);
	set = dir == SL_CTL_REQUEST ? m->info->request : m->info->reply;
	m->nlh = nlh;
	m->hdr = h;
	/* Replies may carry attributes a newer daemon added; requests may not. */
	return parse_attrs(nlh, (const uint8_t *)nlh + hdrs, nlh->nlmsg_len - hdrs, set, m->tb, 1,
			   dir == SL_CTL_REPLY, e);
}

int sl_ctl_parse_nest(const struct nlmsghdr *base, const struct nlattr *nest,
		      const struct sl_ctl_attrset *set, const struct nlattr **tb,
		      struct sl_ctl_error *e)
{
	if (nest->nla_len < NLA_HDRLEN)
		return sl_ctl_errorf(e, -EINVAL, 0, "nest length %u is below the header", nest->nla_len);
	return parse_attrs(base, (const uint8_t *)nest + NLA_HDRLEN, nest->nla_len - NLA_HDRLEN, set,
			   tb, 2, true, e);
}

const struct nlattr *sl_ctl_next_attr(const struct sl_ctl_msg *m, const struct nlattr *prev,
				      uint16_t type)
{
	const uint8_t *base = (const uint8_t *)m->nlh;
	size_t end = m->nlh->nlmsg_len;
	size_t off = prev ? (size_t)((const uint8_t *)prev - base) + NLA_ALIGN((size_t)prev->nla_len)
			  : NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct sl_ctl_hdr));

	/* The message passed sl_ctl_parse, but the walk stays bounded anyway. */
	while (off + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)(base + off);

		if (a->nla_len < NLA_HDRLEN || a->nla_len > end - off)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		off += NLA_ALIGN((size_t)a->nla_len);
	}
	return NULL;
}

int sl_ctl_parse_error(const struct nlmsghdr *nlh, struct sl_ctl_error *out)
{
	const struct nlmsgerr *ne;
	const uint8_t *p, *end;
	size_t off;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ne))
		return -EBADMSG;
	ne = (const struct nlmsgerr *)((const uint8_t *)nlh + NLMSG_HDRLEN);
	if (ne->error > 0 || ne->error < -4095)
		return -EBADMSG;
	out->err = ne->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	/* The TLVs follow the echoed request: its header only when capped. */
	off = NLMSG_HDRLEN + sizeof(*ne);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (ne->msg.nlmsg_len < NLMSG_HDRLEN)
			return -EBADMSG;
		off = NLMSG_HDRLEN + sizeof(int) + NLMSG_ALIGN((size_t)ne->msg.nlmsg_len);
	}
	if (off > nlh->nlmsg_len)
		return -EBADMSG;
	p = (const uint8_t *)nlh + off;
	end = (const uint8_t *)nlh + nlh->nlmsg_len;
	while ((size_t)(end - p) >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t plen;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > (size_t)(end - p))
			return -EBADMSG;
		plen = a->nla_len - NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			if (plen) {
				size_t n = strnlen((const char *)a + NLA_HDRLEN, plen);

				if (n >= sizeof(out->msg))
					n = sizeof(out->msg) - 1;
				memcpy(out->msg, (const char *)a + NLA_HDRLEN, n);
				out->msg[n] = '\0';
			}
			break;
		case NLMSGERR_ATTR_OFFS:
			if (plen == sizeof(uint32_t))
				memcpy(&out->offset, (const char *)a + NLA_HDRLEN, sizeof(uint32_t));
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (plen == sizeof(uint32_t)) {
				uint32_t t;

				memcpy(&t, (const char *)a + NLA_HDRLEN, sizeof(t));
				out->miss_type = t > UINT16_MAX ? 0 : (uint16_t)t;
			}
			break;
		}
		p += NLA_ALIGN((size_t)a->nla_len) < (size_t)(end - p) ? NLA_ALIGN((size_t)a->nla_len)
								       : (size_t)(end - p);
	}
	/* Printable text only: it ends up on a terminal. */
	for (off = 0; out->msg[off]; off++)
		if ((unsigned char)out->msg[off] < 0x20 || (unsigned char)out->msg[off] >= 0x7f)
			out->msg[off] = '?';
	return 0;
}

/* ------------------------------------------------------------------ builders */

struct nlmsghdr *sl_ctl_msg_start(void *buf, size_t size, uint8_t cmd, uint16_t flags,
				  uint32_t seq, uint32_t pid)
{
	struct nlmsghdr *nlh;
	struct sl_ctl_hdr *h;

	if (size < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*h)) || size > UINT32_MAX)
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SL_CTL_MSG;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	h = mnl_nlmsg_put_extra_header(nlh, sizeof(*h));
	h->cmd = cmd;
	h->version = SL_CTL_VERSION;
	h->reserved = 0;
	return nlh;
}

int sl_ctl_put_counter(struct nlmsghdr *nlh, size_t size, uint16_t type, uint32_t id,
		       const char *name, uint64_t packets, uint64_t bytes)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, type);

	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_u32_check(nlh, size, SL_CTL_CNT_A_ID, id) ||
	    (name && !mnl_attr_put_strz_check(nlh, size, SL_CTL_CNT_A_NAME, name)) ||
	    !mnl_attr_put_u64_check(nlh, size, SL_CTL_CNT_A_PACKETS, packets) ||
	    !mnl_attr_put_u64_check(nlh, size, SL_CTL_CNT_A_BYTES, bytes)) {
		mnl_attr_nest_cancel(nlh, nest);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int sl_ctl_put_iface_stats(struct nlmsghdr *nlh, size_t size, uint32_t slot, const char *name,
			   const struct sl_counter *c, uint32_t n)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, SL_CTL_A_IFACE_STATS);
	uint32_t v;

	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_u32_check(nlh, size, SL_CTL_IFST_A_IFINDEX, slot) ||
	    (name && !mnl_attr_put_strz_check(nlh, size, SL_CTL_IFST_A_NAME, name)))
		goto fail;
	for (v = 0; v < n; v++)
		if (sl_ctl_put_counter(nlh, size, SL_CTL_IFST_A_VERDICT, v, sl_verdict_name(v),
				       c[v].packets, c[v].bytes))
			goto fail;
	mnl_attr_nest_end(nlh, nest);
	return 0;
fail:
	mnl_attr_nest_cancel(nlh, nest);
	return -EMSGSIZE;
}

int sl_ctl_get_iface_stats(const struct nlmsghdr *base, const struct nlattr *nest, uint32_t *slot,
			   struct sl_counter *c, uint32_t n)
{
	const struct nlattr *tb[SL_CTL_IFST_A_MAX + 1], *cnt[SL_CTL_CNT_A_MAX + 1], *a;
	const uint8_t *p, *end;
	struct sl_ctl_error e;

	if (sl_ctl_parse_nest(base, nest, &sl_ctl_ifstats_attrs, tb, &e))
		return -EBADMSG;
	*slot = mnl_attr_get_u32(tb[SL_CTL_IFST_A_IFINDEX]);
	/* The nest passed the parser whole: every attribute in it is in bounds. */
	p = (const uint8_t *)nest + NLA_HDRLEN;
	end = (const uint8_t *)nest + nest->nla_len;
	while ((size_t)(end - p) >= NLA_HDRLEN) {
		uint32_t id;

		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > (size_t)(end - p))
			return -EBADMSG;
		if ((a->nla_type & NLA_TYPE_MASK) == SL_CTL_IFST_A_VERDICT) {
			if (sl_ctl_parse_nest(base, a, &sl_ctl_counter_attrs, cnt, &e))
				return -EBADMSG;
			id = mnl_attr_get_u32(cnt[SL_CTL_CNT_A_ID]);
			if (id < n) {
				c[id].packets = mnl_attr_get_u64(cnt[SL_CTL_CNT_A_PACKETS]);
				c[id].bytes = mnl_attr_get_u64(cnt[SL_CTL_CNT_A_BYTES]);
			}
		}
		if (NLA_ALIGN((size_t)a->nla_len) >= (size_t)(end - p))
			break;
		p += NLA_ALIGN((size_t)a->nla_len);
	}
	return 0;
}

int sl_ctl_put_placement(struct nlmsghdr *nlh, size_t size, const struct sl_ctl_place_info *pi)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, SL_CTL_A_PLACEMENT);
	uint32_t n;

	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_strz_check(nlh, size, SL_CTL_PLACE_A_NAME, pi->name) ||
	    !mnl_attr_put_u32_check(nlh, size, SL_CTL_PLACE_A_KIND, pi->kind) ||
	    (pi->pool[0] && !mnl_attr_put_strz_check(nlh, size, SL_CTL_PLACE_A_POOL, pi->pool)) ||
	    !mnl_attr_put_strz_check(nlh, size, SL_CTL_PLACE_A_TIER, pi->tier) ||
	    (pi->req_nodes &&
	     !mnl_attr_put_u64_check(nlh, size, SL_CTL_PLACE_A_REQ_NODES, pi->req_nodes)) ||
	    !mnl_attr_put_u64_check(nlh, size, SL_CTL_PLACE_A_NODES, pi->nodes) ||
	    !mnl_attr_put_u8_check(nlh, size, SL_CTL_PLACE_A_FELL_BACK, pi->fell_back) ||
	    (pi->numa_flag >= 0 &&
	     !mnl_attr_put_u8_check(nlh, size, SL_CTL_PLACE_A_NUMA_FLAG, pi->numa_flag > 0)) ||
	    !mnl_attr_put_u64_check(nlh, size, SL_CTL_PLACE_A_BYTES, pi->bytes) ||
	    !mnl_attr_put_u8_check(nlh, size, SL_CTL_PLACE_A_MEASURED, pi->measured))
		goto fail;
	if (pi->measured) {
		if (!mnl_attr_put_u64_check(nlh, size, SL_CTL_PLACE_A_PAGE_SIZE, pi->page_size) ||
		    !mnl_attr_put_u64_check(nlh, size, SL_CTL_PLACE_A_PAGES, pi->pages) ||
		    !mnl_attr_put_u64_check(nlh, size, SL_CTL_PLACE_A_ABSENT, pi->absent))
			goto fail;
		for (n = 0; n < SL_CTL_PLACE_NODES; n++) {
			struct nlattr *np;

			if (!pi->node_pages[n])
				continue;
			np = mnl_attr_nest_start_check(nlh, size, SL_CTL_PLACE_A_NODE_PAGES);
			if (!np || !mnl_attr_put_u32_check(nlh, size, SL_CTL_NP_A_NODE, n) ||
			    !mnl_attr_put_u64_check(nlh, size, SL_CTL_NP_A_PAGES, pi->node_pages[n]))
				goto fail;
			mnl_attr_nest_end(nlh, np);
		}
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
fail:
	mnl_attr_nest_cancel(nlh, nest);
	return -EMSGSIZE;
}

/* Copies a validated string attribute into a buffer of size bytes. */
static void get_str(const struct nlattr *a, char *buf, size_t size)
{
	snprintf(buf, size, "%s", a ? mnl_attr_get_str(a) : "");
}

int sl_ctl_get_placement(const struct nlmsghdr *base, const struct nlattr *nest,
			 struct sl_ctl_place_info *out)
{
	const struct nlattr *tb[SL_CTL_PLACE_A_MAX + 1], *np[SL_CTL_NP_A_MAX + 1], *a;
	const uint8_t *p, *end;
	struct sl_ctl_error e;

	memset(out, 0, sizeof(*out));
	if (sl_ctl_parse_nest(base, nest, &sl_ctl_place_attrs, tb, &e))
		return -EBADMSG;
	get_str(tb[SL_CTL_PLACE_A_NAME], out->name, sizeof(out->name));
	out->kind = mnl_attr_get_u32(tb[SL_CTL_PLACE_A_KIND]);
	get_str(tb[SL_CTL_PLACE_A_POOL], out->pool, sizeof(out->pool));
	get_str(tb[SL_CTL_PLACE_A_TIER], out->tier, sizeof(out->tier));
	if (tb[SL_CTL_PLACE_A_REQ_NODES])
		out->req_nodes = mnl_attr_get_u64(tb[SL_CTL_PLACE_A_REQ_NODES]);
	out->nodes = mnl_attr_get_u64(tb[SL_CTL_PLACE_A_NODES]);
	out->fell_back = tb[SL_CTL_PLACE_A_FELL_BACK] && mnl_attr_get_u8(tb[SL_CTL_PLACE_A_FELL_BACK]);
	out->numa_flag = tb[SL_CTL_PLACE_A_NUMA_FLAG] ? !!mnl_attr_get_u8(tb[SL_CTL_PLACE_A_NUMA_FLAG])
						      : -1;
	out->bytes = mnl_attr_get_u64(tb[SL_CTL_PLACE_A_BYTES]);
	out->measured = tb[SL_CTL_PLACE_A_MEASURED] && mnl_attr_get_u8(tb[SL_CTL_PLACE_A_MEASURED]);
	if (!out->measured)
		return 0;
	if (!tb[SL_CTL_PLACE_A_PAGE_SIZE] || !tb[SL_CTL_PLACE_A_PAGES])
		return -EBADMSG;
	out->page_size = mnl_attr_get_u64(tb[SL_CTL_PLACE_A_PAGE_SIZE]);
	out->pages = mnl_attr_get_u64(tb[SL_CTL_PLACE_A_PAGES]);
	if (tb[SL_CTL_PLACE_A_ABSENT])
		out->absent = mnl_attr_get_u64(tb[SL_CTL_PLACE_A_ABSENT]);
	/* The nest passed the parser whole: every attribute in it is in bounds. */
	p = (const uint8_t *)nest + NLA_HDRLEN;
	end = (const uint8_t *)nest + nest->nla_len;
	while ((size_t)(end - p) >= NLA_HDRLEN) {
		uint32_t node;

		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > (size_t)(end - p))
			return -EBADMSG;
		if ((a->nla_type & NLA_TYPE_MASK) == SL_CTL_PLACE_A_NODE_PAGES) {
			if (sl_ctl_parse_nest(base, a, &sl_ctl_node_pages_attrs, np, &e))
				return -EBADMSG;
			node = mnl_attr_get_u32(np[SL_CTL_NP_A_NODE]);
			if (node >= SL_CTL_PLACE_NODES)
				return -EBADMSG;
			out->node_pages[node] += mnl_attr_get_u64(np[SL_CTL_NP_A_PAGES]);
		}
		if (NLA_ALIGN((size_t)a->nla_len) >= (size_t)(end - p))
			break;
		p += NLA_ALIGN((size_t)a->nla_len);
	}
	return 0;
}

int sl_ctl_put_error(void *buf, size_t size, const void *req, size_t req_len,
		     const struct sl_ctl_error *e)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *ne;

	if (size < NLMSG_HDRLEN + sizeof(*ne) || size > UINT32_MAX)
		return -EMSGSIZE;
	nlh = mnl_nlmsg_put_header(buf);
	ne = mnl_nlmsg_put_extra_header(nlh, sizeof(*ne));
	memcpy(&ne->msg, req, req_len < sizeof(ne->msg) ? req_len : sizeof(ne->msg));
	ne->error = e->err;
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	nlh->nlmsg_seq = ne->msg.nlmsg_seq;
	nlh->nlmsg_pid = ne->msg.nlmsg_pid;
	if (e->msg[0] || e->offset || e->miss_type) {
		size_t len = strnlen(e->msg, sizeof(e->msg) - 1);
		char text[SL_CTL_ERRMSG_LEN];

		memcpy(text, e->msg, len);
		text[len] = '\0';
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		if ((len && !mnl_attr_put_strz_check(nlh, size, NLMSGERR_ATTR_MSG, text)) ||
		    (e->offset && !mnl_attr_put_u32_check(nlh, size, NLMSGERR_ATTR_OFFS, e->offset)) ||
		    (e->miss_type &&
		     !mnl_attr_put_u32_check(nlh, size, NLMSGERR_ATTR_MISS_TYPE, e->miss_type)))
			return -EMSGSIZE;
	}
	return (int)nlh->nlmsg_len;
}

int sl_ctl_put_done(void *buf, size_t size, uint32_t seq, uint32_t pid)
{
	struct nlmsghdr *nlh;
	int *status;

	if (size < NLMSG_HDRLEN + sizeof(int))
		return -EMSGSIZE;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	status = mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	*status = 0;
	return (int)nlh->nlmsg_len;
}
