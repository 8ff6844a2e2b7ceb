/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sl_prefix_parse, sl_prefix_parse_msg, sl_prefix_format, sl_set_add. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "control/prefix.h"

static int parse(const char *s, struct sl_prefix *p, const char **why)
{
	return sl_prefix_parse(s, strlen(s), p, why);
}

/* Parses s, which must be valid, and checks it formats back as want. */
static void expect_ok(const char *s, int family, unsigned int len, const char *want)
{
	struct sl_prefix p;
	const char *why = NULL;
	char buf[64];

	assert_int_equal(parse(s, &p, &why), 0);
	assert_int_equal(p.family, family);
	assert_int_equal(p.len, len);
	assert_string_equal(sl_prefix_format(&p, buf, sizeof(buf)), want);
}

static void expect_bad(const char *s, const char *want_why)
{
	struct sl_prefix p;
	const char *why = NULL;

	assert_int_equal(parse(s, &p, &why), -EINVAL);
	assert_non_null(why);
	assert_string_equal(why, want_why);
}

static void test_ipv4(void **state)
{
	struct sl_prefix p;
	const uint8_t want[4] = {198, 18, 0, 0};

	(void)state;
	expect_ok("0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	expect_ok("198.18.0.0/15", AF_INET, 15, "198.18.0.0/15");
	expect_ok("198.18.0.1/32", AF_INET, 32, "198.18.0.1/32");
	expect_ok("198.18.0.1", AF_INET, 32, "198.18.0.1/32");
	expect_ok("255.255.255.255", AF_INET, 32, "255.255.255.255/32");
	expect_ok("198.18.0.0/024", AF_INET, 24, "198.18.0.0/24");
	assert_int_equal(parse("198.18.0.0/16", &p, NULL), 0);
	assert_memory_equal(p.addr, want, 4);
}

static void test_ipv6(void **state)
{
	struct sl_prefix p;
	uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8};

	(void)state;
	expect_ok("::/0", AF_INET6, 0, "::/0");
	expect_ok("::", AF_INET6, 128, "::/128");
	expect_ok("2001:db8::1", AF_INET6, 128, "2001:db8::1/128");
	expect_ok("2001:db8::1/128", AF_INET6, 128, "2001:db8::1/128");
	expect_ok("2001:DB8:BAD::/48", AF_INET6, 48, "2001:db8:bad::/48");
	expect_ok("::ffff:198.18.0.1", AF_INET6, 128, "::ffff:198.18.0.1/128");
	expect_ok("2001:db8:8000::/33", AF_INET6, 33, "2001:db8:8000::/33");
	assert_int_equal(parse("2001:db8::/32", &p, NULL), 0);
	assert_memory_equal(p.addr, want, 16);
}

static void test_bad_lengths(void **state)
{
	(void)state;
	expect_bad("198.18.0.0/33", "prefix length out of range for IPv4 (0-32)");
	expect_bad("2001:db8::/129", "prefix length out of range for IPv6 (0-128)");
	expect_bad("198.18.0.0/", "no prefix length after '/'");
	expect_bad("198.18.0.0/-1", "prefix length is not a decimal number");
	expect_bad("198.18.0.0/+8", "prefix length is not a decimal number");
	expect_bad("198.18.0.0/1234", "prefix length is not a decimal number");
	expect_bad("198.18.0.0/2x", "prefix length is not a decimal number");
	expect_bad("198.18.0.0/24/24", "prefix length is not a decimal number");
	expect_bad("2001:db8::/ 32", "prefix length is not a decimal number");
}

