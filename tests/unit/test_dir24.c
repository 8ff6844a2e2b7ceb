/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The IPv4 DIR-24-8 table against a naive longest-prefix match. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/dir24.h"

#define DEFAULT_CLASS 7

static uint32_t *tbl24;

static int setup(void **state)
{
	(void)state;
	tbl24 = malloc(SL_DIR24_ENTRIES * sizeof(*tbl24));
	return tbl24 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(tbl24);
	return 0;
}

static struct sl_pfx4_entry pfx(uint32_t addr, uint32_t len, uint32_t cls)
{
	struct sl_pfx4_entry e = { .key = { .prefixlen = len }, .addr_class = cls };

	e.key.addr[0] = addr >> 24;
	e.key.addr[1] = addr >> 16;
	e.key.addr[2] = addr >> 8;
	e.key.addr[3] = addr;
	return e;
}

static uint32_t naive(const struct sl_pfx4_entry *p, size_t n, uint32_t addr)
{
	uint32_t best_len = 0, cls = DEFAULT_CLASS;
	int found = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t len = p[i].key.prefixlen;
		uint32_t mask = len ? ~0u << (32 - len) : 0;
		uint32_t a = (uint32_t)p[i].key.addr[0] << 24 | (uint32_t)p[i].key.addr[1] << 16 |
			     (uint32_t)p[i].key.addr[2] << 8 | p[i].key.addr[3];

		if ((addr & mask) == a && (!found || len >= best_len)) {
			found = 1;
			best_len = len;
			cls = p[i].addr_class;
		}
	}
	return cls;
}

static uint32_t lookup(const uint32_t *tbl8, uint32_t addr)
{
	uint8_t a[4] = { addr >> 24, addr >> 16, addr >> 8, addr };

	return sl_dir24_lookup(tbl24, tbl8, a);
}

static void build(const struct sl_pfx4_entry *p, size_t n, uint32_t **tbl8)
{
	size_t groups = sl_dir24_groups(p, n);

	*tbl8 = calloc((groups ? groups : 1) * SL_DIR8_GROUP, sizeof(**tbl8));
	assert_non_null(*tbl8);
	assert_int_equal(sl_dir24_build(p, n, DEFAULT_CLASS, tbl24, *tbl8, groups), 0);
}

static void test_nested_and_boundaries(void **state)
{
	struct sl_pfx4_entry p[] = {
		pfx(0x0a000000, 8, 1),  /* 10/8 */
		pfx(0x0a010200, 24, 2), /* 10.1.2/24 */
		pfx(0x0a010280, 25, 3), /* 10.1.2.128/25 */
		pfx(0x0a0102ff, 32, 4), /* 10.1.2.255/32 */
		pfx(0xc6120000, 15, 5), /* 198.18/15 */
		pfx(0x00000000, 0, 6),  /* default route */
	};
	uint32_t *tbl8;

	(void)state;
	assert_int_equal(sl_dir24_groups(p, 6), 1);
	build(p, 6, &tbl8);
	assert_int_equal(lookup(tbl8, 0x0a000001), 1);
	assert_int_equal(lookup(tbl8, 0x0a0101ff), 1);
	assert_int_equal(lookup(tbl8, 0x0a010200), 2);
	assert_int_equal(lookup(tbl8, 0x0a01027f), 2);
	assert_int_equal(lookup(tbl8, 0x0a010280), 3);
	assert_int_equal(lookup(tbl8, 0x0a0102fe), 3);
	assert_int_equal(lookup(tbl8, 0x0a0102ff), 4);
	assert_int_equal(lookup(tbl8, 0x0a010300), 1);
	assert_int_equal(lookup(tbl8, 0xc6130102), 5);
	assert_int_equal(lookup(tbl8, 0xc6140000), 6);
	assert_int_equal(lookup(tbl8, 0x01020304), 6);
	free(tbl8);
}

static void test_empty_and_too_few_groups(void **state)
{
	struct sl_pfx4_entry p[] = { pfx(0x0a000001, 32, 1), pfx(0x0b000001, 32, 2) };
	uint32_t tbl8[SL_DIR8_GROUP];

	(void)state;
	assert_int_equal(sl_dir24_groups(p, 0), 0);
	assert_int_equal(sl_dir24_build(p, 0, DEFAULT_CLASS, tbl24, tbl8, 0), 0);
	assert_int_equal(lookup(tbl8, 0x0a000001), DEFAULT_CLASS);
	assert_int_equal(sl_dir24_groups(p, 2), 2);
	assert_int_equal(sl_dir24_build(p, 2, DEFAULT_CLASS, tbl24, tbl8, 1), -E2BIG);
}

/* Random prefixes clustered so that they overlap, checked at random and edge addresses. */
static void test_random_against_naive(void **state)
{
	enum { N = 400, PROBES = 20000 };
	struct sl_pfx4_entry p[N];
	uint32_t *tbl8;
	size_t i;

	(void)state;
	srand(12345);
	for (i = 0; i < N; i++) {
		uint32_t len = (uint32_t)rand() % 33;
		uint32_t addr = 0x0a000000u | ((uint32_t)rand() & 0x0003ffffu);

		addr &= len ? ~0u << (32 - len) : 0;
		p[i] = pfx(addr, len, 1 + (uint32_t)(i % 50));
	}
	/* Duplicates of one prefix with different classes are not emitted by the compiler. */
	for (i = 1; i < N; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (p[j].key.prefixlen == p[i].key.prefixlen && !memcmp(p[j].key.addr, p[i].key.addr, 4))
				p[i].addr_class = p[j].addr_class;
	}
	build(p, N, &tbl8);
	for (i = 0; i < PROBES; i++) {
		uint32_t addr = 0x0a000000u | ((uint32_t)rand() & 0x0003ffffu);

		if (i % 4 == 0)
			addr = (uint32_t)rand() << 1;
		assert_int_equal(lookup(tbl8, addr), naive(p, N, addr));
	}
	for (i = 0; i < N; i++) {
		uint32_t len = p[i].key.prefixlen;
		uint32_t a = (uint32_t)p[i].key.addr[0] << 24 | (uint32_t)p[i].key.addr[1] << 16 |
			     (uint32_t)p[i].key.addr[2] << 8 | p[i].key.addr[3];
		uint32_t last = a | (len ? ~(~0u << (32 - len)) : ~0u);

		assert_int_equal(lookup(tbl8, a), naive(p, N, a));
		assert_int_equal(lookup(tbl8, last), naive(p, N, last));
	}
	free(tbl8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_and_boundaries),
		cmocka_unit_test(test_empty_and_too_few_groups),
		cmocka_unit_test(test_random_against_naive),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
