/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The metrics text (control/metrics.c's renderer): exact samples for a
 * snapshot of known numbers, escaping of label values, sections left out
 * when their source is missing, a bounded buffer (every size too small is
 * -ENOSPC, never an overrun), and promtool's linter accepting the text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "control/metrics.h"

#define BIG (1u << 20)

static struct sl_metrics_snapshot *example(void)
{
	struct sl_metrics_snapshot *s = calloc(1, sizeof(*s));
	struct sl_ctl_place_info *pi;

	assert_non_null(s);
	s->version = "9.8.7";
	s->have_fw = true;
	s->stats.verdicts[SL_VERDICT_PASS] = (struct sl_counter){ 10, 980 };
	s->stats.verdicts[SL_VERDICT_DROP] = (struct sl_counter){ 4, 392 };
	s->stats.reasons[SL_REASON_RULE] = (struct sl_counter){ 3, 294 };
	s->stats.reasons[SL_REASON_DEFAULT_POLICY] = (struct sl_counter){ 1, 98 };
	s->stats.n_rules = 2;
	snprintf(s->stats.meta[0].name, sizeof(s->stats.meta[0].name), "drop-blocklist");
	s->stats.rules[0] = (struct sl_counter){ 3, 294 };
	snprintf(s->stats.meta[1].name, sizeof(s->stats.meta[1].name), "allow-web");
	s->stats.rules[1] = (struct sl_counter){ 18446744073709551615ull, 7 };
	/* Interfaces by ifindex, whatever order they are added in: one far above 1024 (gone), lo. */
	assert_non_null(sl_stats_iface_get(&s->stats, 50000));
	sl_stats_iface_get(&s->stats, 50000)->c[SL_VERDICT_PASS] = (struct sl_counter){ 7, 686 };
	assert_non_null(sl_stats_iface_get(&s->stats, 1));
	sl_stats_iface_get(&s->stats, 1)->c[SL_VERDICT_DROP] = (struct sl_counter){ 4, 392 };
	assert_int_equal(s->stats.n_ifaces, 2);
	assert_int_equal(s->stats.ifaces[0].ifindex, 1);
	assert_int_equal(s->stats.ifaces[1].ifindex, 50000);
	s->have_log = true;
	s->log[SL_LOG_STAT_EMITTED] = 50;
	s->log[SL_LOG_STAT_SAMPLED_OUT] = 5;
	s->log[SL_LOG_STAT_RING_FULL] = 2;
	s->have_logger = true;
	s->logger[SL_LOGGER_RECORDS] = 48;
	s->logger[SL_LOGGER_JSON_WRITTEN] = 47;
	s->logger[SL_LOGGER_PCAP_WRITTEN] = 6;
	s->logger[SL_LOGGER_BYTES_WRITTEN] = 12345;
	s->logger[SL_LOGGER_DROP_DISK_FULL] = 1;
	s->logger[SL_LOGGER_DISK_FULL] = 1;
	s->logger[SL_LOGGER_ROTATIONS] = 3;
	s->logger[SL_LOGGER_DROP_RING_FULL] = 9;
	s->logger[SL_LOGGER_AUDIT_RECORDS] = 4;
	s->logger[SL_LOGGER_AUDIT_WRITTEN] = 3;
	s->logger[SL_LOGGER_DROP_AUDIT_QUEUE] = 1;
	pi = &s->placement[0];
	snprintf(pi->name, sizeof(pi->name), "sl_dir24");
	pi->kind = SL_CTL_PLACE_MAP;
	snprintf(pi->pool, sizeof(pi->pool), "prefix_tables");
	snprintf(pi->tier, sizeof(pi->tier), "capacity");
	pi->nodes = 1ull << 1;
	pi->fell_back = false;
	pi->bytes = 1 << 20;
	pi->measured = true;
	pi->page_size = 4096;
	pi->pages = 256;
	pi->node_pages[1] = 250;
	pi->absent = 6;
	pi = &s->placement[1];
	snprintf(pi->name, sizeof(pi->name), "log \"buffers\"\\x");
	pi->kind = SL_CTL_PLACE_POOL;
	snprintf(pi->pool, sizeof(pi->pool), "log_buffers");
	snprintf(pi->tier, sizeof(pi->tier), "fast");
	pi->nodes = 1;
	pi->fell_back = true;
	pi->bytes = 8192;
	s->n_placement = 2;
	snprintf(s->workers[0].ifname, sizeof(s->workers[0].ifname), "sl-lt0");
	snprintf(s->workers[0].stages, sizeof(s->workers[0].stages), "inspect,reflect");
	s->workers[0].queue = 3;
	s->workers[0].cpu = 1;
	s->workers[0].running = 1;
	s->workers[0].rx_packets = 1000;
	s->workers[0].rx_bytes = 64000;
	s->workers[0].tx_packets = 990;
	s->workers[0].tx_bytes = 63360;
	s->workers[0].drop_stage = 7;
	s->workers[0].drop_undecided = 2;
	s->workers[0].drop_tx_full = 1;
	s->workers[0].batches = 40;
	s->workers[0].wakeups = 15;
	s->workers[0].polls = 12;
	s->workers[0].fill_empty = 5;
	s->workers[0].rx_ring_full = 4;
	s->workers[0].kernel_dropped = 3;
	s->workers[0].refill_starved = 6;
	s->workers[0].frames = 4096;
	s->workers[0].fr_free = 2000;
	s->workers[0].fr_fill = 2048;
	s->workers[0].fr_kernel = 48;
	s->n_workers = 1;
	return s;
}

static char *render(const struct sl_metrics_snapshot *s, size_t *len)
{
	char *buf = malloc(BIG);

	assert_non_null(buf);
	assert_int_equal(sl_metrics_render(s, buf, BIG, len), 0);
	assert_int_equal(strlen(buf), *len);
	return buf;
}

/* Whether line (a whole line, without its newline) is in text. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p++;
	}
	return false;
}

static void expect_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("missing line: %s\n--- text:\n%s", line, text);
}

static void test_samples(void **state)
{
	static const char *const lines[] = {
		"# HELP sluice_build_info The running sluiced's version (always 1).",
		"# TYPE sluice_build_info gauge",
		"sluice_build_info{version=\"9.8.7\"} 1",
		"# TYPE sluice_packets_total counter",
		"sluice_packets_total{verdict=\"pass\"} 10",
		"sluice_packets_total{verdict=\"drop\"} 4",
		"sluice_bytes_total{verdict=\"pass\"} 980",
		"sluice_bytes_total{verdict=\"drop\"} 392",
		"# TYPE sluice_reason_packets_total counter",
		"sluice_reason_packets_total{reason=\"rule\"} 3",
		"sluice_reason_packets_total{reason=\"default_policy\"} 1",
		"sluice_reason_packets_total{reason=\"eth_truncated\"} 0",
		"sluice_reason_bytes_total{reason=\"rule\"} 294",
		"sluice_rule_packets_total{rule=\"drop-blocklist\"} 3",
		"sluice_rule_packets_total{rule=\"allow-web\"} 18446744073709551615",
		"sluice_rule_bytes_total{rule=\"allow-web\"} 7",
		"sluice_log_events_emitted_total 50",
		"sluice_log_events_sampled_out_total 5",
		"sluice_log_events_dropped_total{source=\"xdp\",reason=\"ring_full\"} 2",
		"sluice_log_events_dropped_total{source=\"xdp\",reason=\"rate_limited\"} 0",
		"sluice_log_events_dropped_total{source=\"worker\",reason=\"ring_full\"} 9",
		"sluice_log_events_dropped_total{source=\"logger\",reason=\"disk_full\"} 1",
		"sluice_logger_records_total 48",
		"sluice_logger_written_records_total{output=\"json\"} 47",
		"sluice_logger_written_records_total{output=\"pcap\"} 6",
		"sluice_logger_written_bytes_total 12345",
		"sluice_logger_disk_full_total 1",
		"sluice_logger_rotations_total 3",
		"sluice_logger_written_records_total{output=\"audit\"} 3",
		"sluice_audit_records_total 4",
		"sluice_audit_records_dropped_total{reason=\"queue_full\"} 1",
		"sluice_audit_records_dropped_total{reason=\"write_error\"} 0",
		"# TYPE sluice_memory_bytes gauge",
		"sluice_memory_bytes{name=\"sl_dir24\",kind=\"map\",pool=\"prefix_tables\",tier=\"capacity\"} 1048576",
		"sluice_memory_bytes{name=\"log \\\"buffers\\\"\\\\x\",kind=\"pool\",pool=\"log_buffers\",tier=\"fast\"} 8192",
		"sluice_memory_node_info{name=\"sl_dir24\",node=\"1\"} 1",
		"sluice_memory_node_info{name=\"log \\\"buffers\\\"\\\\x\",node=\"0\"} 1",
		"sluice_memory_fell_back{name=\"sl_dir24\"} 0",
		"sluice_memory_fell_back{name=\"log \\\"buffers\\\"\\\\x\"} 1",
		"sluice_memory_page_size_bytes{name=\"sl_dir24\"} 4096",
		"sluice_memory_pages{name=\"sl_dir24\",node=\"1\"} 250",
		"sluice_memory_absent_pages{name=\"sl_dir24\"} 6",
		"sluice_worker_info{interface=\"sl-lt0\",queue=\"3\",cpu=\"1\",mode=\"copy\",stages=\"inspect,reflect\"} 1",
		"sluice_worker_running{interface=\"sl-lt0\",queue=\"3\"} 1",
		"# TYPE sluice_worker_rx_packets_total counter",
		"sluice_worker_rx_packets_total{interface=\"sl-lt0\",queue=\"3\"} 1000",
		"sluice_worker_rx_bytes_total{interface=\"sl-lt0\",queue=\"3\"} 64000",
		"sluice_worker_tx_packets_total{interface=\"sl-lt0\",queue=\"3\"} 990",
		"sluice_worker_tx_bytes_total{interface=\"sl-lt0\",queue=\"3\"} 63360",
		"sluice_worker_drops_total{interface=\"sl-lt0\",queue=\"3\",reason=\"stage\"} 7",
		"sluice_worker_drops_total{interface=\"sl-lt0\",queue=\"3\",reason=\"undecided\"} 2",
		"sluice_worker_drops_total{interface=\"sl-lt0\",queue=\"3\",reason=\"tx_full\"} 1",
		"sluice_worker_kernel_drops_total{interface=\"sl-lt0\",queue=\"3\",reason=\"rx_ring_full\"} 4",
		"sluice_worker_kernel_drops_total{interface=\"sl-lt0\",queue=\"3\",reason=\"other\"} 3",
		"sluice_worker_wakeups_total{interface=\"sl-lt0\",queue=\"3\"} 15",
		"sluice_worker_polls_total{interface=\"sl-lt0\",queue=\"3\"} 12",
		"sluice_worker_fill_empty_total{interface=\"sl-lt0\",queue=\"3\"} 5",
		"sluice_worker_refill_starved_total{interface=\"sl-lt0\",queue=\"3\"} 6",
		"sluice_worker_frame_miscounts_total{interface=\"sl-lt0\",queue=\"3\"} 0",
		"# TYPE sluice_worker_batch_size summary",
		"sluice_worker_batch_size_sum{interface=\"sl-lt0\",queue=\"3\"} 1000",
		"sluice_worker_batch_size_count{interface=\"sl-lt0\",queue=\"3\"} 40",
		"sluice_worker_frames{interface=\"sl-lt0\",queue=\"3\",place=\"free\"} 2000",
		"sluice_worker_frames{interface=\"sl-lt0\",queue=\"3\",place=\"fill_ring\"} 2048",
		"sluice_worker_frames{interface=\"sl-lt0\",queue=\"3\",place=\"kernel\"} 48",
		"sluice_worker_frames{interface=\"sl-lt0\",queue=\"3\",place=\"in_hand\"} 0",
	};
	struct sl_metrics_snapshot *s = example();
	size_t len, i;
	char *text;

	(void)state;
	text = render(s, &len);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_line(text, lines[i]);
	expect_line(text, "sluice_interface_packets_total{interface=\"lo\",verdict=\"drop\"} 4");
	expect_line(text, "sluice_interface_bytes_total{interface=\"lo\",verdict=\"drop\"} 392");
	expect_line(text, "sluice_interface_packets_total{interface=\"ifindex-50000\",verdict=\"pass\"} 7");
	expect_line(text, "sluice_interface_bytes_total{interface=\"ifindex-50000\",verdict=\"pass\"} 686");
	assert_true(strstr(text, "interface=\"lo\"") < strstr(text, "interface=\"ifindex-50000\""));
	/* Reason 0 is never counted; an unmeasured pool has no pages; node 0 of sl_dir24 is empty. */
	assert_null(strstr(text, "reason=\"none\""));
	assert_null(strstr(text, "sluice_memory_pages{name=\"log"));
	assert_false(has_line(text, "sluice_memory_pages{name=\"sl_dir24\",node=\"0\"} 0"));
	/* Every line is a comment or a sample, and the text ends with a newline. */
	assert_int_equal(text[len - 1], '\n');
	free(text);
	free(s);
}

