/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The inspect stage in a pipeline (dataplane/stage_inspect.c): crafted
 * DNS queries and real TLS ClientHellos (tests/data/inspect) in Ethernet
 * frames through [inspect, forward]: allowed (left for forward), denied
 * (dropped), not inspected; the flow verdicts it writes through a fake
 * writer and, where the kernel lets the test make one, into a real pinned
 * LRU hash map through the stage's own open; its counters; the config and
 * open refusals.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/config.h"
#include "dataplane/stage.h"
#include "dataplane/stage_inspect.h"
#include "pktbuild.h"

static const char config[] =
	"version: 1\n"
	"inspect:\n"
	"  verdict_ttl: 60\n"
	"  dns:\n"
	"    default: allow\n"
	"    malformed: deny\n"
	"    deny: ['*.bad.example']\n"
	"    allow: [ok.bad.example]\n"
	"  tls:\n"
	"    ports: [443, 8443]\n"
	"    default: allow\n"
	"    deny: ['*.example.com']\n"
	"    allow: [www.example.com]\n";

/* What the fake writer saw. */
struct writes {
	int fail; /* returned instead of 0 when not 0 */
	uint32_t n;
	struct sl_flow_key key[8];
	struct sl_flow_verdict v[8];
};

static int fake_write(void *ctx, const struct sl_flow_key *key, const struct sl_flow_verdict *v)
{
	struct writes *w = ctx;

	if (w->fail)
		return w->fail;
	assert_true(w->n < 8);
	w->key[w->n] = *key;
	w->v[w->n++] = *v;
	return 0;
}

static struct sl_config *load(const char *text)
{
	struct sl_config *cfg = NULL;
	struct sl_diag diag;

	if (sl_config_load_buffer(text, strlen(text), "t.yaml", NULL, &cfg, &diag)) {
		fprintf(stderr, "%s\n", diag.msg);
		fail();
	}
	return cfg;
}

static size_t read_data(const char *name, uint8_t *buf, size_t size)
{
	const char *src = getenv("SLUICE_SRCDIR");
	char path[512];
	size_t n;
	FILE *f;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/tests/data/inspect/%s", src, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, size, f);
	fclose(f);
	assert_true(n > 0 && n < size);
	return n;
}

/* A DNS query for name (dotted) into buf; returns its length. */
static size_t dns_query(uint8_t *buf, const char *name)
{
	static const uint8_t hdr[12] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01 };
	const char *p = name;
	size_t n = sizeof(hdr);

	memcpy(buf, hdr, sizeof(hdr));
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		buf[n++] = (uint8_t)l;
		memcpy(buf + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	buf[n++] = 0;
	memcpy(buf + n, "\0\1\0\1", 4);
	return n + 4;
}

#define FRAME_MAX 2048

/* One frame of a test burst. */
struct tframe {
	uint8_t data[FRAME_MAX];
	size_t len;
};

/* An IPv4 (or IPv6) frame src -> dst with the L4 protocol, ports and payload. */
static void build(struct tframe *t, int family, uint8_t l4, uint16_t sport, uint16_t dport,
		  uint8_t tcp_flags, const uint8_t *payload, size_t plen)
{
	struct pb_layout lay;
	struct pb_spec s;
	int n;

	memset(&s, 0, sizeof(s));
	if (family == AF_INET)
		pb_spec_ip4(&s, "198.18.0.2", "198.18.1.2", l4);
	else
		pb_spec_ip6(&s, "2001:db8::2", "2001:db8:1::2", l4);
	s.sport = sport;
	s.dport = dport;
	s.tcp_flags = tcp_flags;
	s.payload_len = (uint16_t)plen;
	n = pb_build(&s, t->data, sizeof(t->data), &lay);
	assert_true(n > 0);
	t->len = (size_t)n;
	if (plen) {
		assert_int_equal(lay.h[lay.n - 1].kind, PB_H_PAYLOAD);
		memcpy(t->data + lay.h[lay.n - 1].off, payload, plen);
	}
}

