/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The logger (dataplane/logger.h) fed by worker rings, in temporary
 * directories: every record arrives in order per source with the right
 * fields, as JSON lines and as pcap records read back with libpcap;
 * rotation by size and by age; retention of max_files; a file of an
 * earlier run rotated away; fsync policies; the pwrite fallback forced by
 * the config and by the environment; malformed records counted.
 *
 * With SLUICE_TEST_DISKFULL=1 (and root) it runs only the full-disk test:
 * a small tmpfs fills up, drops are counted, nothing crashes, and writing
 * resumes once space is freed.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/event.h"
#include "dataplane/logger.h"
#include "pcap_read.h"

struct tmp {
	char dir[64];
	char json[128];
	char pcap[128];
};

static void tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/sl-logger-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->json, sizeof(t->json), "%s/events.json", t->dir);
	snprintf(t->pcap, sizeof(t->pcap), "%s/captures.pcap", t->dir);
}

static void tmp_remove(struct tmp *t)
{
	DIR *d = opendir(t->dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(t->dir);
}

static struct sl_logging_cfg base_cfg(const struct tmp *t, bool pcap)
{
	struct sl_logging_cfg c;

	sl_logging_defaults(&c);
	c.enabled = true;
	snprintf(c.json_path, sizeof(c.json_path), "%s", t->json);
	if (pcap)
		snprintf(c.pcap_path, sizeof(c.pcap_path), "%s", t->pcap);
	c.rotate_bytes = 0;
	c.buffer_bytes = 64 << 10;
	c.buffers = 4;
	c.worker_ring_slots = 1 << 14;
	c.flush_ms = 10;
	return c;
}

#define SLOT (sizeof(struct sl_event) + SL_CAPTURE_MAX + 8)

/* Event seq of a source: sport numbers it, a capture of cap bytes when cap. */
static uint32_t make_event(uint8_t *rec, uint32_t seq, uint16_t cap)
{
	struct sl_event e;
	uint32_t i;

	memset(&e, 0, sizeof(e));
	e.magic = SL_EVENT_MAGIC;
	e.version = SL_EVENT_VERSION;
	e.type = SL_EVENT_PACKET;
	e.verdict = SL_EV_VERDICT_DROP;
	e.reason = SL_REASON_RULE;
	e.family = 4;
	e.l4_proto = IPPROTO_UDP;
	e.flags = SL_EVF_PORTS;
	e.sport = (uint16_t)(seq & 0xffff);
	e.dport = (uint16_t)(seq >> 16);
	e.rule = 0;
	e.ifindex = 1;
	e.pkt_len = 300;
	e.cap_len = cap;
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		e.ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	inet_pton(AF_INET, "198.18.0.1", e.src);
	inet_pton(AF_INET, "198.19.0.2", e.dst);
	memcpy(rec, &e, sizeof(e));
	for (i = 0; i < cap; i++)
		rec[sizeof(e) + i] = (uint8_t)(seq + i);
	return (uint32_t)sizeof(e) + cap;
}

/* Pushes events [from, to) into r, waiting (test only) while the ring is full. */
static void push_range(struct sl_spsc *r, uint32_t from, uint32_t to, uint16_t cap)
{
	uint8_t rec[SLOT];
	uint32_t seq;

	for (seq = from; seq < to; seq++) {
		uint32_t len = make_event(rec, seq, cap);

		while (sl_spsc_push(r, rec, len))
			usleep(100);
	}
}

/* Reads a whole file; NUL-terminated; caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return buf;
}

/*
 * Checks that the JSON file holds whole lines of source src with
 * consecutive sequence numbers from *next; advances *next. Returns lines.
 */
static size_t check_json(const char *path, const char *src, uint32_t *next)
{
	char *buf = slurp(path, NULL), *line, *save = NULL, want[128];
	size_t n = 0;

	assert_non_null(buf);
	assert_true(!buf[0] || buf[strlen(buf) - 1] == '\n');
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p;
		unsigned sp, dp;

		snprintf(want, sizeof(want), "\"source\":\"%s\"", src);
		if (!strstr(line, want))
			continue;
		assert_int_equal(line[0], '{');
		assert_int_equal(line[strlen(line) - 1], '}');
		p = strstr(line, "\"sport\":");
		assert_non_null(p);
		assert_int_equal(sscanf(p, "\"sport\":%u,\"dport\":%u", &sp, &dp), 2);
		if ((dp << 16 | sp) != *next)
			fail_msg("%s: want seq %u, got %u: %s", path, *next, dp << 16 | sp, line);
		assert_non_null(strstr(line, "\"verdict\":\"drop\",\"reason\":\"rule\""));
		assert_non_null(strstr(line, "\"src\":\"198.18.0.1\",\"dst\":\"198.19.0.2\""));
		(*next)++;
		n++;
	}
	free(buf);
	return n;
}

