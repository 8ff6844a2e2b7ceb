/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rule logging through the real program with BPF_PROG_TEST_RUN: the
 * events a logging rule puts into sl_events, field by field; captures;
 * 1/N sampling and the rate limit; a full ring counted; rules that do not
 * log emit nothing; the program still loads with 1,024 logging rules on
 * every dimension; and the logger end to end (ring buffer to JSON lines
 * and a pcap read back with libpcap).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <cmocka.h>

#include "dataplane/event.h"
#include "dataplane/logger.h"
#include "pktbuild.h"
#include "../unit/pcap_read.h"
#include "sluice/events.h"
#include "xdp_harness.h"

#define LO 1
#define MAX_EV 2048

struct got {
	size_t n;
	struct sl_event_view v[MAX_EV];
	uint8_t cap[MAX_EV][SL_CAPTURE_MAX];
	size_t rec_len[MAX_EV];
	int bad;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct got *g = ctx;

	if (g->n >= MAX_EV)
		return 0;
	if (sl_event_decode(data, len, &g->v[g->n])) {
		g->bad++;
		return 0;
	}
	if (g->v[g->n].ev.cap_len)
		memcpy(g->cap[g->n], g->v[g->n].cap, g->v[g->n].ev.cap_len);
	g->v[g->n].cap = g->cap[g->n];
	g->rec_len[g->n] = len;
	g->n++;
	return 0;
}

/* A harness plus a reader of its event ring. */
struct lt {
	struct xh h;
	struct ring_buffer *rb;
	struct got *g;
};

static int lt_open(struct lt *t, const char *yaml)
{
	int err, fd;

	memset(t, 0, sizeof(*t));
	t->g = calloc(1, sizeof(*t->g));
	if (!t->g)
		return -ENOMEM;
	err = xh_open(&t->h, yaml, NULL);
	if (err)
		return err;
	fd = sl_fw_map_fd(t->h.fw, "sl_events");
	if (fd < 0)
		return fd;
	t->rb = ring_buffer__new(fd, on_event, t->g, NULL);
	return t->rb ? 0 : -errno;
}

static void lt_close(struct lt *t)
{
	ring_buffer__free(t->rb);
	xh_close(&t->h);
	free(t->g);
}

static size_t lt_read(struct lt *t)
{
	ring_buffer__consume(t->rb);
	return t->g->n;
}

static void lt_stats(struct lt *t, uint64_t *out)
{
	assert_int_equal(sl_log_stats_read(sl_fw_map_fd(t->h.fw, "sl_log_stats"), out), 0);
}

static size_t build(const struct pb_spec *s, uint8_t *buf)
{
	int n = pb_build(s, buf, 1600, NULL);

	assert_true(n > 0);
	return (size_t)n;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int setup(void **state)
{
	cpu_set_t set;
	int err = xh_probe();

	(void)state;
	if (err == XH_SKIP)
		exit(XH_SKIP);
	/* Sampling and rate state is per CPU: every run on one CPU, the first allowed. */
	if (!err && sched_getaffinity(0, sizeof(set), &set) == 0) {
		int cpu;

		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
			;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "cannot pin to CPU %d: %s\n", cpu, strerror(errno));
			return -1;
		}
	}
	return err;
}

static const char fields_yaml[] =
	"version: 1\n"
	"settings: {default_policy: accept}\n"
	"rules:\n"
	"  - {name: count-dns, protocol: udp, dport: 53, action: count, log: true}\n"
	"  - {name: deny-ssh, protocol: tcp, dport: 22, action: drop, log: true}\n"
	"  - {name: web, protocol: tcp, dport: 80, action: accept, capture: {snaplen: 64}}\n"
	"  - {name: big, protocol: tcp, dport: 81, action: drop, capture: {snaplen: 256}}\n"
	"  - {name: ping, protocol: icmp, icmp_type: 13, action: drop, log: true}\n"
	"  - {name: quiet, protocol: icmp, action: drop}\n"
	"  - {name: tagged, vlan: 7, action: drop, log: true}\n";

