/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The inspect stage's logic (dataplane/inspect.c) from a loaded config:
 * the verdict and its reason for DNS queries and TLS ClientHellos, which
 * verdicts go to the flow cache, the flow key and payload found in whole
 * frames (VLAN, IPv6 extension headers, Ethernet padding, fragments).
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
#include <sys/socket.h>

#include <cmocka.h>

#include "control/config.h"
#include "dataplane/dns.h"
#include "dataplane/inspect.h"
#include "dataplane/tls.h"
#include "pktbuild.h"

static const char config[] =
	"version: 1\n"
	"inspect:\n"
	"  verdict_ttl: 30\n"
	"  dns:\n"
	"    default: allow\n"
	"    malformed: deny\n"
	"    deny: ['*.bad.example', x.example.org]\n"
	"    allow: [ok.bad.example]\n"
	"  tls:\n"
	"    ports: [443, 8443]\n"
	"    default: allow\n"
	"    incomplete: deny\n"
	"    malformed: deny\n"
	"    deny: ['*.example.com']\n"
	"    allow: [www.example.com]\n";

static struct sl_config *g_cfg;
static struct sl_inspect *g_in;

static int setup(void **state)
{
	struct sl_diag diag;

	(void)state;
	if (sl_config_load_buffer(config, strlen(config), "t.yaml", NULL, &g_cfg, &diag)) {
		fprintf(stderr, "%s\n", diag.msg);
		return -1;
	}
	return sl_inspect_new(&g_cfg->inspect, &g_in);
}

