/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control protocol's parser and builders: messages built with the
 * builders parse back to the same values, and each kind of malformed
 * message is refused with its errno, its message and the offset of the
 * attribute at fault.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control/proto.h"
#include "control/worker_status.h"
#include "sluice/abi.h"

#define HDRS (NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct sl_ctl_hdr)))

static uint8_t buf[8192] __attribute__((aligned(4)));

/* Frames and parses buf as one message; returns the errno. */
static int parse(size_t len, enum sl_ctl_dir dir, struct sl_ctl_msg *m, struct sl_ctl_error *e)
{
	const struct nlmsghdr *nlh;
	int n = sl_ctl_frame(buf, len, &nlh, e);

	if (n < 0)
		return n;
	assert_ptr_equal(nlh, buf);
	return sl_ctl_parse(nlh, dir, m, e);
}

/* A valid STATUS reply with every attribute and two interfaces. */
static struct nlmsghdr *status_reply(void)
{
	struct nlmsghdr *nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, 0, 7, 0);
	static const char *const names[] = {"sl-a0", "sl-b0"};
	int i;

	assert_non_null(nlh);
	assert_true(mnl_attr_put_strz_check(nlh, sizeof(buf), SL_CTL_A_DAEMON_VERSION, "0.1.0"));
	assert_true(mnl_attr_put_u32_check(nlh, sizeof(buf), SL_CTL_A_PID, 4242));
	assert_true(mnl_attr_put_u64_check(nlh, sizeof(buf), SL_CTL_A_UPTIME_MS, 123456789012ull));
	assert_true(mnl_attr_put_strz_check(nlh, sizeof(buf), SL_CTL_A_PIN_DIR, "/sys/fs/bpf/sluice"));
	assert_true(mnl_attr_put_u32_check(nlh, sizeof(buf), SL_CTL_A_RULE_COUNT, 9));
	for (i = 0; i < 2; i++) {
		struct nlattr *nest = mnl_attr_nest_start_check(nlh, sizeof(buf), SL_CTL_A_IFACE);

		assert_non_null(nest);
		assert_true(mnl_attr_put_strz_check(nlh, sizeof(buf), SL_CTL_IFACE_A_NAME, names[i]));
		assert_true(mnl_attr_put_u32_check(nlh, sizeof(buf), SL_CTL_IFACE_A_INDEX, 10 + i));
		assert_true(mnl_attr_put_u32_check(nlh, sizeof(buf), SL_CTL_IFACE_A_XDP_MODE,
						   i ? SL_CTL_XDP_GENERIC : SL_CTL_XDP_NATIVE));
		mnl_attr_nest_end(nlh, nest);
	}
	assert_true(mnl_attr_put_u8_check(nlh, sizeof(buf), SL_CTL_A_KEEP_ENFORCING, 1));
	return nlh;
}

static void test_request_roundtrip(void **state)
{
	struct nlmsghdr *nlh;
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	int i;

	(void)state;
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, NLM_F_REQUEST | NLM_F_ACK, 99, 5);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_len, HDRS);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REQUEST, &m, &e), 0);
	assert_int_equal(m.hdr->cmd, SL_CTL_CMD_STATUS);
	assert_int_equal(m.hdr->version, SL_CTL_VERSION);
	assert_int_equal(m.nlh->nlmsg_seq, 99);
	assert_int_equal(m.nlh->nlmsg_pid, 5);
	assert_int_equal(m.nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_string_equal(m.info->name, "status");
	assert_true(m.info->doit);
	assert_false(m.info->dumpit);
	for (i = 0; i <= SL_CTL_A_MAX; i++)
		assert_null(m.tb[i]);
	assert_true(sl_ctl_cmd(SL_CTL_CMD_STATS)->dumpit);
	assert_true(sl_ctl_cmd(SL_CTL_CMD_RULE_ADD)->doit);
	assert_false(sl_ctl_cmd(SL_CTL_CMD_RULE_ADD)->dumpit);
	assert_true(sl_ctl_cmd(SL_CTL_CMD_RULE_LIST)->dumpit);
	assert_true(sl_ctl_cmd(SL_CTL_CMD_SET_LIST)->dumpit);
	assert_true(sl_ctl_cmd(SL_CTL_CMD_IFACE_LIST)->dumpit);
	assert_true(sl_ctl_cmd(SL_CTL_CMD_TX_COMMIT)->doit);
	assert_null(sl_ctl_cmd(200)->name);
	assert_string_equal(sl_ctl_cmd_name(200), "unknown");

	/* A buffer too small for the two headers builds nothing. */
	assert_null(sl_ctl_msg_start(buf, HDRS - 1, SL_CTL_CMD_STATUS, 0, 0, 0));
}

static void test_status_reply_roundtrip(void **state)
{
	const struct nlattr *tb[SL_CTL_IFACE_A_MAX + 1], *a;
	struct nlmsghdr *nlh = status_reply();
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	int n = 0;

	(void)state;
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	assert_string_equal(mnl_attr_get_str(m.tb[SL_CTL_A_DAEMON_VERSION]), "0.1.0");
	assert_int_equal(mnl_attr_get_u32(m.tb[SL_CTL_A_PID]), 4242);
	assert_true(mnl_attr_get_u64(m.tb[SL_CTL_A_UPTIME_MS]) == 123456789012ull);
	assert_string_equal(mnl_attr_get_str(m.tb[SL_CTL_A_PIN_DIR]), "/sys/fs/bpf/sluice");
	assert_int_equal(mnl_attr_get_u32(m.tb[SL_CTL_A_RULE_COUNT]), 9);
	assert_int_equal(mnl_attr_get_u8(m.tb[SL_CTL_A_KEEP_ENFORCING]), 1);
	assert_null(m.tb[SL_CTL_A_CONFIG]);
	assert_ptr_equal(m.tb[SL_CTL_A_IFACE], sl_ctl_next_attr(&m, NULL, SL_CTL_A_IFACE));
	for (a = sl_ctl_next_attr(&m, NULL, SL_CTL_A_IFACE); a;
	     a = sl_ctl_next_attr(&m, a, SL_CTL_A_IFACE)) {
		assert_int_equal(sl_ctl_parse_nest(m.nlh, a, &sl_ctl_iface_attrs, tb, &e), 0);
		assert_string_equal(mnl_attr_get_str(tb[SL_CTL_IFACE_A_NAME]), n ? "sl-b0" : "sl-a0");
		assert_int_equal(mnl_attr_get_u32(tb[SL_CTL_IFACE_A_INDEX]), 10 + n);
		assert_string_equal(sl_ctl_xdp_mode_name(mnl_attr_get_u32(tb[SL_CTL_IFACE_A_XDP_MODE])),
				    n ? "generic" : "native");
		n++;
	}
	assert_int_equal(n, 2);
	/* The same message is not a valid request: status requests carry nothing. */
	nlh->nlmsg_flags = NLM_F_REQUEST;
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.offset, HDRS);
	assert_non_null(strstr(e.msg, "unknown attribute type 1"));
}