static void test_fields(void **state)
{
	struct pb_spec s;
	uint8_t f[1600];
	struct lt t;
	const struct sl_event *e;
	uint32_t ret;
	uint64_t t0, t1, st[SL_LOG_STAT_COUNT];
	size_t len;

	(void)state;
	assert_int_equal(lt_open(&t, fields_yaml), 0);

	/* A drop by a logging rule: every field. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.19.0.9", IPPROTO_TCP);
	s.sport = 40000;
	s.dport = 22;
	s.tcp_flags = 0x02;
	s.payload_len = 10;
	len = build(&s, f);
	t0 = mono_ns();
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	t1 = mono_ns();
	assert_int_equal(ret, XDP_DROP);
	assert_int_equal(lt_read(&t), 1);
	e = &t.g->v[0].ev;
	assert_int_equal(e->verdict, SL_EV_VERDICT_DROP);
	assert_int_equal(e->reason, SL_REASON_RULE);
	assert_int_equal(e->rule, xh_rule_index(&t.h, "deny-ssh"));
	assert_int_equal(e->family, 4);
	assert_int_equal(e->l4_proto, IPPROTO_TCP);
	assert_int_equal(e->flags, SL_EVF_PORTS | SL_EVF_TCP_FLAGS);
	assert_int_equal(e->sport, 40000);
	assert_int_equal(e->dport, 22);
	assert_int_equal(e->tcp_flags, 0x02);
	assert_int_equal(e->ifindex, LO);
	assert_int_equal(e->rx_queue, 0);
	assert_int_equal(e->pkt_len, len);
	assert_int_equal(e->cap_len, 0);
	assert_int_equal(t.g->rec_len[0], sizeof(struct sl_event));
	assert_memory_equal(e->src, s.src, 4);
	assert_memory_equal(e->dst, s.dst, 4);
	assert_true(e->ts_ns >= t0 && e->ts_ns <= t1);

	/* A count rule logs "count", then classification goes on (default accept, no event). */
	memset(&s, 0, sizeof(s));
	pb_spec_ip6(&s, "2001:db8::1", "2001:db8:1::2", IPPROTO_UDP);
	s.sport = 5353;
	s.dport = 53;
	len = build(&s, f);
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(ret, XDP_PASS);
	assert_int_equal(lt_read(&t), 2);
	e = &t.g->v[1].ev;
	assert_int_equal(e->verdict, SL_EV_VERDICT_COUNT);
	assert_int_equal(e->reason, SL_REASON_NONE);
	assert_int_equal(e->rule, xh_rule_index(&t.h, "count-dns"));
	assert_int_equal(e->family, 6);
	assert_int_equal(e->l4_proto, IPPROTO_UDP);
	assert_int_equal(e->flags, SL_EVF_PORTS);
	assert_int_equal(e->sport, 5353);
	assert_int_equal(e->dport, 53);
	assert_memory_equal(e->src, s.src, 16);
	assert_memory_equal(e->dst, s.dst, 16);

	/* A capture: the first 64 bytes of the frame. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip6(&s, "2001:db8::1", "2001:db8:1::2", IPPROTO_TCP);
	s.dport = 80;
	s.payload_len = 200;
	len = build(&s, f);
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(ret, XDP_PASS);
	assert_int_equal(lt_read(&t), 3);
	e = &t.g->v[2].ev;
	assert_int_equal(e->verdict, SL_EV_VERDICT_PASS);
	assert_int_equal(e->rule, xh_rule_index(&t.h, "web"));
	assert_int_equal(e->cap_len, 64);
	assert_int_equal(e->pkt_len, len);
	assert_int_equal(t.g->rec_len[2], sizeof(struct sl_event) + SL_CAPTURE_MAX);
	assert_memory_equal(t.g->cap[2], f, 64);

	/* A capture longer than the frame keeps the whole frame. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.19.0.9", IPPROTO_TCP);
	s.dport = 81;
	len = build(&s, f);
	assert_true(len < 256);
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(ret, XDP_DROP);
	assert_int_equal(lt_read(&t), 4);
	e = &t.g->v[3].ev;
	assert_int_equal(e->cap_len, len);
	assert_memory_equal(t.g->cap[3], f, len);

	/* A rule without log emits nothing. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.19.0.9", IPPROTO_ICMP);
	s.icmp_type = 8;
	len = build(&s, f);
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(ret, XDP_DROP);
	assert_int_equal(lt_read(&t), 4);

	/* ICMP fields. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.19.0.9", IPPROTO_ICMP);
	s.icmp_type = 13;
	len = build(&s, f);
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(ret, XDP_DROP);
	assert_int_equal(lt_read(&t), 5);
	e = &t.g->v[4].ev;
	assert_int_equal(e->rule, xh_rule_index(&t.h, "ping"));
	assert_int_equal(e->flags, SL_EVF_ICMP);
	assert_int_equal(e->icmp, 13);

	/* VLAN fields. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.19.0.9", IPPROTO_UDP);
	s.dport = 9;
	s.n_vlans = 1;
	s.vlans[0].tpid = ETH_P_8021Q;
	s.vlans[0].vid = 7;
	len = build(&s, f);
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(ret, XDP_DROP);
	assert_int_equal(lt_read(&t), 6);
	e = &t.g->v[5].ev;
	assert_int_equal(e->rule, xh_rule_index(&t.h, "tagged"));
	assert_int_equal(e->flags, SL_EVF_VLAN | SL_EVF_PORTS);
	assert_int_equal(e->vlan, 7);
	assert_int_equal(e->dport, 9);

	assert_int_equal(t.g->bad, 0);
	lt_stats(&t, st);
	assert_int_equal(st[SL_LOG_STAT_EMITTED], 6);
	assert_int_equal(st[SL_LOG_STAT_RING_FULL], 0);
	lt_close(&t);
}

static void run_n(struct lt *t, const uint8_t *f, size_t len, int n)
{
	uint32_t ret;
	int i;

	for (i = 0; i < n; i++)
		assert_int_equal(xh_run_fast(&t->h, f, len, LO, &ret), 0);
}

static size_t tcp_frame(uint8_t *f, uint16_t dport)
{
	struct pb_spec s;

	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.19.0.9", IPPROTO_TCP);
	s.dport = dport;
	return build(&s, f);
}

static void test_sampling(void **state)
{
	const char *yaml = "version: 1\n"
			   "rules:\n"
			   "  - {name: s10, protocol: tcp, dport: 22, action: drop, log: {sample: 10}}\n"
			   "  - {name: all, protocol: tcp, dport: 23, action: drop, log: {sample: 1}}\n";
	uint64_t st[SL_LOG_STAT_COUNT];
	uint8_t f[1600];
	struct lt t;
	size_t len, i;

	(void)state;
	assert_int_equal(lt_open(&t, yaml), 0);
	len = tcp_frame(f, 22);
	run_n(&t, f, len, 1000);
	assert_int_equal(lt_read(&t), 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(t.g->v[i].ev.rule, 0);
	lt_stats(&t, st);
	assert_int_equal(st[SL_LOG_STAT_EMITTED], 100);
	assert_int_equal(st[SL_LOG_STAT_SAMPLED_OUT], 900);
	/* The first match is logged: 1 in 10 of 5 packets is one event. */
	len = tcp_frame(f, 23);
	run_n(&t, f, len, 5);
	assert_int_equal(lt_read(&t), 105);
	lt_close(&t);
}