static int teardown(void **state)
{
	(void)state;
	sl_inspect_free(g_in);
	sl_config_free(g_cfg);
	return 0;
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

/* A DNS query for name (dotted, no trailing dot) into buf; returns its length. */
static size_t dns_query(uint8_t *buf, const char *name)
{
	static const uint8_t hdr[12] = { 0xab, 0xcd, 0x01, 0x00, 0x00, 0x01 };
	size_t n = 12;
	const char *p = name;

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

static void expect(const uint8_t *p, size_t n, uint8_t proto, uint16_t port,
		   enum sl_inspect_verdict v, enum sl_inspect_why why, const char *name, bool cache)
{
	struct sl_inspect_result r;

	assert_int_equal(sl_inspect_packet(g_in, p, n, proto, port, &r), 0);
	assert_int_equal(r.verdict, v);
	assert_int_equal(r.why, why);
	assert_string_equal(r.name, name);
	assert_int_equal(r.cache, cache);
}

static void test_dns(void **state)
{
	uint8_t q[300];
	struct sl_inspect_result r;
	size_t n;

	(void)state;
	n = dns_query(q, "www.bad.example");
	expect(q, n, IPPROTO_UDP, 53, SL_INSPECT_DENY, SL_INSPECT_WHY_ENTRY, "www.bad.example", false);
	assert_int_equal(sl_inspect_packet(g_in, q, n, IPPROTO_UDP, 53, &r), 0);
	assert_int_equal(r.kind, SL_INSPECT_KIND_DNS);
	assert_int_equal(r.status, SL_DNS_OK);
	/* The index is the entry's place in the config's dns.rules. */
	assert_string_equal(g_cfg->inspect.dns.rules[r.rule].pattern, "*.bad.example");

	n = dns_query(q, "OK.Bad.Example");
	expect(q, n, IPPROTO_UDP, 53, SL_INSPECT_ALLOW, SL_INSPECT_WHY_ENTRY, "ok.bad.example", false);
	n = dns_query(q, "x.example.org");
	expect(q, n, IPPROTO_UDP, 53, SL_INSPECT_DENY, SL_INSPECT_WHY_ENTRY, "x.example.org", false);
	n = dns_query(q, "y.x.example.org");
	expect(q, n, IPPROTO_UDP, 53, SL_INSPECT_ALLOW, SL_INSPECT_WHY_DEFAULT, "y.x.example.org",
	       false);
	/* Malformed: the policy says deny. */
	q[2] |= 0x80;
	expect(q, n, IPPROTO_UDP, 53, SL_INSPECT_DENY, SL_INSPECT_WHY_MALFORMED, "", false);
	assert_int_equal(sl_inspect_packet(g_in, q, n, IPPROTO_UDP, 53, &r), 0);
	assert_int_equal(r.status, SL_DNS_E_RESPONSE);
	expect(q, 3, IPPROTO_UDP, 53, SL_INSPECT_DENY, SL_INSPECT_WHY_MALFORMED, "", false);
	/* Other ports and TCP port 53 are not the DNS policy's. */
	n = dns_query(q, "www.bad.example");
	expect(q, n, IPPROTO_UDP, 5353, SL_INSPECT_NOT_INSPECTED, SL_INSPECT_WHY_NONE, "", false);
	expect(q, n, IPPROTO_TCP, 53, SL_INSPECT_NOT_INSPECTED, SL_INSPECT_WHY_NONE, "", false);
	expect(q, n, IPPROTO_ICMP, 53, SL_INSPECT_NOT_INSPECTED, SL_INSPECT_WHY_NONE, "", false);
}

static void test_tls(void **state)
{
	static uint8_t buf[4096];
	struct sl_inspect_result r;
	size_t n;

	(void)state;
	n = read_data("tls13_sni_www_example_com.bin", buf, sizeof(buf));
	/* An exact allow beats the *.example.com deny; TLS verdicts are cached. */
	expect(buf, n, IPPROTO_TCP, 443, SL_INSPECT_ALLOW, SL_INSPECT_WHY_ENTRY, "www.example.com",
	       true);
	expect(buf, n, IPPROTO_TCP, 8443, SL_INSPECT_ALLOW, SL_INSPECT_WHY_ENTRY, "www.example.com",
	       true);
	assert_int_equal(sl_inspect_packet(g_in, buf, n, IPPROTO_TCP, 443, &r), 0);
	assert_int_equal(r.kind, SL_INSPECT_KIND_TLS);
	assert_int_equal(r.status, SL_TLS_OK);
	expect(buf, n, IPPROTO_TCP, 444, SL_INSPECT_NOT_INSPECTED, SL_INSPECT_WHY_NONE, "", false);
	expect(buf, n, IPPROTO_UDP, 443, SL_INSPECT_NOT_INSPECTED, SL_INSPECT_WHY_NONE, "", false);
	/* Cut before the name: the policy's incomplete (deny). */
	expect(buf, 100, IPPROTO_TCP, 443, SL_INSPECT_DENY, SL_INSPECT_WHY_INCOMPLETE, "", true);
	/* No payload yet: undecided, nothing cached. */
	expect(buf, 0, IPPROTO_TCP, 443, SL_INSPECT_UNDECIDED, SL_INSPECT_WHY_NONE, "", false);

	n = read_data("tls12_sni_mixed_case.bin", buf, sizeof(buf));
	expect(buf, n, IPPROTO_TCP, 443, SL_INSPECT_ALLOW, SL_INSPECT_WHY_DEFAULT, "mail.example.org",
	       true);
	n = read_data("tls13_no_sni.bin", buf, sizeof(buf));
	expect(buf, n, IPPROTO_TCP, 443, SL_INSPECT_ALLOW, SL_INSPECT_WHY_DEFAULT, "", true);
	expect((const uint8_t *)"GET / HTTP/1.1\r\n", 16, IPPROTO_TCP, 443, SL_INSPECT_DENY,
	       SL_INSPECT_WHY_MALFORMED, "", true);
	assert_int_equal(sl_inspect_packet(g_in, NULL, 1, IPPROTO_TCP, 443, &r), -EINVAL);
	assert_int_equal(sl_inspect_packet(NULL, buf, 1, IPPROTO_TCP, 443, &r), -EINVAL);
}

static void test_cache_entry(void **state)
{
	static uint8_t buf[4096];
	struct sl_inspect_result r;
	struct sl_flow_verdict v;
	size_t n;

	(void)state;
	n = read_data("tls13_sni_www_example_com.bin", buf, sizeof(buf));
	assert_int_equal(sl_inspect_packet(g_in, buf, n, IPPROTO_TCP, 443, &r), 0);
	sl_inspect_cache_entry(g_in, &r, 1000, &v);
	assert_int_equal(v.verdict, SL_FLOW_PASS);
	assert_int_equal(v.ttl_s, 30);
	assert_int_equal(v.expires_ns, 1000 + 30ull * 1000000000ull);
	assert_int_equal(v.source, SL_INSPECT_KIND_TLS);
	assert_int_equal(sl_inspect_packet(g_in, buf, 50, IPPROTO_TCP, 443, &r), 0);
	sl_inspect_cache_entry(g_in, &r, 0, &v);
	assert_int_equal(v.verdict, SL_FLOW_DROP);
	assert_string_equal(sl_inspect_verdict_str(SL_INSPECT_DENY), "deny");
	assert_string_equal(sl_inspect_why_str(SL_INSPECT_WHY_INCOMPLETE), "incomplete");
}

static void test_real_frames(void **state)
{
	static uint8_t buf[4096];
	struct sl_inspect_result r;
	struct sl_flow_key key;
	size_t n;

	(void)state;
	n = read_data("frame_tls_client_hello.bin", buf, sizeof(buf));
	assert_int_equal(sl_inspect_frame(g_in, buf, n, &key, &r), 0);
	/* Captured against port 4433, which this config does not inspect. */
	assert_int_equal(r.verdict, SL_INSPECT_NOT_INSPECTED);
	assert_int_equal(key.family, 4);
	assert_int_equal(key.proto, IPPROTO_TCP);
	assert_int_equal(key.dport, 4433);
	assert_memory_equal(key.src, ((uint8_t[]){ 127, 0, 0, 1, 0, 0, 0, 0 }), 8);
	assert_memory_equal(key.dst, ((uint8_t[]){ 127, 0, 0, 1 }), 4);
	assert_int_equal(key.pad[0] | key.pad[1], 0);
	/* The same frame to port 443. */
	buf[14 + 20 + 2] = 443 >> 8;
	buf[14 + 20 + 3] = 443 & 0xff;
	assert_int_equal(sl_inspect_frame(g_in, buf, n, &key, &r), 0);
	assert_int_equal(r.verdict, SL_INSPECT_ALLOW);
	assert_string_equal(r.name, "www.example.com");
	assert_true(r.cache);
	assert_int_equal(key.dport, 443);

	n = read_data("frame_dns_query.bin", buf, sizeof(buf));
	assert_int_equal(sl_inspect_frame(g_in, buf, n, &key, &r), 0);
	assert_int_equal(r.verdict, SL_INSPECT_ALLOW);
	assert_string_equal(r.name, "www.example.com");
	assert_int_equal(key.proto, IPPROTO_UDP);
	assert_int_equal(key.dport, 53);
	assert_false(r.cache);
}

/* Builds a frame with the spec and payload; returns its length and the payload offset. */
static size_t frame(struct pb_spec *s, const void *payload, size_t plen, uint8_t *buf, size_t cap,
		    size_t *poff)
{
	struct pb_layout lay;
	int n;

	s->payload_len = (uint16_t)plen;
	n = pb_build(s, buf, cap, &lay);
	assert_true(n > 0);
	*poff = (size_t)n;
	if (!plen)
		return (size_t)n; /* no payload header */
	*poff = lay.h[lay.n - 1].off;
	assert_int_equal(lay.h[lay.n - 1].kind, PB_H_PAYLOAD);
	memcpy(buf + *poff, payload, plen);
	return (size_t)n;
}

static void test_crafted_frames(void **state)
{
	uint8_t q[300], buf[2048];
	const uint8_t *pl;
	struct sl_inspect_result r;
	struct sl_flow_key key;
	struct pb_spec s;
	size_t qn, n, off, plen;

	(void)state;
	qn = dns_query(q, "a.bad.example");

	/* IPv6 behind two VLAN tags and two extension headers. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip6(&s, "2001:db8::1", "2001:db8::53", IPPROTO_UDP);
	s.sport = 40000;
	s.dport = 53;
	s.n_vlans = 2;
	s.vlans[0].tpid = 0x88a8;
	s.vlans[0].vid = 10;
	s.vlans[1].tpid = 0x8100;
	s.vlans[1].vid = 20;
	s.n_ext = 2;
	s.ext[0].type = 0;
	s.ext[1].type = 60;
	s.ext[1].hdrlen = 1;
	n = frame(&s, q, qn, buf, sizeof(buf), &off);
	assert_int_equal(sl_inspect_parse_frame(buf, n, &key, &pl, &plen), 0);
	assert_ptr_equal(pl, buf + off);
	assert_int_equal(plen, qn);
	assert_int_equal(key.family, 6);
	assert_int_equal(key.sport, 40000);
	assert_int_equal(key.proto, IPPROTO_UDP);
	assert_int_equal(key.dst[15], 0x53);
	assert_int_equal(sl_inspect_frame(g_in, buf, n, &key, &r), 0);
	assert_int_equal(r.verdict, SL_INSPECT_DENY);
	assert_string_equal(r.name, "a.bad.example");

	/* Every cut of that frame parses to -EINVAL or a shorter payload, never past the end. */
	for (size_t cut = 0; cut < n; cut++) {
		int err = sl_inspect_parse_frame(buf, cut, &key, &pl, &plen);

		assert_true(err == -EINVAL);
	}

	/* IPv4 with Ethernet padding after it: the padding is not payload. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.18.0.2", IPPROTO_TCP);
	s.sport = 50000;
	s.dport = 443;
	s.tcp_flags = 0x10;
	n = frame(&s, "", 0, buf, sizeof(buf), &off);
	memset(buf + n, 0x16, 20);
	assert_int_equal(sl_inspect_parse_frame(buf, n + 20, &key, &pl, &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(sl_inspect_frame(g_in, buf, n + 20, &key, &r), 0);
	assert_int_equal(r.verdict, SL_INSPECT_UNDECIDED);

	/* A non-first IPv4 fragment has no ports: not inspected. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.18.0.2", IPPROTO_UDP);
	s.frag_offset = 10;
	n = frame(&s, q, qn, buf, sizeof(buf), &off);
	assert_int_equal(sl_inspect_parse_frame(buf, n, &key, &pl, &plen), -ENOENT);
	assert_int_equal(sl_inspect_frame(g_in, buf, n, &key, &r), 0);
	assert_int_equal(r.verdict, SL_INSPECT_NOT_INSPECTED);

	/* An IPv6 fragment header: not inspected either. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip6(&s, "2001:db8::1", "2001:db8::53", IPPROTO_UDP);
	s.dport = 53;
	s.n_ext = 1;
	s.ext[0].type = 44;
	s.ext[0].frag_more = true;
	n = frame(&s, q, qn, buf, sizeof(buf), &off);
	assert_int_equal(sl_inspect_parse_frame(buf, n, &key, &pl, &plen), -ENOENT);

	/* Not IP, and ICMP: no ports. */
	memset(&s, 0, sizeof(s));
	s.eth_type = 0x0806;
	n = frame(&s, q, 28, buf, sizeof(buf), &off);
	assert_int_equal(sl_inspect_parse_frame(buf, n, &key, &pl, &plen), -ENOENT);
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.18.0.2", IPPROTO_ICMP);
	n = frame(&s, q, 8, buf, sizeof(buf), &off);
	assert_int_equal(sl_inspect_parse_frame(buf, n, &key, &pl, &plen), -ENOENT);

	/* Lengths that lie: IPv4 total length past the frame, UDP length past the IP payload. */
	memset(&s, 0, sizeof(s));
	pb_spec_ip4(&s, "198.18.0.1", "198.18.0.2", IPPROTO_UDP);
	s.dport = 53;
	n = frame(&s, q, qn, buf, sizeof(buf), &off);
	buf[14 + 2] = 0x05;
	assert_int_equal(sl_inspect_parse_frame(buf, n, &key, &pl, &plen), -EINVAL);
	n = frame(&s, q, qn, buf, sizeof(buf), &off);
	buf[14 + 20 + 4] = 0x05;
	assert_int_equal(sl_inspect_parse_frame(buf, n, &key, &pl, &plen), -EINVAL);
	buf[14 + 20 + 4] = 0;
	buf[14 + 20 + 5] = 7;
	assert_int_equal(sl_inspect_parse_frame(buf, n, &key, &pl, &plen), -EINVAL);
	assert_int_equal(sl_inspect_parse_frame(NULL, 0, &key, &pl, &plen), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_cache_entry),
		cmocka_unit_test(test_real_frames),
		cmocka_unit_test(test_crafted_frames),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
