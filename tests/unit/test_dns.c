/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DNS query parser (dataplane/dns.c): real queries captured from dig,
 * crafted ones at every limit, and every truncation of a valid query.
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

#include "dataplane/dns.h"

/* Reads tests/data/inspect/NAME into buf; returns its length. */
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

/* A query header (id 0x1234, RD, QDCOUNT 1) followed by wire, then QTYPE A, QCLASS IN. */
static size_t mkquery(uint8_t *buf, const uint8_t *wire, size_t wlen)
{
	static const uint8_t hdr[12] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01 };
	static const uint8_t tail[4] = { 0x00, 0x01, 0x00, 0x01 };

	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + 12, wire, wlen);
	memcpy(buf + 12 + wlen, tail, sizeof(tail));
	return 12 + wlen + 4;
}

/* Wire form of a dotted name made of labels of the given lengths, filled with 'a'..'z'. */
static size_t mkname(uint8_t *wire, const size_t *labels, size_t n, char *text)
{
	size_t i, j, w = 0, t = 0;

	for (i = 0; i < n; i++) {
		wire[w++] = (uint8_t)labels[i];
		if (i)
			text[t++] = '.';
		for (j = 0; j < labels[i]; j++) {
			wire[w++] = (uint8_t)('a' + (i + j) % 26);
			text[t++] = (char)('a' + (i + j) % 26);
		}
	}
	wire[w++] = 0;
	text[t] = '\0';
	return w;
}

static void test_real_queries(void **state)
{
	uint8_t buf[512];
	struct sl_dns_query q;
	size_t n;

	(void)state;
	n = read_data("dns_www_example_com.bin", buf, sizeof(buf));
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
	assert_string_equal(q.name, "www.example.com");
	assert_int_equal(q.name_len, 15);
	assert_int_equal(q.qtype, 1);
	assert_int_equal(q.qclass, 1);
	assert_int_equal(q.id, (buf[0] << 8) | buf[1]);

	n = read_data("dns_upper_case.bin", buf, sizeof(buf));
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
	assert_string_equal(q.name, "www.example.com");

	n = read_data("dns_root.bin", buf, sizeof(buf));
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
	assert_string_equal(q.name, "");
	assert_int_equal(q.name_len, 0);

	n = read_data("dns_aaaa_example_net.bin", buf, sizeof(buf));
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
	assert_string_equal(q.name, "www.example.net");
	assert_int_equal(q.qtype, 28);
}

/* Every prefix of a valid query shorter than its question fails, and says why. */
static void test_truncated_at_every_byte(void **state)
{
	uint8_t buf[512];
	struct sl_dns_query q;
	size_t n, cut, need;

	(void)state;
	n = read_data("dns_www_example_com.bin", buf, sizeof(buf));
	need = 12 + 17 + 4; /* header, \3www\7example\3com\0, QTYPE, QCLASS */
	for (cut = 0; cut < n; cut++) {
		enum sl_dns_status st = sl_dns_parse_query(buf, cut, &q);

		if (cut < 12)
			assert_int_equal(st, SL_DNS_E_SHORT_HEADER);
		else if (cut < need)
			assert_int_equal(st, SL_DNS_E_TRUNCATED);
		else
			assert_int_equal(st, SL_DNS_OK);
		if (st != SL_DNS_OK)
			assert_string_equal(q.name, "");
	}
	assert_int_equal(sl_dns_parse_query(NULL, 0, &q), SL_DNS_E_SHORT_HEADER);
}

static void test_header(void **state)
{
	uint8_t buf[64];
	struct sl_dns_query q;
	size_t n;

	(void)state;
	n = mkquery(buf, (const uint8_t *)"\1a\0", 3);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
	assert_string_equal(q.name, "a");
	assert_int_equal(q.id, 0x1234);

	buf[2] = 0x81; /* QR: a response */
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_RESPONSE);
	buf[2] = 0x28; /* opcode 5, UPDATE */
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_OPCODE);
	buf[2] = 0x01;
	buf[5] = 0; /* QDCOUNT 0 */
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_NO_QUESTION);
	buf[4] = 0x01; /* QDCOUNT 256: only the first question is read */
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
}

