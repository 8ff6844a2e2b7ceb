/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The single-producer single-consumer ring (dataplane/spsc.h): limits,
 * full and oversized records counted, wrap-around, and a producer and a
 * consumer thread racing over millions of records that arrive in order
 * with nothing lost silently.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/spsc.h"

static void test_create(void **state)
{
	struct sl_spsc *r;

	(void)state;
	assert_int_equal(sl_spsc_create(0, 64, &r), -EINVAL);
	assert_int_equal(sl_spsc_create(1, 64, &r), -EINVAL);
	assert_int_equal(sl_spsc_create(6, 64, &r), -EINVAL);
	assert_int_equal(sl_spsc_create(8, 8, &r), -EINVAL);
	assert_int_equal(sl_spsc_create(8, 60, &r), -EINVAL);
	assert_null(r);
	assert_int_equal(sl_spsc_create(8, 64, &r), 0);
	assert_int_equal(sl_spsc_max_record(r), 56);
	/* Producer and consumer indices on their own cache lines. */
	assert_int_equal(offsetof(struct sl_spsc, head) % SL_CACHE_LINE, 0);
	assert_int_equal(offsetof(struct sl_spsc, tail) % SL_CACHE_LINE, 0);
	assert_true(offsetof(struct sl_spsc, tail) - offsetof(struct sl_spsc, head) >= SL_CACHE_LINE);
	sl_spsc_destroy(r);
	sl_spsc_destroy(NULL);
}

static void test_single_thread(void **state)
{
	struct sl_spsc *r;
	const void *p;
	uint32_t len, i, v;

	(void)state;
	assert_int_equal(sl_spsc_create(4, 16, &r), 0);
	assert_null(sl_spsc_peek(r, &len));
	for (i = 0; i < 4; i++)
		assert_int_equal(sl_spsc_push(r, &i, sizeof(i)), 0);
	/* Full: refused and counted, never blocking. */
	assert_int_equal(sl_spsc_push(r, &i, sizeof(i)), -ENOBUFS);
	assert_int_equal(r->drops_full, 1);
	/* Too large for a slot. */
	assert_null(sl_spsc_reserve(r, 9));
	assert_int_equal(r->drops_size, 1);
	assert_int_equal(sl_spsc_drops(r), 2);
	for (i = 0; i < 4; i++) {
		p = sl_spsc_peek(r, &len);
		assert_non_null(p);
		assert_int_equal(len, 4);
		memcpy(&v, p, 4);
		assert_int_equal(v, i);
		sl_spsc_release(r);
	}
	assert_null(sl_spsc_peek(r, &len));
	/* Wrap around many times, one record in flight at a time. */
	for (i = 0; i < 10000; i++) {
		uint32_t want = i * 3;

		assert_int_equal(sl_spsc_push(r, &want, sizeof(want)), 0);
		p = sl_spsc_peek(r, &len);
		assert_non_null(p);
		memcpy(&v, p, 4);
		assert_int_equal(v, want);
		sl_spsc_release(r);
	}
	/* A zero-length record is a record. */
	assert_non_null(sl_spsc_reserve(r, 0));
	sl_spsc_commit(r, 0);
	assert_non_null(sl_spsc_peek(r, &len));
	assert_int_equal(len, 0);
	sl_spsc_destroy(r);
}

#define RACE_N 2000000ull

struct race {
	struct sl_spsc *r;
	uint64_t sent;
};

static void *producer(void *arg)
{
	struct race *rc = arg;
	uint64_t i;

	for (i = 0; i < RACE_N; i++) {
		uint64_t *slot = sl_spsc_reserve(rc->r, 2 * sizeof(uint64_t));

		if (!slot)
			continue; /* dropped and counted by the ring */
		slot[0] = i;
		slot[1] = ~i;
		sl_spsc_commit(rc->r, 2 * sizeof(uint64_t));
		rc->sent++;
	}
	return NULL;
}

static void test_two_threads(void **state)
{
	struct race rc = { 0 };
	pthread_t t;
	uint64_t got = 0, last = 0, drops;
	bool done = false, first = true;

	(void)state;
	assert_int_equal(sl_spsc_create(1024, 24, &rc.r), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, &rc), 0);
	for (;;) {
		uint64_t rec[2];
		const void *p;
		uint32_t len;

		p = sl_spsc_peek(rc.r, &len);
		if (!p) {
			if (done)
				break;
			/* The producer has finished once every record is accounted for. */
			drops = sl_spsc_drops(rc.r);
			if (got + drops == RACE_N)
				done = true;
			continue;
		}
		assert_int_equal(len, sizeof(rec));
		memcpy(rec, p, sizeof(rec));
		sl_spsc_release(rc.r);
		assert_int_equal(rec[1], ~rec[0]);
		/* In order, each record once. */
		if (!first && rec[0] <= last)
			fail_msg("record %llu after %llu", (unsigned long long)rec[0],
				 (unsigned long long)last);
		first = false;
		last = rec[0];
		got++;
	}
	pthread_join(t, NULL);
	assert_int_equal(got, rc.sent);
	assert_int_equal(got + sl_spsc_drops(rc.r), RACE_N);
	assert_int_equal(rc.r->drops_size, 0);
	sl_spsc_destroy(rc.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_single_thread),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
