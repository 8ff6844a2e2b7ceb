/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The event decoder and the two encoders (dataplane/event.h): every
 * refusal of the decoder, the JSON line field by field for IPv4 and IPv6,
 * escaping, the size limit, and pcap records read back with libpcap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/event.h"
#include "pcap_read.h"

static struct sl_event base_event(void)
{
	struct sl_event e;

	memset(&e, 0, sizeof(e));
	e.magic = SL_EVENT_MAGIC;
	e.version = SL_EVENT_VERSION;
	e.type = SL_EVENT_PACKET;
	e.verdict = SL_EV_VERDICT_DROP;
	e.family = 4;
	e.l4_proto = IPPROTO_TCP;
	e.flags = SL_EVF_PORTS | SL_EVF_TCP_FLAGS;
	e.ts_ns = 1000000000ull * 5 + 42;
	e.rule = 1;
	e.reason = SL_REASON_RULE;
	e.ifindex = 3;
	e.rx_queue = 2;
	e.pkt_len = 60;
	e.sport = 40000;
	e.dport = 22;
	e.tcp_flags = 0x12;
	inet_pton(AF_INET, "198.18.0.1", e.src);
	inet_pton(AF_INET, "198.19.255.254", e.dst);
	return e;
}

static void test_decode(void **state)
{
	uint8_t rec[sizeof(struct sl_event) + SL_CAPTURE_MAX + 8];
	struct sl_event e = base_event(), bad;
	struct sl_event_view v;
	size_t i;

	(void)state;
	memcpy(rec, &e, sizeof(e));
	assert_int_equal(sl_event_decode(rec, sizeof(e), &v), 0);
	assert_int_equal(v.ev.rule, 1);
	assert_null(v.cap);
	/* Unaligned input. */
	memcpy(rec + 1, &e, sizeof(e));
	assert_int_equal(sl_event_decode(rec + 1, sizeof(e), &v), 0);

	assert_int_equal(sl_event_decode(rec, sizeof(e) - 1, &v), -EINVAL);
	assert_int_equal(sl_event_decode(NULL, sizeof(e), &v), -EINVAL);

	for (i = 0; i < 9; i++) {
		bad = e;
		switch (i) {
		case 0: bad.magic ^= 1; break;
		case 1: bad.version = 2; break;
		case 2: bad.type = 2; break;
		case 3: bad.verdict = 3; break;
		case 4: bad.family = 5; break;
		case 5: bad.flags = 0x20; break;
		case 6: bad.reason = SL_REASON_COUNT; break;
		case 7: bad.cap_len = SL_CAPTURE_MAX + 1; bad.pkt_len = 1000; break;
		case 8: bad.cap_len = 10; bad.pkt_len = 5; break;
		}
		memcpy(rec, &bad, sizeof(bad));
		if (sl_event_decode(rec, sizeof(rec), &v) != -EINVAL)
			fail_msg("mutation %zu was accepted", i);
	}
	/* Captured bytes must be inside the record. */
	bad = e;
	bad.cap_len = 16;
	memcpy(rec, &bad, sizeof(bad));
	assert_int_equal(sl_event_decode(rec, sizeof(bad) + 15, &v), -EINVAL);
	assert_int_equal(sl_event_decode(rec, sizeof(bad) + 16, &v), 0);
	assert_ptr_equal(v.cap, rec + sizeof(bad));
}

static void test_json_v4(void **state)
{
	struct sl_rule_meta names[2] = { { "first" }, { "deny-ssh" } };
	struct sl_json_ctx ctx = { .source = "xdp", .wall_offset_ns = 1764144600ll * 1000000000ll,
				   .names = names, .n_names = 2 };
	struct sl_event e = base_event();
	struct sl_event_view v = { .ev = e };
	char buf[SL_JSON_LINE_MAX];
	int n;

	(void)state;
	n = sl_event_json(&v, &ctx, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	buf[n] = '\0';
	/* 1764144600 + 5 s is 2025-11-26T08:10:05Z. */
	assert_string_equal(buf,
		"{\"time\":\"2025-11-26T08:10:05.000000042Z\",\"ts_ns\":1764144605000000042,"
		"\"source\":\"xdp\",\"type\":\"packet\",\"verdict\":\"drop\",\"reason\":\"rule\","
		"\"rule\":1,\"rule_name\":\"deny-ssh\",\"ifindex\":3,\"rx_queue\":2,\"len\":60,"
		"\"family\":4,\"proto\":6,\"src\":\"198.18.0.1\",\"dst\":\"198.19.255.254\","
		"\"sport\":40000,\"dport\":22,\"tcp_flags\":18,\"frag\":false,\"captured\":0}\n");

	/* Exactly enough room is enough (no NUL); one byte less is refused, never truncated. */
	assert_int_equal(sl_event_json(&v, &ctx, buf, (size_t)n), n);
	assert_int_equal(sl_event_json(&v, &ctx, buf, (size_t)n - 1), -ENOSPC);
	assert_int_equal(sl_event_json(&v, &ctx, buf, 0), -ENOSPC);
}

static void test_json_v6(void **state)
{
	struct sl_rule_meta names[1] = { { "we\"ird\\\x01" } };
	struct sl_json_ctx ctx = { .source = "worker-0", .names = names, .n_names = 1 };
	struct sl_event e = base_event();
	struct sl_event_view v;
	char buf[SL_JSON_LINE_MAX];
	int n;

	(void)state;
	e.family = 6;
	e.l4_proto = IPPROTO_ICMPV6;
	e.flags = SL_EVF_ICMP | SL_EVF_VLAN | SL_EVF_FRAG;
	e.icmp = 128;
	e.vlan = 4094;
	e.verdict = SL_EV_VERDICT_COUNT;
	e.reason = SL_REASON_NONE;
	e.rule = 0;
	e.ts_ns = 0;
	inet_pton(AF_INET6, "2001:db8::1", e.src);
	inet_pton(AF_INET6, "2001:db8:ffff::2", e.dst);
	v.ev = e;
	v.cap = NULL;
	n = sl_event_json(&v, &ctx, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf,
		"{\"time\":\"1970-01-01T00:00:00.000000000Z\",\"ts_ns\":0,"
		"\"source\":\"worker-0\",\"type\":\"packet\",\"verdict\":\"count\",\"reason\":\"none\","
		"\"rule\":0,\"rule_name\":\"we\\\"ird\\\\\\u0001\",\"ifindex\":3,\"rx_queue\":2,"
		"\"len\":60,\"family\":6,\"proto\":58,\"src\":\"2001:db8::1\",\"dst\":\"2001:db8:ffff::2\","
		"\"icmp_type\":128,\"vlan\":4094,\"frag\":true,\"captured\":0}\n");

	/* A rule index beyond the names, and no rule at all. */
	v.ev.rule = 7;
	n = sl_event_json(&v, &ctx, buf, sizeof(buf));
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"rule\":7,\"rule_name\":null,"));
	v.ev.rule = SL_EVENT_NO_RULE;
	n = sl_event_json(&v, &ctx, buf, sizeof(buf));
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"rule\":null,\"rule_name\":null,"));
}