/* [inspect, forward] as an inline pair runs it, the stage with the fake writer. */
static void pipeline(struct sl_pipeline *pl, const struct sl_config *cfg, struct writes *w)
{
	memset(pl, 0, sizeof(*pl));
	assert_int_equal(sl_inspect_stage_new(&cfg->inspect, fake_write, w, &pl->state[0]), 0);
	pl->ops[0] = &sl_stage_inspect;
	pl->ops[1] = &sl_stage_forward;
	pl->n = 2;
}

static void one_buf_pkts(struct tframe *t, struct sl_buf *b, struct sl_stage_pkt *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		b[i] = (struct sl_buf){ .data = t[i].data, .len = (uint32_t)t[i].len };
		p[i] = (struct sl_stage_pkt){ .bufs = &b[i], .nbufs = 1, .len = b[i].len };
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(sl_stage_find("inspect"), &sl_stage_inspect);
	assert_string_equal(sl_stage_inspect.own_names[SL_INSPECT_SC_ALLOW], "allow");
	assert_string_equal(sl_stage_inspect.own_names[SL_INSPECT_SC_DENY], "deny");
	assert_string_equal(sl_stage_inspect.own_names[SL_INSPECT_SC_CACHED], "cached");
	assert_string_equal(sl_stage_inspect.own_names[SL_INSPECT_SC_CACHE_FAILED], "cache_failed");
	assert_null(sl_stage_inspect.own_names[SL_INSPECT_SC_COUNT]);
}

/* DNS: allowed and denied names, a malformed query, other ports and protocols. */
static void test_dns(void **state)
{
	static struct tframe t[7];
	struct sl_config *cfg = load(config);
	struct sl_stage_pkt p[7];
	struct sl_buf b[7];
	struct writes w = { 0 };
	struct sl_pipeline pl;
	uint8_t q[300];
	size_t n;

	(void)state;
	pipeline(&pl, cfg, &w);
	n = dns_query(q, "ok.bad.example");
	build(&t[0], AF_INET, IPPROTO_UDP, 40000, 53, 0, q, n);  /* the exact allow */
	n = dns_query(q, "x.bad.example");
	build(&t[1], AF_INET, IPPROTO_UDP, 40000, 53, 0, q, n);  /* the wildcard deny */
	build(&t[2], AF_INET6, IPPROTO_UDP, 40001, 53, 0, q, n); /* the same over IPv6 */
	n = dns_query(q, "www.example.net");
	build(&t[3], AF_INET, IPPROTO_UDP, 40000, 53, 0, q, n);  /* no entry: default allow */
	q[2] |= 0x80;                                            /* a response: malformed */
	build(&t[4], AF_INET, IPPROTO_UDP, 40000, 53, 0, q, n);
	n = dns_query(q, "x.bad.example");
	build(&t[5], AF_INET, IPPROTO_UDP, 40000, 5353, 0, q, n); /* not a DNS port */
	memcpy(t[6].data, t[1].data, t[1].len);
	t[6].data[12] = 0x08;
	t[6].data[13] = 0x06; /* ARP: no ports */
	t[6].len = t[1].len;
	one_buf_pkts(t, b, p, 7);

	sl_pipeline_run(&pl, p, 7);
	assert_int_equal(p[0].verdict, SL_SV_FWD);
	assert_int_equal(p[1].verdict, SL_SV_DROP);
	assert_int_equal(p[2].verdict, SL_SV_DROP);
	assert_int_equal(p[3].verdict, SL_SV_FWD);
	assert_int_equal(p[4].verdict, SL_SV_DROP);
	assert_int_equal(p[5].verdict, SL_SV_FWD);
	assert_int_equal(p[6].verdict, SL_SV_FWD);
	/* The frames are untouched: the stage only reads. */
	assert_int_equal(b[0].len, t[0].len);
	assert_int_equal(p[5].bufs[0].data[14 + 20 + 3], 5353 & 0xff);

	assert_int_equal(pl.counters[0].seen, 7);
	assert_int_equal(pl.counters[0].drop, 3);
	assert_int_equal(pl.counters[0].tx, 0);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_ALLOW], 2);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_DENY], 3);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_CACHED], 0);
	assert_int_equal(pl.counters[1].seen, 4);
	assert_int_equal(pl.counters[1].tx, 4);
	/* DNS verdicts are per query: nothing goes to the flow cache. */
	assert_int_equal(w.n, 0);

	/* Decided packets are not looked at again: a second run counts nothing new. */
	sl_pipeline_run(&pl, p, 7);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_DENY], 3);
	sl_pipeline_close(&pl);
	sl_config_free(cfg);
}