/* Two placement entries: a measured map on nodes 0 and 3, a pool that was not measured. */
static void placement_pair(struct sl_ctl_place_info *map, struct sl_ctl_place_info *pool)
{
	memset(map, 0, sizeof(*map));
	snprintf(map->name, sizeof(map->name), "sl_dir24");
	map->kind = SL_CTL_PLACE_MAP;
	snprintf(map->pool, sizeof(map->pool), "prefix_tables");
	snprintf(map->tier, sizeof(map->tier), "nodes");
	map->req_nodes = (1ULL << 3) | (1ULL << 63);
	map->nodes = 1ULL << 3;
	map->fell_back = true;
	map->numa_flag = 1;
	map->bytes = 67108864;
	map->measured = true;
	map->page_size = 4096;
	map->pages = 16384;
	map->absent = 4;
	map->node_pages[0] = 380;
	map->node_pages[3] = 16000;
	map->node_pages[63] = 0;

	memset(pool, 0, sizeof(*pool));
	snprintf(pool->name, sizeof(pool->name), "flow_tables");
	pool->kind = SL_CTL_PLACE_POOL;
	snprintf(pool->tier, sizeof(pool->tier), "capacity");
	pool->nodes = 1;
	pool->numa_flag = -1;
	pool->bytes = 1ULL << 33;
}

static void test_placement_roundtrip(void **state)
{
	struct sl_ctl_place_info want[2], got;
	struct nlmsghdr *nlh = status_reply();
	const struct nlattr *a, *tb[SL_CTL_PLACE_A_MAX + 1];
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	int n = 0;

	(void)state;
	placement_pair(&want[0], &want[1]);
	assert_int_equal(sl_ctl_put_placement(nlh, sizeof(buf), &want[0]), 0);
	assert_int_equal(sl_ctl_put_placement(nlh, sizeof(buf), &want[1]), 0);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	assert_ptr_equal(m.tb[SL_CTL_A_PLACEMENT], sl_ctl_next_attr(&m, NULL, SL_CTL_A_PLACEMENT));
	for (a = sl_ctl_next_attr(&m, NULL, SL_CTL_A_PLACEMENT); a;
	     a = sl_ctl_next_attr(&m, a, SL_CTL_A_PLACEMENT)) {
		assert_true(n < 2);
		assert_int_equal(sl_ctl_get_placement(m.nlh, a, &got), 0);
		/* Every field, node pages included, comes back as it was put. */
		assert_memory_equal(&got, &want[n], sizeof(got));
		n++;
	}
	assert_int_equal(n, 2);
	assert_string_equal(sl_ctl_place_kind_name(SL_CTL_PLACE_MAP), "map");
	assert_string_equal(sl_ctl_place_kind_name(SL_CTL_PLACE_POOL), "pool");
	assert_string_equal(sl_ctl_place_kind_name(7), "unknown");

	/* Not measured: no page attributes and no node pages on the wire. */
	a = sl_ctl_next_attr(&m, m.tb[SL_CTL_A_PLACEMENT], SL_CTL_A_PLACEMENT);
	assert_int_equal(sl_ctl_parse_nest(m.nlh, a, &sl_ctl_place_attrs, tb, &e), 0);
	assert_null(tb[SL_CTL_PLACE_A_PAGES]);
	assert_null(tb[SL_CTL_PLACE_A_NODE_PAGES]);
	assert_null(tb[SL_CTL_PLACE_A_NUMA_FLAG]);
	assert_null(tb[SL_CTL_PLACE_A_POOL]);
	assert_int_equal(mnl_attr_get_u8(tb[SL_CTL_PLACE_A_MEASURED]), 0);

	/* A buffer without room for the nest leaves the message as it was. */
	{
		uint32_t len = nlh->nlmsg_len;

		assert_int_equal(sl_ctl_put_placement(nlh, len + 40, &want[0]), -EMSGSIZE);
		assert_int_equal(nlh->nlmsg_len, len);
	}
}