static void test_host_bits(void **state)
{
	struct sl_prefix p;
	char why[128];

	(void)state;
	expect_bad("198.18.0.1/24", "host bits are set");
	expect_bad("198.19.0.0/15", "host bits are set");
	expect_bad("2001:db8::1/64", "host bits are set");
	expect_bad("0.0.0.1/0", "host bits are set");
	assert_int_equal(sl_prefix_parse_msg("198.18.7.9/16", 13, &p, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "host bits are set; the network is 198.18.0.0/16");
	assert_int_equal(sl_prefix_parse_msg("2001:db8:1:2::5/47", 18, &p, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "host bits are set; the network is 2001:db8::/47");
	/* The last bit of an odd length is a network bit. */
	expect_ok("198.18.0.128/25", AF_INET, 25, "198.18.0.128/25");
	expect_bad("198.18.0.64/25", "host bits are set");
}

static void test_junk(void **state)
{
	struct sl_prefix p;
	const char *why;
	char why_buf[8];

	(void)state;
	expect_bad("", "empty");
	expect_bad("1.2.3", "not an IPv4 address");
	expect_bad("1.2.3.4.5", "not an IPv4 address");
	expect_bad("256.1.1.1", "not an IPv4 address");
	expect_bad("1.2.3.4x", "not an IPv4 address");
	expect_bad(" 1.2.3.4", "not an IPv4 address");
	expect_bad("1.2.3.4 ", "not an IPv4 address");
	expect_bad("0x1.2.3.4", "not an IPv4 address");
	expect_bad("bogons", "not an IPv4 address");
	expect_bad("2001:db8::g", "not an IPv6 address");
	expect_bad("2001:db8:::1", "not an IPv6 address");
	expect_bad("2001:db8::1 /64", "not an IPv6 address");
	expect_bad("/24", "not an IPv4 address");
	expect_bad("0123456789012345678901234567890123456789012345678901234567890123456789",
		   "too long");
	assert_int_equal(sl_prefix_parse("1.2.3.4\0/8", 10, &p, &why), -EINVAL);
	assert_string_equal(why, "contains a NUL byte");
	/* A short why buffer is truncated, never overrun. */
	assert_int_equal(sl_prefix_parse_msg("x", 1, &p, why_buf, sizeof(why_buf)), -EINVAL);
	assert_string_equal(why_buf, "not an ");
}

static void test_bounded_input(void **state)
{
	const char text[] = "198.18.0.0/16junk";
	struct sl_prefix p;
	const char *why;

	(void)state;
	/* Only len bytes are read: no NUL terminator is needed. */
	assert_int_equal(sl_prefix_parse(text, 13, &p, NULL), 0);
	assert_int_equal(p.len, 16);
	assert_int_equal(sl_prefix_parse(text, 11, &p, &why), -EINVAL);
	assert_string_equal(why, "no prefix length after '/'");
	assert_int_equal(sl_prefix_parse(text, 10, &p, NULL), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(sl_prefix_parse(text, 14, &p, NULL), -EINVAL);
}

static void test_format_small_buffer(void **state)
{
	struct sl_prefix p;
	char buf[8];

	(void)state;
	assert_int_equal(parse("198.18.0.0/15", &p, NULL), 0);
	assert_string_equal(sl_prefix_format(&p, buf, sizeof(buf)), "198.18.");
	p.family = 99;
	assert_string_equal(sl_prefix_format(&p, buf, sizeof(buf)), "?");
}

/* Checks sl_prefix_format's address text against inet_ntop's, and that it parses back. */
static void expect_format_as_ntop(const struct sl_prefix *p)
{
	char want[INET6_ADDRSTRLEN + 8], got[64], *slash;
	struct sl_prefix back;
	size_t n;

	assert_non_null(inet_ntop(p->family, p->addr, want, INET6_ADDRSTRLEN));
	n = strlen(want);
	snprintf(want + n, sizeof(want) - n, "/%u", p->len);
	assert_string_equal(sl_prefix_format(p, got, sizeof(got)), want);
	slash = strchr(got, '/');
	assert_non_null(slash);
	*slash = '\0';
	memset(&back, 0, sizeof(back));
	assert_int_equal(inet_pton(p->family, got, back.addr), 1);
	assert_memory_equal(back.addr, p->addr, p->family == AF_INET ? 4 : 16);
}

/*
 * Formatting is by hand (no printf per prefix): every form inet_ntop
 * has (zero runs at the start, middle and end, ties, single zero groups,
 * IPv4-mapped and -compatible) and random addresses with random zero
 * groups come out the same.
 */
static void test_format_as_inet_ntop(void **state)
{
	static const char *const fixed[] = {
		"::",		"::1",		   "1::",	    "1::1",	     "0:1:0:1:0:1:0:1",
		"1:0:0:1:0:0:1:0", "1:0:0:1:0:0:0:1", "::ffff:1.2.3.4", "::1.2.3.4", "::fffe:1.2.3.4",
		"0:0:0:0:0:1:102:304", "2001:db8::", "2001:db8:0:0:1::", "fe80::abcd:ef01:2345:6789",
		"1:2:3:4:5:6:7:8", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:2:3:4:5:6:7:0",
		"0:2:3:4:5:6:7:8", "::ffff:0:0", "::ffff:0.0.0.0",
	};
	struct sl_prefix p;
	uint32_t seed = 12345;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.family = AF_INET6;
		p.len = 128;
		assert_int_equal(inet_pton(AF_INET6, fixed[i], p.addr), 1);
		expect_format_as_ntop(&p);
	}
	for (i = 0; i < 200000; i++) {
		memset(&p, 0, sizeof(p));
		p.family = i % 4 ? AF_INET6 : AF_INET;
		p.len = (uint8_t)(i % (p.family == AF_INET ? 33 : 129));
		for (k = 0; k < 16; k++) {
			seed = seed * 1103515245u + 12345u;
			p.addr[k] = (uint8_t)(seed >> 16);
		}
		/* Groups zeroed at random make runs of every length and place. */
		for (k = 0; k < 8; k++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0)
				p.addr[2 * k] = p.addr[2 * k + 1] = 0;
			else if ((seed >> 16) % 7 == 0)
				p.addr[2 * k] = 0; /* leading zeros of a group */
		}
		if (i % 13 == 0) /* the IPv4-mapped and -compatible prefixes */
			memset(p.addr, 0, 10 + (i % 2) * 2);
		if (i % 26 == 0)
			p.addr[10] = p.addr[11] = 0xff;
		if (p.family == AF_INET)
			memset(p.addr + 4, 0, 12);
		expect_format_as_ntop(&p);
	}
}

static void test_set_add(void **state)
{
	struct sl_set set;
	struct sl_prefix p;
	uint32_t i;

	(void)state;
	memset(&set, 0, sizeof(set));
	for (i = 0; i < 100000; i++) {
		memset(&p, 0, sizeof(p));
		p.family = AF_INET;
		p.len = 32;
		memcpy(p.addr, &i, sizeof(i));
		assert_int_equal(sl_set_add(&set, &p), 0);
	}
	assert_int_equal(set.n_prefixes, 100000);
	assert_true(set.cap_prefixes >= set.n_prefixes);
	assert_true(set.cap_prefixes < 2 * set.n_prefixes + 64);
	memcpy(&i, set.prefixes[54321].addr, sizeof(i));
	assert_int_equal(i, 54321);
	sl_set_clear(&set);
	assert_null(set.prefixes);
	assert_int_equal(set.n_prefixes, 0);
	assert_int_equal(set.cap_prefixes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_bounded_input),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_format_as_inet_ntop),
		cmocka_unit_test(test_set_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