static void test_limits(void **state)
{
	static const size_t l63[] = { 63 };
	static const size_t l253[] = { 63, 63, 63, 61 }; /* 250 + 3 dots */
	static const size_t l254[] = { 63, 63, 63, 62 };
	uint8_t wire[300], buf[400];
	char text[300];
	struct sl_dns_query q;
	size_t w, n;

	(void)state;
	w = mkname(wire, l63, 1, text);
	n = mkquery(buf, wire, w);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
	assert_string_equal(q.name, text);

	w = mkname(wire, l253, 4, text);
	n = mkquery(buf, wire, w);
	assert_int_equal(strlen(text), 253);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
	assert_string_equal(q.name, text);
	assert_int_equal(q.name_len, 253);

	w = mkname(wire, l254, 4, text);
	n = mkquery(buf, wire, w);
	assert_int_equal(strlen(text), 254);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_NAME_TOO_LONG);
	assert_string_equal(q.name, "");

	/* 64 is 0x40: the extended label type of RFC 6891, refused. */
	n = mkquery(buf, (const uint8_t *)"\x40" "a\0", 3);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_LABEL_TYPE);
	n = mkquery(buf, (const uint8_t *)"\x80" "a\0", 3);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_LABEL_TYPE);
	/* A label that claims more bytes than the payload has. */
	n = mkquery(buf, (const uint8_t *)"\x3f" "abc", 4);
	assert_int_equal(sl_dns_parse_query(buf, n - 4, &q), SL_DNS_E_TRUNCATED);
}

static void test_pointers(void **state)
{
	uint8_t buf[64];
	struct sl_dns_query q;
	size_t n;

	(void)state;
	/* Pointer to itself (offset 12): a loop if followed. */
	n = mkquery(buf, (const uint8_t *)"\xc0\x0c", 2);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_POINTER);
	/* A label, then a pointer back to the start of the name: a.a.a... */
	n = mkquery(buf, (const uint8_t *)"\1a\xc0\x0c", 4);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_POINTER);
	/* Into the header, and forward. */
	n = mkquery(buf, (const uint8_t *)"\1a\xc0\x02", 4);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_POINTER);
	n = mkquery(buf, (const uint8_t *)"\xc0\x20\1a\0", 5);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_POINTER);
	/* The largest offset a pointer can hold. */
	n = mkquery(buf, (const uint8_t *)"\xff\xff", 2);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_POINTER);
	/* A pointer byte as the last byte of the payload. */
	n = mkquery(buf, (const uint8_t *)"\1a\xc0", 3);
	assert_int_equal(sl_dns_parse_query(buf, 15, &q), SL_DNS_E_BAD_POINTER);
	(void)n;
}

static void test_characters(void **state)
{
	uint8_t buf[64];
	struct sl_dns_query q;
	size_t n;

	(void)state;
	/* One label "a.b" must not read as the two labels a and b. */
	n = mkquery(buf, (const uint8_t *)"\3a.b\0", 5);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_CHAR);
	n = mkquery(buf, (const uint8_t *)"\3a\0b\0", 5);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_CHAR);
	n = mkquery(buf, (const uint8_t *)"\3a b\0", 5);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_CHAR);
	n = mkquery(buf, (const uint8_t *)"\3a\xc3\xa9\0", 5);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_E_BAD_CHAR);
	/* Underscores, digits, '*' are names a resolver may be asked for. */
	n = mkquery(buf, (const uint8_t *)"\4_SIP\1*\0", 8);
	assert_int_equal(sl_dns_parse_query(buf, n, &q), SL_DNS_OK);
	assert_string_equal(q.name, "_sip.*");
	assert_string_equal(sl_dns_status_str(SL_DNS_E_BAD_CHAR), "label character refused");
	assert_string_equal(sl_dns_status_str(SL_DNS_STATUS_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_queries),
		cmocka_unit_test(test_truncated_at_every_byte),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
