/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `sluicectl log tail` (control/cli_log.h): filters on JSON lines, the
 * text form of an event, and the last lines of a file that is still
 * being written.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/cli_log.h"

static const char ev4[] =
	"{\"time\":\"2026-11-26T08:10:05.000000042Z\",\"ts_ns\":1,\"source\":\"xdp\",\"type\":\"packet\","
	"\"verdict\":\"drop\",\"reason\":\"rule\",\"rule\":1,\"rule_name\":\"deny-ssh\",\"ifindex\":3,"
	"\"rx_queue\":0,\"len\":60,\"family\":4,\"proto\":6,\"src\":\"198.18.0.1\",\"dst\":\"198.19.0.2\","
	"\"sport\":40000,\"dport\":22,\"tcp_flags\":2,\"frag\":false,\"captured\":40}";
static const char ev6[] =
	"{\"time\":\"2026-11-26T08:10:06.000000000Z\",\"ts_ns\":2,\"source\":\"xdp\",\"type\":\"packet\","
	"\"verdict\":\"count\",\"reason\":\"none\",\"rule\":null,\"rule_name\":null,\"ifindex\":3,"
	"\"rx_queue\":0,\"len\":90,\"family\":6,\"proto\":58,\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\","
	"\"icmp_type\":128,\"frag\":false,\"captured\":0}";

static void test_filters(void **state)
{
	struct sl_log_filter f = { 0 };
	int i;

	(void)state;
	assert_true(sl_log_filter_match(&f, ev4, strlen(ev4)));
	assert_false(sl_log_filter_match(&f, "not json", 8));
	assert_false(sl_log_filter_match(&f, "[1]", 3));
	assert_int_equal(sl_log_filter_add(&f, "verdict"), -EINVAL);
	assert_int_equal(sl_log_filter_add(&f, "=drop"), -EINVAL);
	assert_int_equal(sl_log_filter_add(&f, "verdict=drop"), 0);
	assert_true(sl_log_filter_match(&f, ev4, strlen(ev4)));
	assert_false(sl_log_filter_match(&f, ev6, strlen(ev6)));
	assert_int_equal(sl_log_filter_add(&f, "dport=22"), 0);
	assert_true(sl_log_filter_match(&f, ev4, strlen(ev4)));
	assert_int_equal(sl_log_filter_add(&f, "frag=false"), 0);
	assert_true(sl_log_filter_match(&f, ev4, strlen(ev4)));
	assert_int_equal(sl_log_filter_add(&f, "rule_name=deny-telnet"), 0);
	assert_false(sl_log_filter_match(&f, ev4, strlen(ev4)));

	memset(&f, 0, sizeof(f));
	assert_int_equal(sl_log_filter_add(&f, "rule_name=null"), 0);
	assert_true(sl_log_filter_match(&f, ev6, strlen(ev6)));
	/* A field the line lacks never matches. */
	assert_int_equal(sl_log_filter_add(&f, "dport=22"), 0);
	assert_false(sl_log_filter_match(&f, ev6, strlen(ev6)));
	for (i = (int)f.n; i < SL_LOG_MAX_FILTERS; i++)
		assert_int_equal(sl_log_filter_add(&f, "a=b"), 0);
	assert_int_equal(sl_log_filter_add(&f, "a=b"), -E2BIG);
}