/* Placement nests that break their policy, or that a reader cannot hold. */
static void test_placement_faults(void **state)
{
	struct sl_ctl_place_info pi, unused;
	struct nlmsghdr *nlh;
	struct nlattr *nest, *np;
	struct sl_ctl_error e;
	struct sl_ctl_msg m;

	(void)state;
	placement_pair(&pi, &unused);
	/* A node id past the 64 a node set holds: the nest parses, the reader refuses it. */
	nlh = status_reply();
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_PLACEMENT);
	mnl_attr_put_strz(nlh, SL_CTL_PLACE_A_NAME, "sl_dir24");
	mnl_attr_put_u32(nlh, SL_CTL_PLACE_A_KIND, SL_CTL_PLACE_MAP);
	mnl_attr_put_strz(nlh, SL_CTL_PLACE_A_TIER, "fast");
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_NODES, 1);
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_BYTES, 4096);
	mnl_attr_put_u8(nlh, SL_CTL_PLACE_A_MEASURED, 1);
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_PAGE_SIZE, 4096);
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_PAGES, 1);
	np = mnl_attr_nest_start(nlh, SL_CTL_PLACE_A_NODE_PAGES);
	mnl_attr_put_u32(nlh, SL_CTL_NP_A_NODE, 64);
	mnl_attr_put_u64(nlh, SL_CTL_NP_A_PAGES, 1);
	mnl_attr_nest_end(nlh, np);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	assert_int_equal(sl_ctl_get_placement(m.nlh, m.tb[SL_CTL_A_PLACEMENT], &pi), -EBADMSG);

	/* Node pages without their page count: the whole reply is refused. */
	nlh = status_reply();
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_PLACEMENT);
	mnl_attr_put_strz(nlh, SL_CTL_PLACE_A_NAME, "sl_dir24");
	mnl_attr_put_u32(nlh, SL_CTL_PLACE_A_KIND, SL_CTL_PLACE_MAP);
	mnl_attr_put_strz(nlh, SL_CTL_PLACE_A_TIER, "fast");
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_NODES, 1);
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_BYTES, 4096);
	np = mnl_attr_nest_start(nlh, SL_CTL_PLACE_A_NODE_PAGES);
	mnl_attr_put_u32(nlh, SL_CTL_NP_A_NODE, 0);
	mnl_attr_nest_end(nlh, np);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "missing attribute pages in node pages"));

	/* A tier name longer than its 16 bytes. */
	nlh = status_reply();
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_PLACEMENT);
	mnl_attr_put_strz(nlh, SL_CTL_PLACE_A_NAME, "sl_dir24");
	mnl_attr_put_u32(nlh, SL_CTL_PLACE_A_KIND, SL_CTL_PLACE_MAP);
	mnl_attr_put_strz(nlh, SL_CTL_PLACE_A_TIER, "capacity-capacity");
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_NODES, 1);
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_BYTES, 4096);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "attribute tier is 18 bytes long"));

	/* A nest without its required name. */
	nlh = status_reply();
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_PLACEMENT);
	mnl_attr_put_u32(nlh, SL_CTL_PLACE_A_KIND, SL_CTL_PLACE_MAP);
	mnl_attr_put_strz(nlh, SL_CTL_PLACE_A_TIER, "fast");
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_NODES, 1);
	mnl_attr_put_u64(nlh, SL_CTL_PLACE_A_BYTES, 4096);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_PLACE_A_NAME);
}