/* TLS: the handshake's empty segments, an allowed and a denied ClientHello, both cached. */
static void test_tls(void **state)
{
	static struct tframe t[5];
	static uint8_t hello[4096], bad[4096];
	struct sl_config *cfg = load(config);
	struct sl_stage_pkt p[5];
	struct sl_buf b[5];
	struct writes w = { 0 };
	struct sl_pipeline pl;
	uint64_t before, after;
	uint8_t *www;
	size_t n;

	(void)state;
	pipeline(&pl, cfg, &w);
	n = read_data("tls13_sni_www_example_com.bin", hello, sizeof(hello));
	/* The same ClientHello for bad.example.com: same length, the wildcard denies it. */
	memcpy(bad, hello, n);
	www = memmem(bad, n, "www.example.com", 15);
	assert_non_null(www);
	memcpy(www, "bad", 3);

	build(&t[0], AF_INET, IPPROTO_TCP, 50000, 443, 0x02, NULL, 0);    /* SYN */
	build(&t[1], AF_INET, IPPROTO_TCP, 50000, 443, 0x10, NULL, 0);    /* ACK */
	build(&t[2], AF_INET, IPPROTO_TCP, 50000, 443, 0x18, hello, n);   /* allowed */
	build(&t[3], AF_INET6, IPPROTO_TCP, 50001, 8443, 0x18, bad, n);   /* denied */
	build(&t[4], AF_INET, IPPROTO_TCP, 50002, 4433, 0x18, bad, n);    /* not a TLS port */
	one_buf_pkts(t, b, p, 5);

	before = mono_ns();
	sl_pipeline_run(&pl, p, 5);
	after = mono_ns();
	assert_int_equal(p[0].verdict, SL_SV_FWD);
	assert_int_equal(p[1].verdict, SL_SV_FWD);
	assert_int_equal(p[2].verdict, SL_SV_FWD);
	assert_int_equal(p[3].verdict, SL_SV_DROP);
	assert_int_equal(p[4].verdict, SL_SV_FWD);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_ALLOW], 1);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_DENY], 1);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_CACHED], 2);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_CACHE_FAILED], 0);

	/* Keyed by the judged packet (client to server), expiring a TTL from now. */
	assert_int_equal(w.n, 2);
	assert_int_equal(w.key[0].family, 4);
	assert_int_equal(w.key[0].proto, IPPROTO_TCP);
	assert_int_equal(w.key[0].sport, 50000);
	assert_int_equal(w.key[0].dport, 443);
	assert_memory_equal(w.key[0].src, ((uint8_t[]){ 198, 18, 0, 2, 0, 0, 0, 0 }), 8);
	assert_memory_equal(w.key[0].dst, ((uint8_t[]){ 198, 18, 1, 2, 0, 0, 0, 0 }), 8);
	assert_int_equal(w.v[0].verdict, SL_FLOW_PASS);
	assert_int_equal(w.v[0].source, SL_INSPECT_KIND_TLS);
	assert_int_equal(w.v[0].ttl_s, 60);
	assert_true(w.v[0].expires_ns >= before + 60ull * 1000000000ull);
	assert_true(w.v[0].expires_ns <= after + 60ull * 1000000000ull);
	assert_int_equal(w.key[1].family, 6);
	assert_int_equal(w.key[1].sport, 50001);
	assert_int_equal(w.key[1].dport, 8443);
	assert_int_equal(w.key[1].src[0], 0x20);
	assert_int_equal(w.key[1].src[15], 2);
	assert_int_equal(w.v[1].verdict, SL_FLOW_DROP);

	/* A map that refuses the write: counted, the packet's verdict stands. */
	w.fail = -ENOMEM;
	one_buf_pkts(t, b, p, 5);
	sl_pipeline_run(&pl, p, 5);
	assert_int_equal(p[2].verdict, SL_SV_FWD);
	assert_int_equal(p[3].verdict, SL_SV_DROP);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_CACHED], 2);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_CACHE_FAILED], 2);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_DENY], 2);
	sl_pipeline_close(&pl);
	sl_config_free(cfg);
}