static void test_rate_limit(void **state)
{
	const char *yaml = "version: 1\n"
			   "rules:\n"
			   "  - {name: r, protocol: tcp, dport: 22, action: drop, log: {rate_limit: 20}}\n";
	uint64_t st[SL_LOG_STAT_COUNT], t0, el;
	uint8_t f[1600];
	struct lt t;
	size_t len, n;

	(void)state;
	assert_int_equal(lt_open(&t, yaml), 0);
	len = tcp_frame(f, 22);
	t0 = mono_ns();
	run_n(&t, f, len, 500);
	el = mono_ns() - t0;
	n = lt_read(&t);
	lt_stats(&t, st);
	assert_int_equal(st[SL_LOG_STAT_EMITTED], n);
	assert_int_equal(st[SL_LOG_STAT_EMITTED] + st[SL_LOG_STAT_RATE_LIMITED], 500);
	/* One window of a second, unless this machine took that long for 500 runs. */
	if (el < 900000000ull)
		assert_int_equal(n, 20);
	else
		assert_true(n >= 20 && n <= 20 * (el / 1000000000ull + 2));
	lt_close(&t);
}

static void test_ring_full(void **state)
{
	const char *yaml = "version: 1\n"
			   "rules:\n"
			   "  - {name: r, protocol: tcp, dport: 22, action: drop, capture: {snaplen: 256}}\n"
			   "logging:\n"
			   "  json: /nonexistent/only-the-ring-size-is-used.json\n"
			   "  ring_size: 4096\n";
	uint64_t st[SL_LOG_STAT_COUNT];
	uint8_t f[1600];
	struct lt t;
	size_t len, n;

	(void)state;
	assert_int_equal(lt_open(&t, yaml), 0);
	len = tcp_frame(f, 22);
	run_n(&t, f, len, 100);
	lt_stats(&t, st);
	/* 4096 bytes hold a few records of 8 + 80 + 256 bytes; the rest are counted. */
	assert_true(st[SL_LOG_STAT_EMITTED] > 0 && st[SL_LOG_STAT_EMITTED] < 20);
	assert_int_equal(st[SL_LOG_STAT_EMITTED] + st[SL_LOG_STAT_RING_FULL], 100);
	n = lt_read(&t);
	assert_int_equal(n, st[SL_LOG_STAT_EMITTED]);
	/* Once drained, there is room again. */
	run_n(&t, f, len, 1);
	assert_int_equal(lt_read(&t), n + 1);
	lt_close(&t);
}

