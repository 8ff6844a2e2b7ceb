/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ClientHello SNI parser (dataplane/tls.c): real ClientHellos
 * captured from openssl s_client, crafted ones with and without SNI, split
 * into several records, cut at every byte, and with absurd lengths.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/tls.h"

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

/* A growing byte string. */
struct bytes {
	uint8_t b[70000];
	size_t n;
};

static void put(struct bytes *s, const void *p, size_t n)
{
	assert_true(s->n + n <= sizeof(s->b));
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void put8(struct bytes *s, unsigned int v)
{
	uint8_t b = (uint8_t)v;

	put(s, &b, 1);
}

static void put16(struct bytes *s, unsigned int v)
{
	put8(s, v >> 8);
	put8(s, v);
}

/* An extension of type with data. */
static void ext(struct bytes *e, unsigned int type, const void *data, size_t n)
{
	put16(e, type);
	put16(e, (unsigned int)n);
	put(e, data, n);
}

/* A server_name extension holding one host_name. */
static void ext_sni(struct bytes *e, const char *host)
{
	struct bytes d = { .n = 0 };
	size_t n = strlen(host);

	put16(&d, (unsigned int)(n + 3));
	put8(&d, 0);
	put16(&d, (unsigned int)n);
	put(&d, host, n);
	ext(e, 0, d.b, d.n);
}

/* A ClientHello body: version 3.3, random, 32-byte session id, two suites, null compression, exts. */
static void hello_body(struct bytes *body, const struct bytes *exts)
{
	static const uint8_t zero[32];

	put16(body, 0x0303);
	put(body, zero, 32);
	put8(body, 32);
	put(body, zero, 32);
	put16(body, 4);
	put16(body, 0x1301);
	put16(body, 0x1302);
	put8(body, 1);
	put8(body, 0);
	if (exts) {
		put16(body, (unsigned int)exts->n);
		put(body, exts->b, exts->n);
	}
}

/* Handshake header and body, cut into records of at most rec bytes. */
static void records(struct bytes *out, const struct bytes *body, size_t rec)
{
	static struct bytes hs;
	size_t off = 0;

	hs.n = 0;
	put8(&hs, 1);
	put8(&hs, (unsigned int)(body->n >> 16));
	put16(&hs, (unsigned int)(body->n & 0xffff));
	put(&hs, body->b, body->n);
	out->n = 0;
	while (off < hs.n) {
		size_t n = hs.n - off < rec ? hs.n - off : rec;

		put8(out, 22);
		put16(out, 0x0301);
		put16(out, (unsigned int)n);
		put(out, hs.b + off, n);
		off += n;
	}
}

static struct bytes g_exts, g_body, g_msg;

/* A ClientHello with a few extensions around server_name = host. */
static void build(const char *host, size_t rec)
{
	static const uint8_t groups[] = { 0, 4, 0, 0x1d, 0, 0x17 };
	static const uint8_t versions[] = { 4, 3, 4, 3, 3 };

	g_exts.n = g_body.n = 0;
	ext(&g_exts, 10, groups, sizeof(groups));   /* supported_groups */
	ext(&g_exts, 43, versions, sizeof(versions)); /* supported_versions */
	if (host)
		ext_sni(&g_exts, host);
	ext(&g_exts, 16, "\0\3\2h2", 5);             /* ALPN */
	hello_body(&g_body, &g_exts);
	records(&g_msg, &g_body, rec);
}

static void test_real_hellos(void **state)
{
	static uint8_t buf[4096];
	struct sl_tls_hello h;
	size_t n;

	(void)state;
	n = read_data("tls13_sni_www_example_com.bin", buf, sizeof(buf));
	assert_int_equal(sl_tls_parse_client_hello(buf, n, &h), SL_TLS_OK);
	assert_string_equal(h.name, "www.example.com");
	assert_int_equal(h.name_len, 15);
	assert_int_equal(h.version, 0x0303);

	n = read_data("tls13_no_sni.bin", buf, sizeof(buf));
	assert_int_equal(sl_tls_parse_client_hello(buf, n, &h), SL_TLS_NO_SNI);
	assert_string_equal(h.name, "");

	n = read_data("tls12_sni_mixed_case.bin", buf, sizeof(buf));
	assert_int_equal(sl_tls_parse_client_hello(buf, n, &h), SL_TLS_OK);
	assert_string_equal(h.name, "mail.example.org");

	n = read_data("tls13_sni_alpn_status.bin", buf, sizeof(buf));
	assert_int_equal(sl_tls_parse_client_hello(buf, n, &h), SL_TLS_OK);
	assert_string_equal(h.name, "www.example.com");
}

/*
 * Every prefix of a real ClientHello: NEED_MORE until the host name is
 * complete, the name from there on; never an error.
 */
static void test_cut_at_every_byte(void **state)
{
	static uint8_t buf[4096];
	struct sl_tls_hello h;
	size_t n, cut, first_ok = 0;

	(void)state;
	n = read_data("tls13_sni_www_example_com.bin", buf, sizeof(buf));
	for (cut = 0; cut <= n; cut++) {
		enum sl_tls_status st = sl_tls_parse_client_hello(buf, cut, &h);

		if (st == SL_TLS_OK) {
			if (!first_ok)
				first_ok = cut;
			assert_string_equal(h.name, "www.example.com");
		} else {
			assert_int_equal(first_ok, 0);
			assert_int_equal(st, SL_TLS_NEED_MORE);
			assert_string_equal(h.name, "");
		}
	}
	/* The name is found before the end: the extensions after it are not needed. */
	assert_true(first_ok > 0 && first_ok < n);
	assert_memory_equal(buf + first_ok - 15, "www.example.com", 15);

	/* Without SNI the whole ClientHello is needed to know there is none. */
	n = read_data("tls13_no_sni.bin", buf, sizeof(buf));
	for (cut = 0; cut < n; cut++)
		assert_int_equal(sl_tls_parse_client_hello(buf, cut, &h), SL_TLS_NEED_MORE);
	assert_int_equal(sl_tls_parse_client_hello(buf, n, &h), SL_TLS_NO_SNI);
}

static void test_crafted(void **state)
{
	struct sl_tls_hello h;

	(void)state;
	build("Api.Example.COM.", 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_OK);
	assert_string_equal(h.name, "api.example.com");

	build(NULL, 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_NO_SNI);

	/* No extensions at all (before TLS 1.2 they are optional). */
	g_body.n = 0;
	hello_body(&g_body, NULL);
	records(&g_msg, &g_body, 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_NO_SNI);

	/* The longest host name, 253 characters. */
	{
		char host[300];

		memset(host, 'a', 253);
		host[63] = host[127] = host[191] = '.';
		host[253] = '\0';
		build(host, 16384);
		assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_OK);
		assert_int_equal(h.name_len, 253);
		host[253] = 'a';
		host[254] = '\0';
		build(host, 16384);
		assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);
		/* A label of 64. */
		memset(host, 'b', 64);
		strcpy(host + 64, ".com");
		build(host, 16384);
		assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);
	}
	build("a..b", 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);
	build(".", 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);
	build("a b", 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);
	build("", 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);
}