static void test_stats_reply_roundtrip(void **state)
{
	const struct nlattr *tb[SL_CTL_CNT_A_MAX + 1], *a;
	struct nlmsghdr *nlh;
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	int n = 0;

	(void)state;
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATS, NLM_F_MULTI, 3, 0);
	assert_int_equal(sl_ctl_put_counter(nlh, sizeof(buf), SL_CTL_A_VERDICT, 0, "pass", 10, 1000), 0);
	assert_int_equal(sl_ctl_put_counter(nlh, sizeof(buf), SL_CTL_A_VERDICT, 1, "drop", 20, 2000), 0);
	assert_int_equal(sl_ctl_put_counter(nlh, sizeof(buf), SL_CTL_A_REASON, 17, NULL, 5, 500), 0);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	for (a = sl_ctl_next_attr(&m, NULL, SL_CTL_A_VERDICT); a;
	     a = sl_ctl_next_attr(&m, a, SL_CTL_A_VERDICT)) {
		assert_int_equal(sl_ctl_parse_nest(m.nlh, a, &sl_ctl_counter_attrs, tb, &e), 0);
		assert_int_equal(mnl_attr_get_u32(tb[SL_CTL_CNT_A_ID]), n);
		assert_string_equal(mnl_attr_get_str(tb[SL_CTL_CNT_A_NAME]), n ? "drop" : "pass");
		assert_true(mnl_attr_get_u64(tb[SL_CTL_CNT_A_PACKETS]) == 10u * (n + 1));
		assert_true(mnl_attr_get_u64(tb[SL_CTL_CNT_A_BYTES]) == 1000u * (n + 1));
		n++;
	}
	assert_int_equal(n, 2);
	a = sl_ctl_next_attr(&m, NULL, SL_CTL_A_REASON);
	assert_non_null(a);
	assert_null(sl_ctl_next_attr(&m, a, SL_CTL_A_REASON));
	assert_int_equal(sl_ctl_parse_nest(m.nlh, a, &sl_ctl_counter_attrs, tb, &e), 0);
	assert_null(tb[SL_CTL_CNT_A_NAME]);
	assert_int_equal(mnl_attr_get_u32(tb[SL_CTL_CNT_A_ID]), 17);

	/* A counter that does not fit is not added at all. */
	nlh = sl_ctl_msg_start(buf, HDRS + 20, SL_CTL_CMD_STATS, 0, 0, 0);
	assert_int_equal(sl_ctl_put_counter(nlh, HDRS + 20, SL_CTL_A_RULE, 0, "r", 1, 1), -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, HDRS);

	/* One rule per message: a second rule attribute is refused. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATS, NLM_F_MULTI, 3, 0);
	assert_int_equal(sl_ctl_put_counter(nlh, sizeof(buf), SL_CTL_A_RULE, 0, "a", 1, 1), 0);
	assert_int_equal(sl_ctl_put_counter(nlh, sizeof(buf), SL_CTL_A_RULE, 1, "b", 1, 1), 0);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "rule given twice"));
}

static void test_error_roundtrip(void **state)
{
	struct sl_ctl_error e = { 0 }, got;
	struct nlmsghdr *req, *nlh;
	uint8_t reply[512] __attribute__((aligned(4)));
	int len;

	(void)state;
	req = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, NLM_F_REQUEST | NLM_F_ACK, 31, 77);
	/* An ACK: errno 0, the request's header echoed, no TLVs. */
	len = sl_ctl_put_error(reply, sizeof(reply), req, req->nlmsg_len, &e);
	assert_int_equal(len, NLMSG_HDRLEN + sizeof(struct nlmsgerr));
	nlh = (struct nlmsghdr *)reply;
	assert_int_equal(nlh->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(nlh->nlmsg_seq, 31);
	assert_int_equal(nlh->nlmsg_pid, 77);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_CAPPED);
	assert_int_equal(sl_ctl_parse_error(nlh, &got), 0);
	assert_int_equal(got.err, 0);
	assert_string_equal(got.msg, "");
	assert_int_equal(((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_seq, 31);

	/* An error with every extended-ack attribute. */
	sl_ctl_errorf(&e, -EINVAL, 24, "attribute %s is bad", "pid");
	e.miss_type = SL_CTL_A_PID;
	len = sl_ctl_put_error(reply, sizeof(reply), req, req->nlmsg_len, &e);
	assert_true(len > (int)(NLMSG_HDRLEN + sizeof(struct nlmsgerr)));
	assert_int_equal(nlh->nlmsg_flags, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	assert_int_equal(sl_ctl_parse_error(nlh, &got), 0);
	assert_int_equal(got.err, -EINVAL);
	assert_string_equal(got.msg, "attribute pid is bad");
	assert_int_equal(got.offset, 24);
	assert_int_equal(got.miss_type, SL_CTL_A_PID);

	/* A request shorter than a header is echoed as far as it goes. */
	len = sl_ctl_put_error(reply, sizeof(reply), "\x30\0\0\0", 4, &e);
	assert_true(len > 0);
	assert_int_equal(((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len, 0x30);
	assert_int_equal(nlh->nlmsg_seq, 0);

	/* Too small a buffer, a truncated or lying error message. */
	assert_int_equal(sl_ctl_put_error(reply, 20, req, req->nlmsg_len, &e), -EMSGSIZE);
	len = sl_ctl_put_error(reply, sizeof(reply), req, req->nlmsg_len, &e);
	nlh->nlmsg_len = NLMSG_HDRLEN + 4;
	assert_int_equal(sl_ctl_parse_error(nlh, &got), -EBADMSG);
	nlh->nlmsg_len = (uint32_t)len;
	((struct nlattr *)(reply + NLMSG_HDRLEN + sizeof(struct nlmsgerr)))->nla_len = 4000;
	assert_int_equal(sl_ctl_parse_error(nlh, &got), -EBADMSG);

	/* DONE. */
	len = sl_ctl_put_done(reply, sizeof(reply), 8, 9);
	assert_int_equal(len, NLMSG_HDRLEN + 4);
	assert_int_equal(nlh->nlmsg_type, NLMSG_DONE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_MULTI);
	assert_int_equal(nlh->nlmsg_seq, 8);
	assert_int_equal(sl_ctl_put_done(reply, 19, 8, 9), -EMSGSIZE);
}

static void test_framing(void **state)
{
	const struct nlmsghdr *nlh;
	struct sl_ctl_error e;
	struct nlmsghdr *h;
	size_t first;

	(void)state;
	/* Short header. */
	memset(buf, 0, 64);
	assert_int_equal(sl_ctl_frame(buf, 15, &nlh, &e), -EINVAL);
	assert_null(nlh);
	assert_non_null(strstr(e.msg, "short message: 15 bytes"));
	assert_int_equal(sl_ctl_frame(buf, 0, &nlh, &e), -EINVAL);

	/* nlmsg_len beyond the bytes received, and below the header. */
	h = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 1, 0);
	h->nlmsg_len = 4096;
	assert_int_equal(sl_ctl_frame(buf, HDRS, &nlh, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "nlmsg_len 4096 exceeds the 20 bytes received"));
	h->nlmsg_len = 0xffffffffu;
	assert_int_equal(sl_ctl_frame(buf, HDRS, &nlh, &e), -EINVAL);
	h->nlmsg_len = 15;
	assert_int_equal(sl_ctl_frame(buf, HDRS, &nlh, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "shorter than the netlink header"));

	/* Two messages in one datagram; the second without its padding. */
	h = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 1, 0);
	first = h->nlmsg_len;
	h = sl_ctl_msg_start(buf + first, sizeof(buf) - first, SL_CTL_CMD_STATS,
			     NLM_F_REQUEST | NLM_F_DUMP, 2, 0);
	assert_int_equal(sl_ctl_frame(buf, first + h->nlmsg_len, &nlh, &e), (int)first);
	assert_int_equal(sl_ctl_frame(buf + first, h->nlmsg_len, &nlh, &e), (int)h->nlmsg_len);
	assert_int_equal(nlh->nlmsg_seq, 2);
	/* A message of 17 bytes (a stray byte) frames, steps 17 and fails to parse. */
	h->nlmsg_len = NLMSG_HDRLEN + 1;
	assert_int_equal(sl_ctl_frame(buf + first, NLMSG_HDRLEN + 1, &nlh, &e), NLMSG_HDRLEN + 1);
}

/* Builds a STATUS request with n bytes of raw attribute area appended. */
static size_t raw_request(const void *attrs, size_t n)
{
	struct nlmsghdr *h = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 1, 0);

	if (n)
		memcpy(buf + HDRS, attrs, n);
	h->nlmsg_len = (uint32_t)(HDRS + n);
	return h->nlmsg_len;
}

static void test_header_faults(void **state)
{
	struct sl_ctl_hdr *ch = (struct sl_ctl_hdr *)(buf + NLMSG_HDRLEN);
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	size_t len;

	(void)state;
	len = raw_request(NULL, 0);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), 0);

	/* Another protocol version. */
	ch->version = SL_CTL_VERSION + 1;
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EPROTONOSUPPORT);
	assert_non_null(strstr(e.msg, "protocol version 2 is not supported"));
	assert_int_equal(e.offset, 0);
	ch->version = 0;
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EPROTONOSUPPORT);
	ch->version = SL_CTL_VERSION;

	/* Unknown and reserved-but-unknown commands. */
	ch->cmd = 0;
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EOPNOTSUPP);
	ch->cmd = SL_CTL_CMD_COUNT;
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "unknown command"));
	ch->cmd = SL_CTL_CMD_RELOAD; /* known, no attributes: parsed */
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), 0);
	ch->cmd = SL_CTL_CMD_STATUS;

	ch->reserved = 1;
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "reserved"));
	ch->reserved = 0;

	/* Another message type; netlink's own types are not requests. */
	((struct nlmsghdr *)buf)->nlmsg_type = NLMSG_DONE;
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "unknown message type"));
	((struct nlmsghdr *)buf)->nlmsg_type = SL_CTL_MSG;

	/* The command header cut short. */
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_HDRLEN + 2;
	assert_int_equal(parse(NLMSG_HDRLEN + 2, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no command header"));
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_HDRLEN;
	assert_int_equal(parse(NLMSG_HDRLEN, SL_CTL_REQUEST, &m, &e), -EINVAL);
}

static void test_attr_length_faults(void **state)
{
	struct nlattr a[4];
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	size_t len;

	(void)state;
	/* nla_len beyond the message. */
	a[0].nla_len = 200;
	a[0].nla_type = SL_CTL_A_PID;
	len = raw_request(a, 8);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.offset, HDRS);
	assert_non_null(strstr(e.msg, "attribute length 200 exceeds the 8 bytes left"));
	a[0].nla_len = 0xffff;
	len = raw_request(a, 8);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);

	/* nla_len below the attribute header: would loop forever unchecked. */
	a[0].nla_len = 0;
	len = raw_request(a, 8);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "below the 4-byte header"));
	a[0].nla_len = 3;
	len = raw_request(a, 8);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);

	/* Trailing bytes too few for an attribute header. */
	len = raw_request(a, 3);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "3 trailing bytes"));
	assert_int_equal(e.offset, HDRS);
}