/* One packet meeting more logging rules than SL_LOG_PENDING_MAX: the first ones are logged, in order. */
static void test_too_many(void **state)
{
	char yaml[2048];
	uint64_t st[SL_LOG_STAT_COUNT];
	uint8_t f[1600];
	size_t off = 0, len, i;
	struct lt t;
	uint32_t ret;

	(void)state;
	off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "version: 1\nrules:\n");
	for (i = 0; i < 10; i++)
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off,
					"  - {name: c%zu, protocol: tcp, action: count, log: true}\n", i);
	snprintf(yaml + off, sizeof(yaml) - off,
		 "  - {name: d, protocol: tcp, dport: 22, action: drop, log: true}\n");
	assert_int_equal(lt_open(&t, yaml), 0);
	len = tcp_frame(f, 22);
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(ret, XDP_DROP);
	assert_int_equal(lt_read(&t), SL_LOG_PENDING_MAX);
	for (i = 0; i < SL_LOG_PENDING_MAX; i++) {
		assert_int_equal(t.g->v[i].ev.rule, i);
		assert_int_equal(t.g->v[i].ev.verdict, SL_EV_VERDICT_COUNT);
	}
	lt_stats(&t, st);
	assert_int_equal(st[SL_LOG_STAT_EMITTED], SL_LOG_PENDING_MAX);
	assert_int_equal(st[SL_LOG_STAT_TOO_MANY], 11 - SL_LOG_PENDING_MAX);
	/* The next packet starts with an empty list. */
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(lt_read(&t), 2 * SL_LOG_PENDING_MAX);
	lt_close(&t);
}