/* A ClientHello in records of 1, 7 and 100 bytes reads like one in one record. */
static void test_split_records(void **state)
{
	static const size_t sizes[] = { 1, 7, 100 };
	struct sl_tls_hello h;
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		build("split.example.net", sizes[i]);
		assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_OK);
		assert_string_equal(h.name, "split.example.net");
		for (cut = 0; cut < g_msg.n; cut++) {
			enum sl_tls_status st = sl_tls_parse_client_hello(g_msg.b, cut, &h);

			assert_true(st == SL_TLS_NEED_MORE || st == SL_TLS_OK);
		}
	}
	/* A record of another type between the fragments ends the ClientHello. */
	build("split.example.net", 100);
	g_msg.b[105] = 21; /* the second record header: alert */
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_NOT_HANDSHAKE);
}

/* Sets the 16-bit field at off of the first record (after its 5-byte header). */
static void set16(size_t off, unsigned int v)
{
	g_msg.b[5 + off] = (uint8_t)(v >> 8);
	g_msg.b[5 + off + 1] = (uint8_t)v;
}

static void test_malformed(void **state)
{
	/* Offsets in the handshake message: type 0, length 1, version 4, random 6, sid 38. */
	const size_t sid = 4 + 2 + 32, suites = sid + 1 + 32, comp = suites + 2 + 4, exts = comp + 2;
	struct sl_tls_hello h;

	(void)state;
	assert_int_equal(sl_tls_parse_client_hello(NULL, 0, &h), SL_TLS_NEED_MORE);
	assert_int_equal(sl_tls_parse_client_hello((const uint8_t *)"G", 1, &h),
			 SL_TLS_E_NOT_HANDSHAKE);
	assert_int_equal(sl_tls_parse_client_hello((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &h),
			 SL_TLS_E_NOT_HANDSHAKE);
	assert_int_equal(sl_tls_parse_client_hello((const uint8_t *)"\x16\x02", 2, &h),
			 SL_TLS_E_VERSION);
	assert_int_equal(sl_tls_parse_client_hello((const uint8_t *)"\x16\x03\x01\x00\x00", 5, &h),
			 SL_TLS_E_RECORD_LEN);
	assert_int_equal(sl_tls_parse_client_hello((const uint8_t *)"\x16\x03\x01\x40\x01", 5, &h),
			 SL_TLS_E_RECORD_LEN);
	/* An SSLv2-style hello. */
	assert_int_equal(sl_tls_parse_client_hello((const uint8_t *)"\x80\x2e\x01\x03\x01", 5, &h),
			 SL_TLS_E_NOT_HANDSHAKE);

	build("x.example", 16384);
	g_msg.b[5] = 2; /* ServerHello */
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_NOT_CLIENT_HELLO);

	/* An absurd handshake length: 16 MiB. */
	build("x.example", 16384);
	g_msg.b[6] = g_msg.b[7] = g_msg.b[8] = 0xff;
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_HELLO_LEN);
	/* A handshake length too short for its fields. */
	build("x.example", 16384);
	g_msg.b[6] = 0;
	g_msg.b[7] = 0;
	g_msg.b[8] = 40;
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_HELLO_LEN);

	build("x.example", 16384);
	set16(4, 0x0203);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_VERSION);

	build("x.example", 16384);
	g_msg.b[5 + sid] = 33;
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SESSION_ID);

	build("x.example", 16384);
	set16(suites, 3);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_CIPHER_SUITES);
	set16(suites, 0);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_CIPHER_SUITES);
	set16(suites, 0xfffe);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_HELLO_LEN);

	build("x.example", 16384);
	g_msg.b[5 + comp] = 0;
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_COMPRESSION);

	/* The extensions block must fill the ClientHello exactly. */
	build("x.example", 16384);
	set16(exts, (unsigned int)g_exts.n + 1);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_EXTENSIONS);
	set16(exts, (unsigned int)g_exts.n - 1);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_EXTENSIONS);
	/* The first extension claims more than the block. */
	build("x.example", 16384);
	set16(exts + 2 + 2, 0xffff);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_EXTENSIONS);
}