static void test_attr_policy_faults(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	uint32_t off;
	char big[300];

	(void)state;
	/* An unknown attribute type: refused in a request, skipped in a reply. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 0, 0);
	off = nlh->nlmsg_len;
	mnl_attr_put_u32(nlh, 99, 1);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.offset, off);
	assert_string_equal(e.msg, "unknown attribute type 99 in message");
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 0, 0);
	mnl_attr_put_u32(nlh, 0, 1); /* type 0 is never an attribute */
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	nlh = status_reply();
	mnl_attr_put_u32(nlh, 99, 1);
	mnl_attr_put_u32(nlh, 0, 1);
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_IFACE);
	mnl_attr_put_strz(nlh, SL_CTL_IFACE_A_NAME, "sl-c0");
	mnl_attr_put_u64(nlh, 77, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	assert_int_equal(mnl_attr_get_u32(m.tb[SL_CTL_A_PID]), 4242);
	/* ... but only when its length is sound. */
	nlh = status_reply();
	off = nlh->nlmsg_len;
	mnl_attr_put_u32(nlh, 99, 1);
	((struct nlattr *)(buf + off))->nla_len = 9;
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.offset, off);

	/* Wrong sizes: a u32 of 2 bytes, a u64 of 4, a u8 of 4. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, 0, 0, 0);
	mnl_attr_put_strz(nlh, SL_CTL_A_DAEMON_VERSION, "x");
	off = nlh->nlmsg_len;
	mnl_attr_put_u16(nlh, SL_CTL_A_PID, 1);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.offset, off);
	assert_string_equal(e.msg, "attribute pid has 2 bytes, expected 4");
	nlh = status_reply();
	off = nlh->nlmsg_len;
	mnl_attr_put_u32(nlh, SL_CTL_A_UPTIME_MS, 1);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.offset, off);

	/* A repeated single attribute. */
	nlh = status_reply();
	mnl_attr_put_u32(nlh, SL_CTL_A_PID, 1);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_string_equal(e.msg, "attribute pid given twice");

	/* Strings: no NUL at the end, a NUL inside, too long, empty. */
	nlh = status_reply();
	off = nlh->nlmsg_len;
	mnl_attr_put(nlh, SL_CTL_A_CONFIG, 3, "abc");
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.offset, off);
	assert_string_equal(e.msg, "attribute config is not NUL-terminated");
	nlh = status_reply();
	mnl_attr_put(nlh, SL_CTL_A_CONFIG, 4, "a\0b");
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_string_equal(e.msg, "attribute config contains a NUL");
	nlh = status_reply();
	mnl_attr_put(nlh, SL_CTL_A_CONFIG, 0, "");
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATS, 0, 0, 0);
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_RULE);
	mnl_attr_put_u32(nlh, SL_CTL_CNT_A_ID, 1);
	off = nlh->nlmsg_len;
	mnl_attr_put_strz(nlh, SL_CTL_CNT_A_NAME, big);
	mnl_attr_put_u64(nlh, SL_CTL_CNT_A_PACKETS, 1);
	mnl_attr_put_u64(nlh, SL_CTL_CNT_A_BYTES, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.offset, off);
	assert_string_equal(e.msg, "attribute name is 300 bytes long, at most 64 allowed");

	/* Missing required attributes, at the top and inside a nest. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, 0, 0, 0);
	mnl_attr_put_strz(nlh, SL_CTL_A_DAEMON_VERSION, "x");
	mnl_attr_put_u64(nlh, SL_CTL_A_UPTIME_MS, 1);
	mnl_attr_put_strz(nlh, SL_CTL_A_PIN_DIR, "/p");
	mnl_attr_put_u32(nlh, SL_CTL_A_RULE_COUNT, 1);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_A_PID);
	assert_int_equal(e.offset, 0);
	assert_string_equal(e.msg, "missing attribute pid in message");
	mnl_attr_put_u32(nlh, SL_CTL_A_PID, 1);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	off = nlh->nlmsg_len;
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_IFACE);
	mnl_attr_put_u32(nlh, SL_CTL_IFACE_A_INDEX, 3);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_IFACE_A_NAME);
	assert_int_equal(e.offset, off);
	assert_string_equal(e.msg, "missing attribute name in interface");

	/* A nest without NLA_F_NESTED, a plain value with it. */
	nlh = status_reply();
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_IFACE);
	mnl_attr_put_strz(nlh, SL_CTL_IFACE_A_NAME, "x");
	mnl_attr_nest_end(nlh, nest);
	nest->nla_type &= (uint16_t)~NLA_F_NESTED;
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_string_equal(e.msg, "attribute interface: NLA_F_NESTED missing");
	nlh = status_reply();
	off = nlh->nlmsg_len;
	mnl_attr_put_u8(nlh, SL_CTL_A_KEEP_ENFORCING | NLA_F_NESTED, 1);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	nlh = status_reply();
	mnl_attr_put_u32(nlh, SL_CTL_A_CONFIG | NLA_F_NET_BYTEORDER, 1);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);

	/* A nest whose inner attribute overruns the nest (but not the message). */
	nlh = status_reply();
	off = nlh->nlmsg_len;
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_IFACE);
	mnl_attr_put_strz(nlh, SL_CTL_IFACE_A_NAME, "x");
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, SL_CTL_A_RULE_COUNT, 1); /* bytes after the nest */
	((struct nlattr *)((uint8_t *)nest + NLA_HDRLEN))->nla_len = 12;
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.offset, off + NLA_HDRLEN);
	assert_non_null(strstr(e.msg, "exceeds the 8 bytes left in interface"));
}