/* 1,024 logging and capturing rules on every dimension: the verifier still accepts it. */
static void test_1024_rules_all_dims(void **state)
{
	size_t cap = 1024 * 300 + 1024, off = 0;
	char *y = malloc(cap);
	uint8_t f[1600];
	struct lt t;
	uint32_t ret;
	size_t len;
	int i;

	(void)state;
	assert_non_null(y);
	off += (size_t)snprintf(y + off, cap - off,
				"version: 1\nsettings: {default_policy: accept}\nrules:\n");
	for (i = 0; i < 1023; i++)
		off += (size_t)snprintf(
			y + off, cap - off,
			"  - {name: r%d, src: 198.18.%d.0/24, dst: '2001:db8:%x::/48', protocol: tcp,"
			" sport: %d, dport: %d, tcp_flags: syn, vlan: %d, interface: lo, action: %s,"
			" log: {sample: %d, rate_limit: 1000}, capture: {snaplen: %d}}\n",
			i, i % 256, i, 1024 + i, 20000 + i, i % 4096, i % 3 ? "drop" : "count",
			1 + i % 5, 1 + i % 256);
	off += (size_t)snprintf(y + off, cap - off,
				"  - {name: icmp, protocol: icmp, icmp_type: echo-request, action: drop,"
				" log: true}\n");
	assert_true(off < cap);
	assert_int_equal(lt_open(&t, y), 0);
	assert_int_equal(t.h.tables->n_rules, 1024);
	assert_true(t.h.tables->prog_cfg.flags & SL_CFG_LOG);
	assert_int_equal(t.h.tables->prog_cfg.dims_used, (1u << SL_DIM_COUNT) - 1);
	len = tcp_frame(f, 22);
	assert_int_equal(xh_run(&t.h, f, len, LO, &ret), 0);
	assert_int_equal(ret, XDP_PASS);
	assert_int_equal(lt_read(&t), 0);
	lt_close(&t);
	free(y);
}

/* ------------------------------------------------------------ end to end */

static size_t count_lines(const char *path, const char *needle)
{
	char line[2048];
	size_t n = 0;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (!needle || strstr(line, needle))
			n++;
	fclose(fp);
	return n;
}