static void test_bad_server_name(void **state)
{
	struct sl_tls_hello h;
	struct bytes d = { .n = 0 };

	(void)state;
	/* The list length does not fill the extension. */
	g_exts.n = g_body.n = 0;
	put16(&d, 20);
	put8(&d, 0);
	put16(&d, 3);
	put(&d, "a.b", 3);
	ext(&g_exts, 0, d.b, d.n);
	hello_body(&g_body, &g_exts);
	records(&g_msg, &g_body, 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);

	/* The name claims more than the list. */
	d.n = g_exts.n = g_body.n = 0;
	put16(&d, 6);
	put8(&d, 0);
	put16(&d, 9);
	put(&d, "a.b", 3);
	ext(&g_exts, 0, d.b, d.n);
	hello_body(&g_body, &g_exts);
	records(&g_msg, &g_body, 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);

	/* An unknown name type is skipped; the host_name after it is the name. */
	d.n = g_exts.n = g_body.n = 0;
	put16(&d, 4 + 3 + 6);
	put8(&d, 7);
	put16(&d, 1);
	put8(&d, 'x');
	put8(&d, 0);
	put16(&d, 3);
	put(&d, "a.b", 3);
	put(&d, "zzz", 3); /* makes the list longer than its entries: still an entry header short */
	ext(&g_exts, 0, d.b, d.n);
	hello_body(&g_body, &g_exts);
	records(&g_msg, &g_body, 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_OK);
	assert_string_equal(h.name, "a.b");

	/* Only unknown name types: no SNI. */
	d.n = g_exts.n = g_body.n = 0;
	put16(&d, 4);
	put8(&d, 7);
	put16(&d, 1);
	put8(&d, 'x');
	ext(&g_exts, 0, d.b, d.n);
	hello_body(&g_body, &g_exts);
	records(&g_msg, &g_body, 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_NO_SNI);

	/* An empty server_name extension (as a server sends it) in a ClientHello. */
	g_exts.n = g_body.n = 0;
	ext(&g_exts, 0, "", 0);
	hello_body(&g_body, &g_exts);
	records(&g_msg, &g_body, 16384);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_E_SNI);
	assert_string_equal(sl_tls_status_str(SL_TLS_E_SNI), "malformed server_name");
	assert_string_equal(sl_tls_status_str(SL_TLS_STATUS_COUNT), "unknown");
}

/* Many extensions before server_name, the ClientHello spread over records of 512 bytes. */
static void test_many_extensions(void **state)
{
	static uint8_t pad[1000];
	struct sl_tls_hello h;
	unsigned int i;

	(void)state;
	g_exts.n = g_body.n = 0;
	for (i = 0; i < 40; i++)
		ext(&g_exts, 0x4000 + i, pad, i * 20);
	ext_sni(&g_exts, "deep.example.com");
	ext(&g_exts, 21, pad, 300); /* padding */
	hello_body(&g_body, &g_exts);
	records(&g_msg, &g_body, 512);
	assert_true(g_msg.n > 16000);
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, g_msg.n, &h), SL_TLS_OK);
	assert_string_equal(h.name, "deep.example.com");
	/* The first TCP segment of such a ClientHello: the name is in a later one. */
	assert_int_equal(sl_tls_parse_client_hello(g_msg.b, 1448, &h), SL_TLS_NEED_MORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_hellos),
		cmocka_unit_test(test_cut_at_every_byte),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_split_records),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_server_name),
		cmocka_unit_test(test_many_extensions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