static size_t count_rotated(const struct tmp *t, const char *base, char names[][256], size_t max)
{
	DIR *d = opendir(t->dir);
	struct dirent *e;
	size_t n = 0, bl = strlen(base);

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, base, bl) && e->d_name[bl] == '.' && strlen(e->d_name) == bl + 27) {
			if (names && n < max)
				snprintf(names[n], 256, "%s/%s", t->dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* ----------------------------------------------------------------- tests */

static void in_order(bool pcap, bool force_env, enum sl_fsync_policy fs)
{
	struct sl_logging_cfg c;
	struct sl_logger_stats st;
	struct sl_logger *lg;
	struct sl_spsc *r0, *r1;
	struct pr_rec *recs;
	struct tmp t;
	uint32_t next;
	char err[256];
	int n, link, i;

	tmp_make(&t);
	c = base_cfg(&t, pcap);
	c.fsync = fs;
	c.fsync_interval_ms = 5;
	if (force_env)
		setenv("SLUICE_LOG_PWRITE", "1", 1);
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	unsetenv("SLUICE_LOG_PWRITE");
	assert_int_equal(sl_logger_add_ring(lg, "w0", SLOT, &r0), 0);
	assert_int_equal(sl_logger_add_ring(lg, "w1", SLOT, &r1), 0);
	for (i = 0; i < 10; i++) {
		push_range(r0, (uint32_t)i * 1000, (uint32_t)(i + 1) * 1000, pcap ? 60 : 0);
		push_range(r1, (uint32_t)i * 500, (uint32_t)(i + 1) * 500, 0);
	}
	assert_int_equal(sl_logger_flush(lg, 10000), 0);
	sl_logger_stats(lg, &st);
	assert_int_equal(st.records, 15000);
	assert_int_equal(st.json_written, 15000);
	assert_int_equal(st.pcap_written, pcap ? 10000 : 0);
	assert_int_equal(st.drop_disk_full + st.drop_io_error + st.drop_decode + st.ring_drops, 0);
	assert_int_equal(st.io_uring, !force_env);
	if (fs != SL_FSYNC_NONE)
		assert_true(st.fsyncs > 0);
	else
		assert_int_equal(st.fsyncs, 0);
	assert_int_equal(sl_logger_stop(lg), 0);

	next = 0;
	assert_int_equal(check_json(t.json, "w0", &next), 10000);
	next = 0;
	assert_int_equal(check_json(t.json, "w1", &next), 5000);
	if (pcap) {
		recs = calloc(10001, sizeof(*recs));
		assert_non_null(recs);
		n = pr_read(t.pcap, recs, 10001, &link, err, sizeof(err));
		if (n < 0)
			fail_msg("libpcap: %s", err);
		assert_int_equal(n, 10000);
		for (i = 0; i < n; i++) {
			assert_int_equal(recs[i].caplen, 60);
			assert_int_equal(recs[i].len, 300);
			assert_int_equal(recs[i].data[0], (uint8_t)i);
			assert_int_equal(recs[i].data[59], (uint8_t)(i + 59));
		}
		free(recs);
	}
	tmp_remove(&t);
}

static void test_in_order_io_uring(void **state)
{
	(void)state;
	in_order(true, false, SL_FSYNC_NONE);
}

static void test_in_order_pwrite_env(void **state)
{
	(void)state;
	in_order(true, true, SL_FSYNC_BATCH);
}

static void test_fsync_interval(void **state)
{
	(void)state;
	in_order(false, false, SL_FSYNC_INTERVAL);
}

static void test_pwrite_by_config(void **state)
{
	struct sl_logging_cfg c;
	struct sl_logger_stats st;
	struct sl_logger *lg;
	struct sl_spsc *r;
	struct tmp t;
	uint32_t next = 0;

	(void)state;
	tmp_make(&t);
	c = base_cfg(&t, false);
	c.io = SL_LOG_IO_PWRITE;
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	assert_int_equal(sl_logger_add_ring(lg, "w", SLOT, &r), 0);
	push_range(r, 0, 3000, 0);
	assert_int_equal(sl_logger_stop(lg), 0);
	/* Stop flushes everything even without sl_logger_flush. */
	assert_int_equal(check_json(t.json, "w", &next), 3000);
	(void)st;
	tmp_remove(&t);
}

static void test_rotation_size(void **state)
{
	char names[16][256];
	struct sl_logging_cfg c;
	struct sl_logger_stats st;
	struct sl_logger *lg;
	struct sl_spsc *r;
	struct tmp t;
	uint32_t next, first_kept;
	size_t n, i, lines = 0;

	(void)state;
	tmp_make(&t);
	c = base_cfg(&t, true);
	c.buffer_bytes = 4096;
	c.rotate_bytes = 16384;
	c.max_files = 3;
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	assert_int_equal(sl_logger_add_ring(lg, "w", SLOT, &r), 0);
	push_range(r, 0, 2000, 100);
	assert_int_equal(sl_logger_flush(lg, 10000), 0);
	sl_logger_stats(lg, &st);
	assert_int_equal(st.json_written, 2000);
	assert_int_equal(st.pcap_written, 2000);
	/* ~700 KB of JSON and ~230 KB of pcap in files of 16 KiB. */
	assert_true(st.rotations > 40);
	assert_int_equal(sl_logger_stop(lg), 0);

	/* Three rotated files each, the newest records in order, ending with the last. */
	n = count_rotated(&t, "events.json", names, 16);
	assert_int_equal(n, 3);
	qsort(names, n, sizeof(names[0]), cmp_name);
	for (i = 0; i < n; i++) {
		struct stat sb;

		assert_int_equal(stat(names[i], &sb), 0);
		assert_true(sb.st_size >= 16384 && sb.st_size < 16384 + 4096);
	}
	{
		/* The first kept line sets where the sequence starts. */
		char *buf = slurp(names[0], NULL), *p = strstr(buf, "\"sport\":");
		unsigned sp, dp;

		assert_non_null(p);
		assert_int_equal(sscanf(p, "\"sport\":%u,\"dport\":%u", &sp, &dp), 2);
		first_kept = dp << 16 | sp;
		free(buf);
	}
	next = first_kept;
	for (i = 0; i < n; i++)
		lines += check_json(names[i], "w", &next);
	lines += check_json(t.json, "w", &next);
	assert_int_equal(next, 2000);
	assert_int_equal(lines, 2000 - first_kept);
	assert_int_equal(count_rotated(&t, "captures.pcap", names, 16), 3);
	for (i = 0; i < 3; i++) {
		static struct pr_rec recs[200];
		char err[256];
		int link, k = pr_read(names[i], recs, 200, &link, err, sizeof(err));

		if (k <= 0)
			fail_msg("libpcap on %s: %d %s", names[i], k, err);
		assert_int_equal(recs[0].caplen, 100);
	}
	tmp_remove(&t);
}

static void test_rotation_age_and_restart(void **state)
{
	char names[4][256];
	struct sl_logging_cfg c;
	struct sl_logger *lg;
	struct sl_spsc *r;
	struct tmp t;
	uint32_t next = 0;

	(void)state;
	tmp_make(&t);
	c = base_cfg(&t, false);
	c.rotate_seconds = 1;
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	assert_int_equal(sl_logger_add_ring(lg, "w", SLOT, &r), 0);
	push_range(r, 0, 100, 0);
	assert_int_equal(sl_logger_flush(lg, 5000), 0);
	usleep(1300 * 1000);
	push_range(r, 100, 200, 0);
	assert_int_equal(sl_logger_flush(lg, 5000), 0);
	assert_int_equal(sl_logger_stop(lg), 0);
	/* The first 100 went to a file rotated by age, the rest to the live file. */
	assert_int_equal(count_rotated(&t, "events.json", names, 4), 1);
	assert_int_equal(check_json(names[0], "w", &next), 100);
	assert_int_equal(check_json(t.json, "w", &next), 100);

	/* A new run rotates the earlier file away instead of appending to it. */
	c.rotate_seconds = 0;
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	assert_int_equal(sl_logger_add_ring(lg, "w", SLOT, &r), 0);
	push_range(r, 500, 510, 0);
	assert_int_equal(sl_logger_stop(lg), 0);
	assert_int_equal(count_rotated(&t, "events.json", names, 4), 2);
	next = 500;
	assert_int_equal(check_json(t.json, "w", &next), 10);
	tmp_remove(&t);
}

/*
 * With a topology, the write buffers are a pool on the asked tier: on
 * this machine's single node every page of it is on node 0, and records
 * still arrive in order.
 */
static void test_buffers_in_pool(void **state)
{
	struct sl_pool_cfg buffers = { .tier = { .kind = SL_TIER_CAPACITY }, .set = true };
	struct sl_logger_sources src = { .events_fd = -1, .log_stats_fd = -1, .publish_fd = -1 };
	struct sl_diag diag = { { 0 } };
	struct sl_topology topo;
	const struct sl_pool *pool;
	struct sl_logging_cfg c;
	struct sl_logger *lg;
	struct sl_spsc *r;
	struct tmp t;
	uint32_t next = 0;
	uint64_t on_nodes;

	(void)state;
	if (sl_tiers_discover("/sys", &topo, &diag)) {
		print_message("no NUMA topology readable: %s\n", diag.msg);
		skip();
	}
	src.topo = &topo;
	src.buffers = &buffers;
	tmp_make(&t);
	c = base_cfg(&t, false);
	assert_int_equal(sl_logger_start(&c, &src, &lg), 0);
	pool = sl_logger_buffers_pool(lg);
	assert_non_null(pool);
	assert_true(pool->size >= (size_t)c.buffers * c.buffer_bytes);
	assert_int_equal(pool->placement.total, pool->size / pool->placement.page_size);
	on_nodes = sl_placement_on(&pool->placement, pool->nodes);
	assert_int_equal(on_nodes, pool->placement.total);
	assert_int_equal(sl_logger_add_ring(lg, "w", SLOT, &r), 0);
	push_range(r, 0, 1000, 0);
	assert_int_equal(sl_logger_flush(lg, 5000), 0);
	assert_int_equal(sl_logger_stop(lg), 0);
	assert_int_equal(check_json(t.json, "w", &next), 1000);
	tmp_remove(&t);

	/* Without a topology the buffers are plain memory. */
	tmp_make(&t);
	c = base_cfg(&t, false);
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	assert_null(sl_logger_buffers_pool(lg));
	assert_int_equal(sl_logger_stop(lg), 0);
	tmp_remove(&t);
}

static void test_malformed_and_limits(void **state)
{
	struct sl_logging_cfg c;
	struct sl_logger_stats st;
	struct sl_logger *lg;
	struct sl_spsc *r;
	struct tmp t;
	uint8_t junk[100];
	uint32_t next = 0;
	int i;

	(void)state;
	tmp_make(&t);
	c = base_cfg(&t, false);
	/* No outputs, and a path that cannot be opened. */
	c.json_path[0] = '\0';
	assert_int_equal(sl_logger_start(&c, NULL, &lg), -EINVAL);
	snprintf(c.json_path, sizeof(c.json_path), "%s/no/such/dir/x.json", t.dir);
	assert_int_equal(sl_logger_start(&c, NULL, &lg), -ENOENT);

	c = base_cfg(&t, false);
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	assert_int_equal(sl_logger_add_ring(lg, "this-name-is-far-too-long-for-a-source", SLOT, &r),
			 -EINVAL);
	assert_int_equal(sl_logger_add_ring(lg, "w", SLOT, &r), 0);
	memset(junk, 0xab, sizeof(junk));
	for (i = 0; i < 5; i++) {
		push_range(r, (uint32_t)i, (uint32_t)i + 1, 0);
		assert_int_equal(sl_spsc_push(r, junk, sizeof(junk)), 0);
	}
	assert_int_equal(sl_logger_flush(lg, 5000), 0);
	sl_logger_stats(lg, &st);
	assert_int_equal(st.records, 10);
	assert_int_equal(st.drop_decode, 5);
	assert_int_equal(st.json_written, 5);
	assert_int_equal(sl_logger_stop(lg), 0);
	assert_int_equal(check_json(t.json, "w", &next), 5);
	tmp_remove(&t);
}

/*
 * A file size limit (RLIMIT_FSIZE): the write that crosses it comes back
 * short and is resubmitted, the rest fails with EFBIG; the records are
 * counted as lost to an I/O error, the file is cut back to whole lines,
 * and stop reports the error. Both I/O paths.
 */
static void size_limit(bool force_pwrite)
{
	struct rlimit old, lim = { .rlim_cur = 100000, .rlim_max = RLIM_INFINITY };
	struct sl_logging_cfg c;
	struct sl_logger_stats st;
	struct sl_logger *lg;
	struct sl_spsc *r;
	struct tmp t;
	struct stat sb;
	uint32_t next = 0;
	size_t lines;

	tmp_make(&t);
	c = base_cfg(&t, false);
	c.buffer_bytes = 30000; /* rounded up to 32 KiB: the fourth buffer crosses the limit */
	c.io = force_pwrite ? SL_LOG_IO_PWRITE : SL_LOG_IO_URING;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	assert_int_equal(sl_logger_add_ring(lg, "w", SLOT, &r), 0);
	push_range(r, 0, 1000, 0);
	assert_int_equal(sl_logger_flush(lg, 10000), 0);
	sl_logger_stats(lg, &st);
	assert_int_equal(sl_logger_stop(lg), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);

	assert_true(st.short_writes >= 1);
	assert_true(st.drop_io_error > 0);
	assert_int_equal(st.drop_disk_full, 0);
	assert_int_equal(st.json_written + st.drop_io_error, 1000);
	/* Whole buffers of whole lines below the limit, in order. */
	assert_int_equal(stat(t.json, &sb), 0);
	assert_true(sb.st_size > 0 && sb.st_size <= 100000);
	lines = check_json(t.json, "w", &next);
	assert_int_equal(lines, st.json_written);
	tmp_remove(&t);
}

static void test_size_limit_io_uring(void **state)
{
	(void)state;
	size_limit(false);
}

static void test_size_limit_pwrite(void **state)
{
	(void)state;
	size_limit(true);
}

/* ------------------------------------------------------------- disk full */

/* The tmpfs of the test, unmounted by the teardown also when an assert fails. */
static char mounted[64];

static int unmount_tmpfs(void **state)
{
	(void)state;
	if (mounted[0]) {
		umount2(mounted, MNT_DETACH);
		rmdir(mounted);
		mounted[0] = '\0';
	}
	return 0;
}

static void test_disk_full(void **state)
{
	char filler[200];
	struct sl_logging_cfg c;
	struct sl_logger_stats st, st2;
	struct sl_logger *lg;
	struct sl_spsc *r;
	struct tmp t;
	uint32_t next = 0;
	size_t len;
	char *buf, *line, *save = NULL;
	int fd, i;
	static char block[1 << 16];

	(void)state;
	tmp_make(&t);
	if (mount("sl-logtest", t.dir, "tmpfs", 0, "size=512k")) {
		int e = errno;

		rmdir(t.dir);
		fail_msg("cannot mount a tmpfs: %s", strerror(e));
	}
	snprintf(mounted, sizeof(mounted), "%s", t.dir);
	/* Leave about 64 KiB free. */
	snprintf(filler, sizeof(filler), "%s/filler", t.dir);
	fd = open(filler, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	for (i = 0; i < 7; i++)
		assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	close(fd);

	c = base_cfg(&t, true);
	c.buffer_bytes = 8192;
	assert_int_equal(sl_logger_start(&c, NULL, &lg), 0);
	assert_int_equal(sl_logger_add_ring(lg, "w", SLOT, &r), 0);
	/* ~350 KB of lines and ~80 KB of captures into ~64 KiB of space. */
	push_range(r, 0, 1000, 64);
	assert_int_equal(sl_logger_flush(lg, 10000), 0);
	sl_logger_stats(lg, &st);
	assert_true(st.disk_full >= 1);
	assert_true(st.drop_disk_full > 0);
	/* Every record of each output is written or counted. */
	assert_int_equal(st.json_written + st.pcap_written + st.drop_disk_full, 2000);
	assert_true(st.json_written > 20);

	/* Space returns: after the retry interval, writing resumes. */
	assert_int_equal(unlink(filler), 0);
	usleep(300 * 1000);
	push_range(r, 1000, 1100, 64);
	assert_int_equal(sl_logger_flush(lg, 10000), 0);
	sl_logger_stats(lg, &st2);
	assert_int_equal(st2.json_written, st.json_written + 100);
	assert_int_equal(st2.pcap_written, st.pcap_written + 100);
	assert_int_equal(st2.drop_disk_full, st.drop_disk_full);
	/* A full disk is counted, not an error of the logger. */
	assert_int_equal(sl_logger_stop(lg), 0);

	/*
	 * The file is whole lines, records in increasing order (those lost
	 * to the full disk missing), ending with the 100 written after it.
	 */
	buf = slurp(t.json, &len);
	assert_non_null(buf);
	assert_int_equal(buf[len - 1], '\n');
	i = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "\"sport\":");
		unsigned sp, dp;

		assert_int_equal(line[0], '{');
		assert_int_equal(line[strlen(line) - 1], '}');
		assert_non_null(p);
		assert_int_equal(sscanf(p, "\"sport\":%u,\"dport\":%u", &sp, &dp), 2);
		if (i && (dp << 16 | sp) <= next)
			fail_msg("record %u after %u", dp << 16 | sp, next);
		next = dp << 16 | sp;
		if (st2.json_written - (uint64_t)i <= 100)
			assert_int_equal(next, 1100 - (st2.json_written - (uint64_t)i));
		i++;
	}
	free(buf);
	assert_int_equal(i, st2.json_written);

	/* The capture file is whole too: libpcap reads every record written. */
	{
		struct pr_rec *recs = calloc(1200, sizeof(*recs));
		char err[256];
		int link, k;

		assert_non_null(recs);
		k = pr_read(t.pcap, recs, 1200, &link, err, sizeof(err));
		if (k < 0)
			fail_msg("libpcap: %s", err);
		assert_int_equal(k, st2.pcap_written);
		assert_int_equal(recs[k - 1].caplen, 64);
		assert_int_equal(recs[k - 1].data[0], (uint8_t)1099);
		free(recs);
	}
	/* The logger is stopped; the teardown unmounts. */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_io_uring),
		cmocka_unit_test(test_in_order_pwrite_env),
		cmocka_unit_test(test_fsync_interval),
		cmocka_unit_test(test_pwrite_by_config),
		cmocka_unit_test(test_rotation_size),
		cmocka_unit_test(test_rotation_age_and_restart),
		cmocka_unit_test(test_malformed_and_limits),
		cmocka_unit_test(test_buffers_in_pool),
		cmocka_unit_test(test_size_limit_io_uring),
		cmocka_unit_test(test_size_limit_pwrite),
	};
	const struct CMUnitTest root_tests[] = {
		cmocka_unit_test_teardown(test_disk_full, unmount_tmpfs),
	};
	const char *df = getenv("SLUICE_TEST_DISKFULL");

	if (df && df[0] == '1') {
		if (geteuid() != 0) {
			fprintf(stderr, "the disk-full test needs root (mount -t tmpfs)\n");
			return 1;
		}
		return cmocka_run_group_tests(root_tests, NULL, NULL);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