static void test_format(void **state)
{
	char out[256];

	(void)state;
	assert_true(sl_log_format(ev4, strlen(ev4), out, sizeof(out)) > 0);
	assert_string_equal(out, "2026-11-26T08:10:05.000000042Z drop  deny-ssh             tcp    "
				 "198.18.0.1:40000 > 198.19.0.2:22 len 60 capture 40");
	assert_true(sl_log_format(ev6, strlen(ev6), out, sizeof(out)) > 0);
	assert_string_equal(out, "2026-11-26T08:10:06.000000000Z count -                    icmpv6 "
				 "2001:db8::1 > 2001:db8::2 len 90");
	assert_int_equal(sl_log_format("{}", 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(sl_log_format("x", 1, out, sizeof(out)), -EINVAL);
	/* Truncated, never overrun. */
	assert_int_equal(sl_log_format(ev4, strlen(ev4), out, 10), 9);
	assert_int_equal(strlen(out), 9);
}

/* The command on a file whose last line is still being written. */
static void test_tail_file(void **state)
{
	char path[] = "/tmp/sl-tail-XXXXXX", outp[] = "/tmp/sl-tail-out-XXXXXX", buf[8192];
	char *argv[] = { "tail", "-n", "2", "--filter", "verdict=drop", "--file", path, NULL };
	int fd, ofd, saved, rc, i;
	FILE *fp;
	size_t n;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	for (i = 0; i < 5; i++)
		fprintf(fp, "%s\n%s\n", ev4, ev6);
	fprintf(fp, "{\"verdict\":\"drop\",\"partial");
	fclose(fp);
	ofd = mkstemp(outp);
	assert_true(ofd >= 0);
	fflush(stdout);
	saved = dup(1);
	dup2(ofd, 1);
	rc = sl_cli_log(true, NULL, 7, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(rc, 0);
	lseek(ofd, 0, SEEK_SET);
	n = (size_t)read(ofd, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	close(ofd);
	unlink(outp);
	unlink(path);
	/* Two whole drop lines, the partial one left out. */
	{
		char want[4096];

		snprintf(want, sizeof(want), "%s\n%s\n", ev4, ev4);
		assert_string_equal(buf, want);
	}
}

/* Reads from fd until want lines arrived or 5 s passed. */
static size_t read_lines(int fd, char *buf, size_t size, int want)
{
	size_t n = 0;
	int lines = 0, tries;

	for (tries = 0; tries < 500 && lines < want; tries++) {
		ssize_t r = read(fd, buf + n, size - 1 - n);

		if (r > 0) {
			size_t i;

			for (i = n; i < n + (size_t)r; i++)
				lines += buf[i] == '\n';
			n += (size_t)r;
		} else {
			usleep(10000);
		}
	}
	buf[n] = '\0';
	return n;
}

/* -f prints lines as they are appended, and follows the file across a rotation. */
static void test_follow_rotation(void **state)
{
	char dir[] = "/tmp/sl-follow-XXXXXX", path[128], old[160], buf[16384], want[8192];
	int pfd[2], status;
	pid_t pid;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.json", dir);
	snprintf(old, sizeof(old), "%s.20261126T081005.000000000Z", path);
	fp = fopen(path, "w");
	fprintf(fp, "%s\n", ev4);
	fclose(fp);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "tail", "-f", "-n", "1", "--file", path, NULL };

		dup2(pfd[1], 1);
		close(pfd[0]);
		_exit(sl_cli_log(true, NULL, 6, argv));
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	read_lines(pfd[0], buf, sizeof(buf), 1);
	snprintf(want, sizeof(want), "%s\n", ev4);
	assert_string_equal(buf, want);

	/* Appended, then rotated (renamed, a new file), then written to the new one. */
	fp = fopen(path, "a");
	fprintf(fp, "%s\n", ev6);
	fclose(fp);
	read_lines(pfd[0], buf, sizeof(buf), 1);
	snprintf(want, sizeof(want), "%s\n", ev6);
	assert_string_equal(buf, want);
	fp = fopen(path, "a");
	fprintf(fp, "%s\n", ev4);
	fclose(fp);
	assert_int_equal(rename(path, old), 0);
	fp = fopen(path, "w");
	fprintf(fp, "%s\n", ev6);
	fclose(fp);
	read_lines(pfd[0], buf, sizeof(buf), 2);
	snprintf(want, sizeof(want), "%s\n%s\n", ev4, ev6);
	assert_string_equal(buf, want);

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(pfd[0]);
	unlink(path);
	unlink(old);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_tail_file),
		cmocka_unit_test(test_follow_rotation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