/* A self-nesting attribute set, to reach the depth limit. */
static const struct sl_ctl_attrset deep_attrs;
static const struct sl_ctl_policy deep_policy[2] = {
	[1] = { .type = SL_CTL_T_NESTED, .nest = &deep_attrs },
};
static const char *const deep_names[2] = { [1] = "deep" };
static const struct sl_ctl_attrset deep_attrs = {
	.name = "deep", .policy = deep_policy, .names = deep_names, .max = 1,
};

/* Builds a request of cmd with the attributes add() puts; returns its length. */
static size_t policy_req(uint8_t cmd, void (*add)(struct nlmsghdr *nlh))
{
	struct nlmsghdr *nlh = sl_ctl_msg_start(buf, sizeof(buf), cmd, NLM_F_REQUEST, 1, 0);

	assert_non_null(nlh);
	if (add)
		add(nlh);
	return nlh->nlmsg_len;
}

static void add_rule(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, SL_CTL_A_TX_ID, 3);
	mnl_attr_put_strz(nlh, SL_CTL_A_RULE_TEXT, "{name: a, action: drop}");
	mnl_attr_put_strz(nlh, SL_CTL_A_BEFORE, "b");
}

static void add_rule_and_set(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, SL_CTL_A_RULE_TEXT, "{name: a, action: drop}");
	mnl_attr_put_strz(nlh, SL_CTL_A_SET_NAME, "s");
}

static void add_prefixes(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, SL_CTL_A_SET_NAME, "s");
	mnl_attr_put_strz(nlh, SL_CTL_A_PREFIX, "198.18.0.0/24");
	mnl_attr_put_strz(nlh, SL_CTL_A_PREFIX, "2001:db8::/32");
}

static void add_set_name(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, SL_CTL_A_SET_NAME, "s");
}

static void add_long_prefix(struct nlmsghdr *nlh)
{
	char text[100];

	memset(text, '1', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	mnl_attr_put_strz(nlh, SL_CTL_A_SET_NAME, "s");
	mnl_attr_put_strz(nlh, SL_CTL_A_PREFIX, text);
}

static void add_short_tx(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, SL_CTL_A_TX_ID, 3);
}

static void add_ifname(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, SL_CTL_A_IFNAME, "sl-a0");
	mnl_attr_put_u32(nlh, SL_CTL_A_XDP_MODE, 2);
}

/*
 * The policy commands (docs/control.md, "Changing the policy"): each has
 * its own request policy; what it needs is required, what it does not
 * take is refused with its offset.
 */
static void test_policy_commands(void **state)
{
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	const struct nlattr *a;
	size_t len;
	int n;

	(void)state;
	len = policy_req(SL_CTL_CMD_RULE_ADD, add_rule);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), 0);
	assert_int_equal(mnl_attr_get_u32(m.tb[SL_CTL_A_TX_ID]), 3);
	assert_string_equal(mnl_attr_get_str(m.tb[SL_CTL_A_RULE_TEXT]), "{name: a, action: drop}");
	assert_string_equal(mnl_attr_get_str(m.tb[SL_CTL_A_BEFORE]), "b");

	/* rule add without its text: the missing type comes back. */
	len = policy_req(SL_CTL_CMD_RULE_ADD, NULL);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_A_RULE_TEXT);
	/* An attribute rule add does not take: refused at its offset. */
	len = policy_req(SL_CTL_CMD_RULE_ADD, add_rule_and_set);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.offset, HDRS + NLA_ALIGN(NLA_HDRLEN + sizeof("{name: a, action: drop}")));
	/* Each change needs its names: delete, replace, set add. */
	len = policy_req(SL_CTL_CMD_RULE_DELETE, NULL);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_A_RULE_NAME);
	len = policy_req(SL_CTL_CMD_SET_ADD, add_set_name);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_A_PREFIX);
	len = policy_req(SL_CTL_CMD_SET_CREATE, add_set_name); /* elements optional */
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), 0);
	len = policy_req(SL_CTL_CMD_SET_LOAD, add_set_name);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), 0);
	len = policy_req(SL_CTL_CMD_TX_COMMIT, NULL);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_A_TX_ID);
	/* Repeated prefixes: every one is there to iterate. */
	len = policy_req(SL_CTL_CMD_SET_ADD, add_prefixes);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), 0);
	for (n = 0, a = sl_ctl_next_attr(&m, NULL, SL_CTL_A_PREFIX); a;
	     a = sl_ctl_next_attr(&m, a, SL_CTL_A_PREFIX))
		n++;
	assert_int_equal(n, 2);
	/* A prefix longer than any prefix text, a transaction id of two bytes. */
	len = policy_req(SL_CTL_CMD_SET_ADD, add_long_prefix);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.offset, HDRS + NLA_ALIGN(NLA_HDRLEN + 2));
	len = policy_req(SL_CTL_CMD_TX_ABORT, add_short_tx);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.offset, HDRS);
	/* Interfaces: a name, a mode. */
	len = policy_req(SL_CTL_CMD_IFACE_ATTACH, add_ifname);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), 0);
	assert_int_equal(mnl_attr_get_u32(m.tb[SL_CTL_A_XDP_MODE]), 2);
	len = policy_req(SL_CTL_CMD_IFACE_DETACH, NULL);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_A_IFNAME);
	/* Lists take nothing (set list an optional name). */
	len = policy_req(SL_CTL_CMD_RULE_LIST, add_set_name);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	len = policy_req(SL_CTL_CMD_SET_LIST, add_set_name);
	assert_int_equal(parse(len, SL_CTL_REQUEST, &m, &e), 0);
}