/* A packet in two buffers (multi-buffer): the ClientHello is read across them. */
static void test_multi_buffer(void **state)
{
	static struct tframe t;
	static uint8_t hello[4096], bad[4096];
	struct sl_config *cfg = load(config);
	struct sl_stage_pkt p;
	struct sl_buf b[3];
	struct writes w = { 0 };
	struct sl_pipeline pl;
	uint8_t *www;
	size_t n;

	(void)state;
	pipeline(&pl, cfg, &w);
	n = read_data("tls13_sni_www_example_com.bin", hello, sizeof(hello));
	memcpy(bad, hello, n);
	www = memmem(bad, n, "www.example.com", 15);
	assert_non_null(www);
	memcpy(www, "bad", 3);
	build(&t, AF_INET, IPPROTO_TCP, 50000, 443, 0x18, bad, n);
	/* Headers and the start of the ClientHello, then the name split across two more. */
	b[0] = (struct sl_buf){ .data = t.data, .len = 14 + 20 + 20 + 60, .flags = SL_BUF_CONTD };
	b[1] = (struct sl_buf){ .data = t.data + b[0].len, .len = (uint32_t)(www - bad) - 60 + 1,
				.flags = SL_BUF_CONTD };
	b[2] = (struct sl_buf){ .data = t.data + b[0].len + b[1].len,
				.len = (uint32_t)(t.len - b[0].len - b[1].len) };
	p = (struct sl_stage_pkt){ .bufs = b, .nbufs = 3, .len = (uint32_t)t.len };
	sl_pipeline_run(&pl, &p, 1);
	assert_int_equal(p.verdict, SL_SV_DROP);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_DENY], 1);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.v[0].verdict, SL_FLOW_DROP);
	sl_pipeline_close(&pl);
	sl_config_free(cfg);
}

/* Refusals: no config, no inspect section (at load and at open), TLS without a writer or pin. */
static void test_refusals(void **state)
{
	const char names[1][16] = { "inspect" };
	struct sl_stage_env env = { .ifname = "slin0" };
	struct sl_config *cfg;
	struct sl_pipeline pl;
	struct sl_diag diag;
	static const char no_section[] = "version: 1\ninterfaces: [{name: slin0}]\n"
					 "dataplane: {interfaces: [{name: slin0, stages: [inspect]}]}\n";
	char dir[] = "/tmp/slinsp-XXXXXX";
	void *st;

	(void)state;
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), -EINVAL);

	cfg = load("version: 1\n");
	env.cfg = cfg;
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), -EINVAL);
	assert_int_equal(sl_inspect_stage_new(&cfg->inspect, fake_write, NULL, &st), -EINVAL);
	assert_null(st);
	sl_config_free(cfg);

	/* The loader says so first, wherever the sections are. */
	assert_int_not_equal(sl_config_load_buffer(no_section, strlen(no_section), "t.yaml", NULL,
						   &cfg, &diag), 0);
	assert_non_null(strstr(diag.msg, "no 'inspect' section"));
	cfg = load("version: 1\ninterfaces: [{name: slin0}]\n"
		   "dataplane: {interfaces: [{name: slin0, stages: [inspect]}]}\n"
		   "inspect: {dns: {deny: [a.example]}}\n");
	assert_string_equal(cfg->dataplane.ifaces[0].stages[0], "inspect");

	/* DNS only: nothing is cached, so no map is needed. */
	env.cfg = cfg;
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), 0);
	assert_int_equal(pl.n, 1);
	sl_pipeline_close(&pl);
	sl_config_free(cfg);

	/* TLS needs the flow cache: none without a writer, none without the pin. */
	cfg = load(config);
	assert_int_equal(sl_inspect_stage_new(&cfg->inspect, NULL, NULL, &st), -EINVAL);
	assert_non_null(mkdtemp(dir));
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", dir);
	env.cfg = cfg;
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), -ENOENT);
	assert_int_equal(pl.n, 0);
	rmdir(dir);
	sl_config_free(cfg);
}