/* The longest line fits SL_JSON_LINE_MAX. */
static void test_json_longest(void **state)
{
	struct sl_rule_meta names[1];
	struct sl_json_ctx ctx = { .source = "0123456789012345678901234567890", .names = names,
				   .n_names = 1, .wall_offset_ns = INT64_MAX / 2 };
	struct sl_event e = base_event();
	struct sl_event_view v;
	char buf[SL_JSON_LINE_MAX];

	(void)state;
	memset(names[0].name, 0x01, sizeof(names[0].name) - 1);
	names[0].name[sizeof(names[0].name) - 1] = '\0';
	e.family = 6;
	e.flags = SL_EVF_ALL;
	e.rule = 0;
	e.ts_ns = UINT64_MAX / 4;
	e.ifindex = e.rx_queue = e.pkt_len = UINT32_MAX;
	memset(e.src, 0xff, 16);
	memset(e.dst, 0xff, 16);
	e.src[0] = 0x20;
	v.ev = e;
	v.cap = NULL;
	assert_true(sl_event_json(&v, &ctx, buf, sizeof(buf)) > 0);
}

static void test_pcap(void **state)
{
	char path[] = "/tmp/sl-test-event-XXXXXX", err[256];
	uint8_t frame[300], rec[sizeof(struct sl_event) + SL_CAPTURE_MAX];
	uint8_t out[SL_PCAP_FILE_HDR_LEN + 3 * (SL_PCAP_REC_HDR_LEN + SL_CAPTURE_MAX)];
	struct sl_event e = base_event();
	struct sl_event_view v;
	struct pr_rec got[4];
	size_t off = 0, i;
	int fd, n, link;

	(void)state;
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	n = sl_pcap_file_header(out, sizeof(out));
	assert_int_equal(n, SL_PCAP_FILE_HDR_LEN);
	off += (size_t)n;
	assert_int_equal(sl_pcap_file_header(out, 23), -ENOSPC);

	for (i = 0; i < 3; i++) {
		e.cap_len = (uint16_t)(i == 2 ? SL_CAPTURE_MAX : 14 + i * 50);
		e.pkt_len = 300;
		e.ts_ns = 1000000000ull * (i + 1) + 123456789 + i;
		memcpy(rec, &e, sizeof(e));
		memcpy(rec + sizeof(e), frame, e.cap_len);
		assert_int_equal(sl_event_decode(rec, sizeof(e) + e.cap_len, &v), 0);
		assert_int_equal(sl_pcap_record(&v, 0, out + off, SL_PCAP_REC_HDR_LEN + e.cap_len - 1),
				 -ENOSPC);
		n = sl_pcap_record(&v, 0, out + off, sizeof(out) - off);
		assert_int_equal(n, SL_PCAP_REC_HDR_LEN + e.cap_len);
		off += (size_t)n;
	}
	/* No capture, no record. */
	e.cap_len = 0;
	memcpy(rec, &e, sizeof(e));
	assert_int_equal(sl_event_decode(rec, sizeof(e), &v), 0);
	assert_int_equal(sl_pcap_record(&v, 0, out + off, sizeof(out) - off), 0);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, out, off), (ssize_t)off);
	close(fd);
	n = pr_read(path, got, 4, &link, err, sizeof(err));
	unlink(path);
	if (n < 0)
		fail_msg("libpcap: %s", err);
	assert_int_equal(n, 3);
	assert_int_equal(link, 1);
	for (i = 0; i < 3; i++) {
		uint32_t cl = (uint32_t)(i == 2 ? SL_CAPTURE_MAX : 14 + i * 50);

		assert_int_equal(got[i].caplen, cl);
		assert_int_equal(got[i].len, 300);
		assert_int_equal(got[i].ts_ns, 1000000000ull * (i + 1) + 123456789 + i);
		assert_memory_equal(got[i].data, frame, cl);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_json_v4),
		cmocka_unit_test(test_json_v6),
		cmocka_unit_test(test_json_longest),
		cmocka_unit_test(test_pcap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
