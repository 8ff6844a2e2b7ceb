/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Set-file parsing: format, line numbers in errors, CRLF, size and speed. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>

#include "control/prefix.h"
#include "control/setfile.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static int parse(const char *text, struct sl_set *set, struct sl_diag *diag)
{
	memset(set, 0, sizeof(*set));
	diag->msg[0] = '\0';
	return sl_setfile_parse(text, strlen(text), "t.txt", set, diag);
}

static void expect_prefix(const struct sl_set *set, size_t i, const char *want)
{
	char buf[64];

	assert_true(i < set->n_prefixes);
	assert_string_equal(sl_prefix_format(&set->prefixes[i], buf, sizeof(buf)), want);
}

static void test_format(void **state)
{
	const char text[] = "# header comment\n"
			    "\n"
			    "198.18.0.0/15\n"
			    "   198.19.1.1   \n"
			    "\t2001:db8:bad::/48\t# trailing comment\n"
			    "#198.18.99.0/24 commented out\n"
			    "   \t  \n"
			    "2001:db8::1#no space before the comment\n"
			    "0.0.0.0/0";
	struct sl_diag diag;
	struct sl_set set;

	(void)state;
	assert_int_equal(parse(text, &set, &diag), 0);
	assert_int_equal(set.n_prefixes, 5);
	expect_prefix(&set, 0, "198.18.0.0/15");
	expect_prefix(&set, 1, "198.19.1.1/32");
	expect_prefix(&set, 2, "2001:db8:bad::/48");
	expect_prefix(&set, 3, "2001:db8::1/128");
	expect_prefix(&set, 4, "0.0.0.0/0");
	assert_int_equal(set.prefixes[2].family, AF_INET6);
	assert_int_equal(set.prefixes[1].family, AF_INET);
	sl_set_clear(&set);
}

static void test_empty(void **state)
{
	struct sl_diag diag;
	struct sl_set set;

	(void)state;
	assert_int_equal(parse("", &set, &diag), 0);
	assert_int_equal(set.n_prefixes, 0);
	assert_int_equal(parse("\n\n# only comments\n  \n", &set, &diag), 0);
	assert_int_equal(set.n_prefixes, 0);
	sl_set_clear(&set);
}

static void test_crlf(void **state)
{
	struct sl_diag diag;
	struct sl_set set;

	(void)state;
	assert_int_equal(parse("# c\r\n198.18.1.0/24\r\n\r\n2001:db8::/32 # x\r\n", &set, &diag), 0);
	assert_int_equal(set.n_prefixes, 2);
	expect_prefix(&set, 0, "198.18.1.0/24");
	expect_prefix(&set, 1, "2001:db8::/32");
	sl_set_clear(&set);
	/* The line number still counts "\r\n" as one line. */
	assert_int_equal(parse("198.18.1.0/24\r\n\r\nnope\r\n", &set, &diag), -EINVAL);
	assert_string_equal(diag.msg, "t.txt:3: bad prefix 'nope': not an IPv4 address");
	sl_set_clear(&set);
}

static void test_bad_line_number(void **state)
{
	struct sl_diag diag;
	struct sl_set set;

	(void)state;
	assert_int_equal(parse("# c\n198.18.0.0/24\n\n198.18.0.1/24\n198.18.2.0/24\n", &set, &diag),
			 -EINVAL);
	assert_string_equal(diag.msg,
			    "t.txt:4: bad prefix '198.18.0.1/24': host bits are set; the network is 198.18.0.0/24");
	sl_set_clear(&set);
	assert_int_equal(parse("2001:db8::/129\n", &set, &diag), -EINVAL);
	assert_string_equal(diag.msg,
			    "t.txt:1: bad prefix '2001:db8::/129': prefix length out of range for IPv6 (0-128)");
	sl_set_clear(&set);
	assert_int_equal(parse("198.18.0.0/24 198.18.1.0/24\n", &set, &diag), -EINVAL);
	assert_string_equal(diag.msg,
			    "t.txt:1: bad prefix '198.18.0.0/24 198.18.1.0/24': prefix length is not a decimal number");
	sl_set_clear(&set);
	/* Last line without a newline. */
	assert_int_equal(parse("198.18.0.0/24\n\n\n198.18.x", &set, &diag), -EINVAL);
	assert_string_equal(diag.msg, "t.txt:4: bad prefix '198.18.x': not an IPv4 address");
	sl_set_clear(&set);
}