static void test_missing_sources(void **state)
{
	struct sl_metrics_snapshot *s = calloc(1, sizeof(*s));
	size_t len;
	char *text;

	(void)state;
	assert_non_null(s);
	text = render(s, &len);
	expect_line(text, "sluice_build_info{version=\"\"} 1");
	assert_null(strstr(text, "sluice_packets_total"));
	assert_null(strstr(text, "sluice_log_"));
	assert_null(strstr(text, "sluice_logger_"));
	assert_null(strstr(text, "sluice_memory_"));
	free(text);

	/* The program's event counters without a logger: only the xdp drops. */
	s->have_log = true;
	s->log[SL_LOG_STAT_TOO_MANY] = 7;
	text = render(s, &len);
	expect_line(text, "sluice_log_events_dropped_total{source=\"xdp\",reason=\"too_many\"} 7");
	assert_null(strstr(text, "source=\"logger\""));
	assert_null(strstr(text, "sluice_logger_"));
	free(text);

	/* A firewall without rules: no empty rule families. */
	s->have_fw = true;
	text = render(s, &len);
	expect_line(text, "sluice_packets_total{verdict=\"pass\"} 0");
	assert_null(strstr(text, "sluice_rule_"));
	free(text);
	free(s);
}

static void test_bounded(void **state)
{
	struct sl_metrics_snapshot *s = example();
	size_t len, full, size;
	char *text, *buf;

	(void)state;
	text = render(s, &full);
	/* Exactly full + 1 bytes fit; every smaller buffer is refused and not overrun (ASan). */
	for (size = 0; size <= full; size++) {
		buf = malloc(size ? size : 1);
		assert_non_null(buf);
		assert_int_equal(sl_metrics_render(s, buf, size, &len), -ENOSPC);
		assert_int_equal(len, 0);
		free(buf);
	}
	buf = malloc(full + 1);
	assert_non_null(buf);
	assert_int_equal(sl_metrics_render(s, buf, full + 1, &len), 0);
	assert_int_equal(len, full);
	assert_memory_equal(buf, text, full + 1);
	free(buf);
	free(text);
	free(s);
}