/* A RULE_LIST reply and a TX_BEGIN reply parse back. */
/* STATS's interface messages: one slot's counters per verdict, and what a reader refuses. */
/* The attributes every STATUS reply carries. */
static void put_status_head(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, SL_CTL_A_DAEMON_VERSION, "0.1.0");
	mnl_attr_put_u32(nlh, SL_CTL_A_PID, 1);
	mnl_attr_put_u64(nlh, SL_CTL_A_UPTIME_MS, 1);
	mnl_attr_put_strz(nlh, SL_CTL_A_PIN_DIR, "/sys/fs/bpf/sluice");
	mnl_attr_put_u32(nlh, SL_CTL_A_RULE_COUNT, 0);
}

/* A worker's status with its port, peer and pipeline survives the trip; a stage without its name does not. */
static void test_worker_roundtrip(void **state)
{
	struct sl_ctl_worker w, got;
	struct nlattr *nest, *stg;
	struct nlmsghdr *nlh;
	struct sl_ctl_error e;
	struct sl_ctl_msg m;

	(void)state;
	memset(&w, 0, sizeof(w));
	snprintf(w.ifname, sizeof(w.ifname), "slfwA");
	snprintf(w.port, sizeof(w.port), "af_xdp");
	snprintf(w.peer, sizeof(w.peer), "slfwB");
	snprintf(w.stages, sizeof(w.stages), "inspect,forward");
	w.queue = 3;
	w.rx_packets = 1234;
	w.n_stage = 2;
	snprintf(w.stage[0].name, sizeof(w.stage[0].name), "inspect");
	w.stage[0].seen = 10;
	w.stage[0].drop = 3;
	w.stage[0].n_own = 2;
	snprintf(w.stage[0].own_names[0], sizeof(w.stage[0].own_names[0]), "allow");
	snprintf(w.stage[0].own_names[1], sizeof(w.stage[0].own_names[1]), "deny");
	w.stage[0].own[0] = 7;
	w.stage[0].own[1] = 3;
	snprintf(w.stage[1].name, sizeof(w.stage[1].name), "forward");
	w.stage[1].seen = 7;
	w.stage[1].tx = 7;

	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, 0, 3, 0);
	put_status_head(nlh);
	assert_int_equal(sl_ctl_worker_put(nlh, sizeof(buf), &w), 0);
	if (parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e))
		fail_msg("%s", e.msg);
	assert_non_null(m.tb[SL_CTL_A_WORKER]);
	assert_int_equal(sl_ctl_worker_get(m.nlh, m.tb[SL_CTL_A_WORKER], &got), 0);
	assert_memory_equal(&got, &w, sizeof(w));

	/* One that does not fit is not added at all. */
	nlh = sl_ctl_msg_start(buf, HDRS + 200, SL_CTL_CMD_STATUS, 0, 3, 0);
	assert_int_equal(sl_ctl_worker_put(nlh, HDRS + 200, &w), -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, HDRS);

	/* A stage nest without its name: the reply is refused, naming it. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, 0, 3, 0);
	put_status_head(nlh);
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_WORKER);
	mnl_attr_put_strz(nlh, SL_CTL_WK_A_IFNAME, "slfwA");
	mnl_attr_put_u32(nlh, SL_CTL_WK_A_QUEUE, 0);
	stg = mnl_attr_nest_start(nlh, SL_CTL_WK_A_STAGE);
	mnl_attr_put_u64(nlh, SL_CTL_STG_A_SEEN, 1);
	mnl_attr_nest_end(nlh, stg);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_STG_A_NAME);
}

static void test_iface_stats_roundtrip(void **state)
{
	const struct sl_counter want[SL_VERDICT_COUNT] = { { 11, 1100 }, { 22, 2200 }, { 33, 3300 } };
	struct sl_counter got[SL_VERDICT_COUNT], two[2];
	struct nlattr *nest, *cnt;
	struct nlmsghdr *nlh;
	struct sl_ctl_error e;
	struct sl_ctl_msg m;
	uint32_t slot = 0, len;

	(void)state;
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATS, NLM_F_MULTI, 3, 0);
	assert_int_equal(sl_ctl_put_iface_stats(nlh, sizeof(buf), 7, "slpc0", want, SL_VERDICT_COUNT),
			 0);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	assert_non_null(m.tb[SL_CTL_A_IFACE_STATS]);
	memset(got, 0, sizeof(got));
	assert_int_equal(sl_ctl_get_iface_stats(m.nlh, m.tb[SL_CTL_A_IFACE_STATS], &slot, got,
						SL_VERDICT_COUNT), 0);
	assert_int_equal(slot, 7);
	assert_memory_equal(got, want, sizeof(want));
	/* A reader that knows fewer verdicts keeps the ones it knows. */
	memset(two, 0, sizeof(two));
	assert_int_equal(sl_ctl_get_iface_stats(m.nlh, m.tb[SL_CTL_A_IFACE_STATS], &slot, two, 2), 0);
	assert_memory_equal(two, want, sizeof(two));

	/* Slot 0 ("other") without a name is fine. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATS, NLM_F_MULTI, 3, 0);
	assert_int_equal(sl_ctl_put_iface_stats(nlh, sizeof(buf), 0, NULL, want, 1), 0);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(sl_ctl_get_iface_stats(m.nlh, m.tb[SL_CTL_A_IFACE_STATS], &slot, got,
						SL_VERDICT_COUNT), 0);
	assert_int_equal(slot, 0);
	assert_true(got[0].packets == 11 && got[1].packets == 0);

	/* One that does not fit is not added at all. */
	nlh = sl_ctl_msg_start(buf, HDRS + 64, SL_CTL_CMD_STATS, 0, 0, 0);
	assert_int_equal(sl_ctl_put_iface_stats(nlh, HDRS + 64, 7, "slpc0", want, SL_VERDICT_COUNT),
			 -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, HDRS);

	/* Without its ifindex: the reply is refused, naming it. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATS, NLM_F_MULTI, 3, 0);
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_IFACE_STATS);
	mnl_attr_put_strz(nlh, SL_CTL_IFST_A_NAME, "slpc0");
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_IFST_A_IFINDEX);

	/* A verdict counter without packets: refused too. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATS, NLM_F_MULTI, 3, 0);
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_IFACE_STATS);
	mnl_attr_put_u32(nlh, SL_CTL_IFST_A_IFINDEX, 7);
	cnt = mnl_attr_nest_start(nlh, SL_CTL_IFST_A_VERDICT);
	mnl_attr_put_u32(nlh, SL_CTL_CNT_A_ID, 0);
	mnl_attr_put_u64(nlh, SL_CTL_CNT_A_BYTES, 1);
	mnl_attr_nest_end(nlh, cnt);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_CNT_A_PACKETS);

	/* A name longer than its 24 bytes. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATS, NLM_F_MULTI, 3, 0);
	nest = mnl_attr_nest_start(nlh, SL_CTL_A_IFACE_STATS);
	mnl_attr_put_u32(nlh, SL_CTL_IFST_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, SL_CTL_IFST_A_NAME, "an-interface-name-far-too-long");
	mnl_attr_nest_end(nlh, nest);
	len = nlh->nlmsg_len;
	assert_int_equal(parse(len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "name"));
}

static void test_policy_replies(void **state)
{
	struct nlmsghdr *nlh;
	struct sl_ctl_error e;
	struct sl_ctl_msg m;

	(void)state;
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_RULE_LIST, NLM_F_MULTI, 1, 0);
	mnl_attr_put_strz(nlh, SL_CTL_A_RULE_NAME, "web");
	mnl_attr_put_u32(nlh, SL_CTL_A_POSITION, 4);
	mnl_attr_put_strz(nlh, SL_CTL_A_RULE_TEXT, "{name: web, protocol: 6, action: accept}");
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	assert_string_equal(mnl_attr_get_str(m.tb[SL_CTL_A_RULE_NAME]), "web");
	assert_int_equal(mnl_attr_get_u32(m.tb[SL_CTL_A_POSITION]), 4);
	/* Without its position a rule list entry is malformed. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_RULE_LIST, NLM_F_MULTI, 1, 0);
	mnl_attr_put_strz(nlh, SL_CTL_A_RULE_NAME, "web");
	mnl_attr_put_strz(nlh, SL_CTL_A_RULE_TEXT, "{}");
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), -EINVAL);
	assert_int_equal(e.miss_type, SL_CTL_A_POSITION);
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_TX_BEGIN, 0, 1, 0);
	mnl_attr_put_u32(nlh, SL_CTL_A_TX_ID, 77);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	assert_int_equal(mnl_attr_get_u32(m.tb[SL_CTL_A_TX_ID]), 77);
	/* A set list entry says who fills the set. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_SET_LIST, NLM_F_MULTI, 1, 0);
	mnl_attr_put_strz(nlh, SL_CTL_A_SET_NAME, "host");
	mnl_attr_put_u64(nlh, SL_CTL_A_SET_SIZE, 2);
	mnl_attr_put_u32(nlh, SL_CTL_A_SET_SOURCE, SL_CTL_SET_SRC_HOST_ADDRESSES);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REPLY, &m, &e), 0);
	assert_int_equal(mnl_attr_get_u32(m.tb[SL_CTL_A_SET_SOURCE]), SL_CTL_SET_SRC_HOST_ADDRESSES);
	/* Not in a request: a client cannot make a set host-filled. */
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_SET_CREATE, NLM_F_REQUEST | NLM_F_ACK, 1, 0);
	mnl_attr_put_strz(nlh, SL_CTL_A_SET_NAME, "host");
	mnl_attr_put_u32(nlh, SL_CTL_A_SET_SOURCE, SL_CTL_SET_SRC_HOST_ADDRESSES);
	assert_int_equal(parse(nlh->nlmsg_len, SL_CTL_REQUEST, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "unknown attribute type 27"));
}