static void test_control_chars(void **state)
{
	const char text[] = "198.18.0.0/24\n198.18\0.1\n";
	struct sl_diag diag;
	struct sl_set set;

	(void)state;
	memset(&set, 0, sizeof(set));
	assert_int_equal(sl_setfile_parse(text, sizeof(text) - 1, "t.txt", &set, &diag), -EINVAL);
	/* Unprintable bytes are shown as '?', so the message stays one line. */
	assert_string_equal(diag.msg, "t.txt:2: bad prefix '198.18?.1': contains a NUL byte");
	sl_set_clear(&set);
}

static void test_long_lines(void **state)
{
	struct sl_diag diag;
	struct sl_set set;
	char *text;
	size_t n = 100000;

	(void)state;
	/* A long comment is fine. */
	text = malloc(n + 64);
	assert_non_null(text);
	text[0] = '#';
	memset(text + 1, 'x', n);
	strcpy(text + 1 + n, "\n198.18.0.0/24\n");
	assert_int_equal(parse(text, &set, &diag), 0);
	assert_int_equal(set.n_prefixes, 1);
	sl_set_clear(&set);
	/* A long content line is not, and the message is bounded. */
	memset(text, '1', n);
	strcpy(text + n, "\n");
	assert_int_equal(parse(text, &set, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "t.txt:1: bad line '1111"));
	assert_non_null(strstr(diag.msg, "...': longer than 128 characters"));
	assert_true(strlen(diag.msg) < 200);
	sl_set_clear(&set);
	/* 129 characters: just over. */
	memset(text, ' ', 10);
	memset(text + 10, '2', 129);
	strcpy(text + 139, "  # c\n");
	assert_int_equal(parse(text, &set, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "longer than 128 characters"));
	sl_set_clear(&set);
	free(text);
}

static void test_load_file(void **state)
{
	const char *src = getenv("SLUICE_SRCDIR");
	struct sl_diag diag;
	struct sl_set set;
	char path[4096];

	(void)state;
	assert_non_null(src);
	memset(&set, 0, sizeof(set));
	snprintf(path, sizeof(path), "%s/tests/data/config/sets/small.txt", src);
	assert_int_equal(sl_setfile_load(path, &set, &diag), 0);
	assert_int_equal(set.n_prefixes, 4);
	expect_prefix(&set, 0, "198.18.50.0/24");
	expect_prefix(&set, 1, "198.18.51.7/32");
	expect_prefix(&set, 2, "2001:db8:50::/48");
	expect_prefix(&set, 3, "2001:db8:51::1/128");
	sl_set_clear(&set);

	snprintf(path, sizeof(path), "%s/tests/data/config/sets/bad.txt", src);
	assert_int_equal(sl_setfile_load(path, &set, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "/tests/data/config/sets/bad.txt:4: bad prefix '198.18.61.1/16': host bits are set"));
	sl_set_clear(&set);

	snprintf(path, sizeof(path), "%s/tests/data/config/sets/missing.txt", src);
	assert_int_equal(sl_setfile_load(path, &set, &diag), -ENOENT);
	assert_non_null(strstr(diag.msg, "missing.txt: cannot read: No such file or directory"));

	snprintf(path, sizeof(path), "%s/tests/data/config/sets", src);
	assert_int_equal(sl_setfile_load(path, &set, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "sets: cannot read: not a regular file"));
	sl_set_clear(&set);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A million prefixes, half IPv4 and half IPv6, with comments mixed in. */
static void test_million(void **state)
{
	const size_t n = 1000000;
	size_t i, off = 0, cap = n * 40;
	struct sl_diag diag;
	struct sl_set set;
	double t0, dt, limit = SANITIZED ? 5.0 : 1.0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++) {
		if (i % 2)
			off += (size_t)snprintf(text + off, cap - off, "2001:db8:%zx:%zx::/64\n",
						(i >> 16) & 0xffff, i & 0xffff);
		else
			off += (size_t)snprintf(text + off, cap - off, "10.%zu.%zu.%zu # c\n",
						(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
		assert_true(off < cap);
	}
	memset(&set, 0, sizeof(set));
	t0 = now();
	assert_int_equal(sl_setfile_parse(text, off, "big.txt", &set, &diag), 0);
	dt = now() - t0;
	print_message("parsed %zu prefixes in %.3f s\n", n, dt);
	assert_int_equal(set.n_prefixes, n);
	expect_prefix(&set, n - 1, "2001:db8:f:423f::/64");
	expect_prefix(&set, n - 2, "10.15.66.62/32");
	assert_true(dt < limit);
	sl_set_clear(&set);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_bad_line_number),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_million),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