/* 1024 rules with the longest names: the text stays well-formed and bounded. */
static void test_many_rules(void **state)
{
	struct sl_metrics_snapshot *s = example();
	size_t len, i;
	char *text, line[256];

	(void)state;
	s->stats.n_rules = SL_MAX_RULES;
	for (i = 0; i < SL_MAX_RULES; i++) {
		memset(s->stats.meta[i].name, 'a', SL_RULE_NAME_LEN - 1);
		snprintf(s->stats.meta[i].name, 8, "r%05zu", i);
		s->stats.meta[i].name[6] = 'x';
		s->stats.meta[i].name[SL_RULE_NAME_LEN - 1] = '\0';
		s->stats.rules[i] = (struct sl_counter){ i, i * 100 };
	}
	text = render(s, &len);
	assert_true(len < BIG);
	snprintf(line, sizeof(line), "sluice_rule_bytes_total{rule=\"%s\"} %u", s->stats.meta[1023].name,
		 1023 * 100);
	expect_line(text, line);
	free(text);
	free(s);
}

/* Prometheus's own linter (Debian's prometheus package) accepts the text. */
static void test_promtool(void **state)
{
	struct sl_metrics_snapshot *s = example();
	size_t len;
	char *text;
	FILE *p;
	int st;

	(void)state;
	text = render(s, &len);
	p = popen("promtool check metrics", "w");
	assert_non_null(p);
	assert_int_equal(fwrite(text, 1, len, p), len);
	st = pclose(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("promtool check metrics refused the text (status %d; is promtool installed?)", st);
	free(text);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_missing_sources),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_many_rules),
		cmocka_unit_test(test_promtool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