static void test_depth(void **state)
{
	struct nlattr *nests[8];
	const struct nlattr *tb[2];
	struct nlmsghdr *nlh;
	struct sl_ctl_error e;
	int i;

	(void)state;
	for (int depth = 1; depth <= 6; depth++) {
		nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, 0, 0, 0);
		for (i = 0; i < depth; i++)
			nests[i] = mnl_attr_nest_start(nlh, 1);
		for (i = depth - 1; i >= 0; i--)
			mnl_attr_nest_end(nlh, nests[i]);
		/* nests[0] is at depth 1; its content at depth 2. */
		if (depth <= SL_CTL_MAX_DEPTH) {
			assert_int_equal(sl_ctl_parse_nest(nlh, nests[0], &deep_attrs, tb, &e), 0);
		} else {
			assert_int_equal(sl_ctl_parse_nest(nlh, nests[0], &deep_attrs, tb, &e), -EINVAL);
			assert_non_null(strstr(e.msg, "nested deeper than 4"));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_roundtrip),
		cmocka_unit_test(test_status_reply_roundtrip),
		cmocka_unit_test(test_placement_roundtrip),
		cmocka_unit_test(test_placement_faults),
		cmocka_unit_test(test_stats_reply_roundtrip),
		cmocka_unit_test(test_iface_stats_roundtrip),
		cmocka_unit_test(test_worker_roundtrip),
		cmocka_unit_test(test_error_roundtrip),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_header_faults),
		cmocka_unit_test(test_attr_length_faults),
		cmocka_unit_test(test_attr_policy_faults),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_policy_commands),
		cmocka_unit_test(test_policy_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