static void end_to_end(bool force_pwrite)
{
	char dir[] = "/tmp/sl-logtest-XXXXXX", yaml[1024], json[300], pcap[300], line[2048];
	char errbuf[256];
	struct sl_logger_sources src = { 0 };
	struct pr_rec *recs;
	int linktype, r;
	struct sl_logger_stats st;
	struct sl_logger *lg = NULL;
	uint8_t f[1600];
	struct xh h;
	uint32_t ret;
	size_t len, n;
	FILE *fp;
	int i;

	assert_non_null(mkdtemp(dir));
	snprintf(json, sizeof(json), "%s/events.json", dir);
	snprintf(pcap, sizeof(pcap), "%s/captures.pcap", dir);
	snprintf(yaml, sizeof(yaml),
		 "version: 1\n"
		 "settings: {default_policy: accept}\n"
		 "rules:\n"
		 "  - {name: deny-ssh, protocol: tcp, dport: 22, action: drop, capture: {snaplen: 40}}\n"
		 "  - {name: deny-telnet, protocol: tcp, dport: 23, action: drop, log: true}\n"
		 "logging:\n"
		 "  json: %s\n"
		 "  pcap: %s\n"
		 "  io: %s\n",
		 json, pcap, force_pwrite ? "pwrite" : "io_uring");
	assert_int_equal(xh_open(&h, yaml, NULL), 0);
	src.events_fd = sl_fw_map_fd(h.fw, "sl_events");
	src.log_stats_fd = sl_fw_map_fd(h.fw, "sl_log_stats");
	src.publish_fd = sl_fw_map_fd(h.fw, "sl_logger_stats");
	src.names = h.tables->meta;
	src.n_names = h.tables->n_rules;
	assert_int_equal(sl_logger_start(&h.cfg->logging, &src, &lg), 0);

	/* 300 events in order: ports 22 and 23 alternate, sport numbers them. */
	for (i = 0; i < 300; i++) {
		struct pb_spec s;

		memset(&s, 0, sizeof(s));
		pb_spec_ip4(&s, "198.18.0.1", "198.19.0.9", IPPROTO_TCP);
		s.sport = (uint16_t)(1000 + i);
		s.dport = i % 2 ? 23 : 22;
		s.payload_len = 100;
		len = build(&s, f);
		assert_int_equal(xh_run_fast(&h, f, len, LO, &ret), 0);
		assert_int_equal(ret, XDP_DROP);
	}
	assert_int_equal(sl_logger_flush(lg, 5000), 0);
	sl_logger_stats(lg, &st);
	assert_int_equal(st.records, 300);
	assert_int_equal(st.json_written, 300);
	assert_int_equal(st.pcap_written, 150);
	assert_int_equal(st.drop_decode + st.drop_disk_full + st.drop_io_error, 0);
	assert_int_equal(st.io_uring, !force_pwrite);
	/* A flush publishes the counters for sluicectl. */
	{
		struct sl_logger_counters lc;
		uint32_t key = 0;

		assert_int_equal(bpf_map_lookup_elem(src.publish_fd, &key, &lc), 0);
		assert_int_equal(lc.v[SL_LOGGER_RECORDS], 300);
		assert_int_equal(lc.v[SL_LOGGER_JSON_WRITTEN], 300);
		assert_int_equal(lc.v[SL_LOGGER_PCAP_WRITTEN], 150);
		assert_int_equal(lc.v[SL_LOGGER_BYTES_WRITTEN], st.bytes_written);
		assert_int_equal(lc.v[SL_LOGGER_DROP_DISK_FULL] + lc.v[SL_LOGGER_DROP_IO_ERROR], 0);
	}
	assert_int_equal(sl_logger_stop(lg), 0);

	/* JSON: 300 lines in order with the right fields. */
	assert_int_equal(count_lines(json, NULL), 300);
	assert_int_equal(count_lines(json, "\"rule_name\":\"deny-ssh\""), 150);
	assert_int_equal(count_lines(json, "\"verdict\":\"drop\",\"reason\":\"rule\""), 300);
	fp = fopen(json, "r");
	assert_non_null(fp);
	for (i = 0; i < 300 && fgets(line, sizeof(line), fp); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\"sport\":%d,\"dport\":%d,", 1000 + i, i % 2 ? 23 : 22);
		if (!strstr(line, want))
			fail_msg("line %d lacks %s: %s", i + 1, want, line);
		assert_non_null(strstr(line, "\"src\":\"198.18.0.1\",\"dst\":\"198.19.0.9\""));
		assert_non_null(strstr(line, "\"source\":\"xdp\""));
		assert_non_null(strstr(line, i % 2 ? "\"captured\":0}" : "\"captured\":40}"));
	}
	fclose(fp);

	/* pcap: 150 records of 40 bytes, the frames' first bytes, in order. */
	recs = calloc(200, sizeof(*recs));
	assert_non_null(recs);
	r = pr_read(pcap, recs, 200, &linktype, errbuf, sizeof(errbuf));
	if (r < 0)
		fail_msg("libpcap cannot read %s: %s", pcap, errbuf);
	assert_int_equal(r, 150);
	assert_int_equal(linktype, 1); /* DLT_EN10MB */
	for (n = 0; n < 150; n++) {
		struct pb_spec s;

		memset(&s, 0, sizeof(s));
		pb_spec_ip4(&s, "198.18.0.1", "198.19.0.9", IPPROTO_TCP);
		s.sport = (uint16_t)(1000 + 2 * n);
		s.dport = 22;
		s.payload_len = 100;
		len = build(&s, f);
		assert_int_equal(recs[n].caplen, 40);
		assert_int_equal(recs[n].len, len);
		assert_memory_equal(recs[n].data, f, 40);
		if (n)
			assert_true(recs[n].ts_ns >= recs[n - 1].ts_ns);
	}
	free(recs);

	xh_close(&h);
	unlink(json);
	unlink(pcap);
	rmdir(dir);
}

static void test_end_to_end_io_uring(void **state)
{
	(void)state;
	end_to_end(false);
}

static void test_end_to_end_pwrite(void **state)
{
	(void)state;
	end_to_end(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_sampling),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_ring_full),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_1024_rules_all_dims),
		cmocka_unit_test(test_end_to_end_io_uring),
		cmocka_unit_test(test_end_to_end_pwrite),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