/*
 * The stage's own open and writer on a real LRU hash pinned in bpffs,
 * where the kernel lets the test create one (root or CAP_BPF, bpffs
 * mounted); skipped, with a note, where it does not.
 */
static void test_real_map(void **state)
{
	const char names[1][16] = { "inspect" };
	struct sl_stage_env env = { .ifname = "slin0", .queue = 3 };
	static struct tframe t;
	static uint8_t hello[4096];
	struct sl_flow_verdict v;
	struct sl_config *cfg;
	struct sl_stage_pkt p;
	struct sl_pipeline pl;
	struct sl_buf b;
	char dir[64], path[128], wrong[128];
	int fd, bad_fd, err;
	size_t n;

	(void)state;
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "sl_flowcache", sizeof(struct sl_flow_key),
			    sizeof(struct sl_flow_verdict), 64, NULL);
	if (fd < 0) {
		fprintf(stderr, "note: cannot create a BPF map (%s): real-map part skipped\n",
			strerror(errno));
		return;
	}
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/slinsp-unit-%d", (int)getpid());
	if (mkdir(dir, 0700)) {
		fprintf(stderr, "note: no bpffs at /sys/fs/bpf (%s): real-map part skipped\n",
			strerror(errno));
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "%s/sl_flowcache", dir);
	err = bpf_obj_pin(fd, path);
	if (err) {
		fprintf(stderr, "note: cannot pin (%s): real-map part skipped\n", strerror(errno));
		close(fd);
		rmdir(dir);
		return;
	}

	cfg = load(config);
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", dir);
	env.cfg = cfg;
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), 0);
	n = read_data("tls13_sni_www_example_com.bin", hello, sizeof(hello));
	build(&t, AF_INET, IPPROTO_TCP, 50000, 443, 0x18, hello, n);
	b = (struct sl_buf){ .data = t.data, .len = (uint32_t)t.len };
	p = (struct sl_stage_pkt){ .bufs = &b, .nbufs = 1, .len = b.len };
	sl_pipeline_run(&pl, &p, 1);
	assert_int_equal(p.verdict, SL_SV_CONTINUE);
	assert_int_equal(pl.counters[0].own[SL_INSPECT_SC_CACHED], 1);
	sl_pipeline_close(&pl);

	/* The entry, as the program will look it up. */
	{
		struct sl_flow_key k = { .sport = 50000, .dport = 443, .proto = IPPROTO_TCP, .family = 4 };

		memcpy(k.src, (uint8_t[]){ 198, 18, 0, 2 }, 4);
		memcpy(k.dst, (uint8_t[]){ 198, 18, 1, 2 }, 4);
		assert_int_equal(bpf_map_lookup_elem(fd, &k, &v), 0);
		assert_int_equal(v.verdict, SL_FLOW_PASS);
		assert_int_equal(v.ttl_s, 60);
		assert_true(v.expires_ns > mono_ns() + 59ull * 1000000000ull);
	}

	/* A pin of another shape (another build's map) is refused, not written. */
	bad_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "sl_flowcache", 16, 16, 64, NULL);
	assert_true(bad_fd >= 0);
	unlink(path);
	snprintf(wrong, sizeof(wrong), "%s", path);
	assert_int_equal(bpf_obj_pin(bad_fd, wrong), 0);
	assert_int_equal(sl_pipeline_open(&pl, names, 1, &env), -EINVAL);
	unlink(path);
	rmdir(dir);
	close(bad_fd);
	close(fd);
	sl_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_multi_buffer),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_real_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
