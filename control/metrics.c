/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "metrics.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataplane/log.h"
#include "dataplane/logger.h"
#include "version.h"

/* ---------------------------------------------------------------- rendering */

/* An append-only text buffer; once it overflows, every later append is dropped. */
struct text {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};

static void __attribute__((format(printf, 2, 3))) put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->len) {
		t->full = true;
		t->buf[t->len] = '\0';
		return;
	}
	t->len += (size_t)n;
}

/* A label value in quotes, with the format's three escapes (\\, \", \n). */
static void put_value(struct text *t, const char *v)
{
	put(t, "\"");
	for (; *v && !t->full; v++) {
		if (*v == '\\')
			put(t, "\\\\");
		else if (*v == '"')
			put(t, "\\\"");
		else if (*v == '\n')
			put(t, "\\n");
		else
			put(t, "%c", *v);
	}
	put(t, "\"");
}

static void family(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample with a single label: NAME{LABEL="VALUE"} V. */
static void sample1(struct text *t, const char *name, const char *label, const char *value,
		    uint64_t v)
{
	put(t, "%s{%s=", name, label);
	put_value(t, value);
	put(t, "} %" PRIu64 "\n", v);
}

/* One sample with two labels. */
static void sample2(struct text *t, const char *name, const char *l1, const char *v1,
		    const char *l2, const char *v2, uint64_t v)
{
	put(t, "%s{%s=", name, l1);
	put_value(t, v1);
	put(t, ",%s=", l2);
	put_value(t, v2);
	put(t, "} %" PRIu64 "\n", v);
}

/*
 * Per ingress interface and verdict, for the interfaces that counted a
 * packet, in ifindex order (named as they are now).
 */
static void render_ifaces(struct text *t, const struct sl_stats *st)
{
	char buf[SL_STATS_IFNAME_LEN];
	bool any = false;
	uint32_t i, v, pass;

	for (i = 0; i < st->n_ifaces && !any; i++)
		any = sl_stats_iface_seen(&st->ifaces[i]);
	if (!any)
		return;
	for (pass = 0; pass < 2; pass++) {
		const char *name = pass ? "sluice_interface_bytes_total" : "sluice_interface_packets_total";

		family(t, name, "counter",
		       pass ? "Bytes of the packets of sluice_interface_packets_total."
			    : "Packets the XDP program saw, by ingress interface and verdict.");
		for (i = 0; i < st->n_ifaces; i++) {
			const struct sl_stats_iface *e = &st->ifaces[i];

			if (!sl_stats_iface_seen(e))
				continue;
			for (v = 0; v < SL_VERDICT_COUNT; v++)
				sample2(t, name, "interface", sl_stats_iface_name(e->ifindex, buf),
					"verdict", sl_verdict_name(v),
					pass ? e->c[v].bytes : e->c[v].packets);
		}
	}
}

static void render_fw(struct text *t, const struct sl_stats *st)
{
	uint32_t i;

	family(t, "sluice_packets_total", "counter",
	       "Packets the XDP program saw, by verdict (pass: to the kernel stack).");
	for (i = 0; i < SL_VERDICT_COUNT; i++)
		sample1(t, "sluice_packets_total", "verdict", sl_verdict_name(i), st->verdicts[i].packets);
	family(t, "sluice_bytes_total", "counter",
	       "Bytes (frame length, Ethernet header included) the XDP program saw, by verdict.");
	for (i = 0; i < SL_VERDICT_COUNT; i++)
		sample1(t, "sluice_bytes_total", "verdict", sl_verdict_name(i), st->verdicts[i].bytes);
	/* Reason 0 (none) is never counted: a packet with no reason was not dropped. */
	family(t, "sluice_reason_packets_total", "counter",
	       "Packets dropped, by reason; malformed ones are counted whatever the malformed policy.");
	for (i = 1; i < SL_REASON_COUNT; i++)
		sample1(t, "sluice_reason_packets_total", "reason", sl_reason_name(i),
			st->reasons[i].packets);
	family(t, "sluice_reason_bytes_total", "counter", "Bytes of the packets of sluice_reason_packets_total.");
	for (i = 1; i < SL_REASON_COUNT; i++)
		sample1(t, "sluice_reason_bytes_total", "reason", sl_reason_name(i), st->reasons[i].bytes);
	render_ifaces(t, st);
	if (!st->n_rules)
		return;
	family(t, "sluice_rule_packets_total", "counter",
	       "Packets each rule matched where the walk reached it.");
	for (i = 0; i < st->n_rules && i < SL_MAX_RULES; i++)
		sample1(t, "sluice_rule_packets_total", "rule", st->meta[i].name, st->rules[i].packets);
	family(t, "sluice_rule_bytes_total", "counter", "Bytes of the packets of sluice_rule_packets_total.");
	for (i = 0; i < st->n_rules && i < SL_MAX_RULES; i++)
		sample1(t, "sluice_rule_bytes_total", "rule", st->meta[i].name, st->rules[i].bytes);
}

static void render_log(struct text *t, const struct sl_metrics_snapshot *s)
{
	static const struct {
		const char *source, *reason;
		bool logger; /* in s->logger, else in s->log */
		unsigned int idx;
	} drops[] = {
		{ "xdp", "rate_limited", false, SL_LOG_STAT_RATE_LIMITED },
		{ "xdp", "ring_full", false, SL_LOG_STAT_RING_FULL },
		{ "xdp", "too_many", false, SL_LOG_STAT_TOO_MANY },
		{ "worker", "ring_full", true, SL_LOGGER_DROP_RING_FULL },
		{ "logger", "disk_full", true, SL_LOGGER_DROP_DISK_FULL },
		{ "logger", "io_error", true, SL_LOGGER_DROP_IO_ERROR },
		{ "logger", "malformed", true, SL_LOGGER_DROP_DECODE },
	};
	size_t i;

	if (s->have_log) {
		family(t, "sluice_log_events_emitted_total", "counter",
		       "Events the XDP program put into its ring buffer for rules with log or capture.");
		put(t, "sluice_log_events_emitted_total %" PRIu64 "\n", s->log[SL_LOG_STAT_EMITTED]);
		family(t, "sluice_log_events_sampled_out_total", "counter",
		       "Matches of logging rules skipped by 1/N sampling (by design, not a loss).");
		put(t, "sluice_log_events_sampled_out_total %" PRIu64 "\n",
		    s->log[SL_LOG_STAT_SAMPLED_OUT]);
	}
	if (s->have_log || s->have_logger) {
		family(t, "sluice_log_events_dropped_total", "counter",
		       "Events lost, by where (xdp, worker, logger) and why.");
		for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
			if (drops[i].logger ? !s->have_logger : !s->have_log)
				continue;
			sample2(t, "sluice_log_events_dropped_total", "source", drops[i].source, "reason",
				drops[i].reason,
				drops[i].logger ? s->logger[drops[i].idx] : s->log[drops[i].idx]);
		}
	}
	if (!s->have_logger)
		return;
	family(t, "sluice_logger_records_total", "counter", "Events the logger took from its sources.");
	put(t, "sluice_logger_records_total %" PRIu64 "\n", s->logger[SL_LOGGER_RECORDS]);
	family(t, "sluice_logger_written_records_total", "counter",
	       "Records the logger wrote, by output (json: JSON lines, pcap: captures).");
	sample1(t, "sluice_logger_written_records_total", "output", "json",
		s->logger[SL_LOGGER_JSON_WRITTEN]);
	sample1(t, "sluice_logger_written_records_total", "output", "pcap",
		s->logger[SL_LOGGER_PCAP_WRITTEN]);
	sample1(t, "sluice_logger_written_records_total", "output", "audit",
		s->logger[SL_LOGGER_AUDIT_WRITTEN]);
	family(t, "sluice_logger_written_bytes_total", "counter", "Bytes the logger wrote to its files.");
	put(t, "sluice_logger_written_bytes_total %" PRIu64 "\n", s->logger[SL_LOGGER_BYTES_WRITTEN]);
	family(t, "sluice_logger_disk_full_total", "counter", "Writes of the logger that hit a full disk.");
	put(t, "sluice_logger_disk_full_total %" PRIu64 "\n", s->logger[SL_LOGGER_DISK_FULL]);
	family(t, "sluice_logger_rotations_total", "counter", "Log and capture files rotated.");
	put(t, "sluice_logger_rotations_total %" PRIu64 "\n", s->logger[SL_LOGGER_ROTATIONS]);
	/* Audit losses apart: a failed audit write is also in the logger's io_error or disk_full. */
	family(t, "sluice_audit_records_total", "counter",
	       "Audit records of control changes the logger took from the daemon's queue.");
	put(t, "sluice_audit_records_total %" PRIu64 "\n", s->logger[SL_LOGGER_AUDIT_RECORDS]);
	family(t, "sluice_audit_records_dropped_total", "counter", "Audit records lost, by reason.");
	sample1(t, "sluice_audit_records_dropped_total", "reason", "queue_full",
		s->logger[SL_LOGGER_DROP_AUDIT_QUEUE]);
	sample1(t, "sluice_audit_records_dropped_total", "reason", "write_error",
		s->logger[SL_LOGGER_DROP_AUDIT_WRITE]);
}

static void render_placement(struct text *t, const struct sl_metrics_snapshot *s)
{
	size_t i, n = s->n_placement < SL_METRICS_MAX_PLACED ? s->n_placement : SL_METRICS_MAX_PLACED;
	unsigned int node;
	char id[16];

	if (!n)
		return;
	family(t, "sluice_memory_bytes", "gauge",
	       "Bytes of each large BPF map and memory pool, with its kind, memory pool and the tier "
	       "its config asked for.");
	for (i = 0; i < n; i++) {
		const struct sl_ctl_place_info *pi = &s->placement[i];

		put(t, "sluice_memory_bytes{name=");
		put_value(t, pi->name);
		put(t, ",kind=");
		put_value(t, sl_ctl_place_kind_name(pi->kind));
		put(t, ",pool=");
		put_value(t, pi->pool);
		put(t, ",tier=");
		put_value(t, pi->tier);
		put(t, "} %" PRIu64 "\n", pi->bytes);
	}
	family(t, "sluice_memory_node_info", "gauge",
	       "The NUMA nodes each map or pool was placed on (always 1).");
	for (i = 0; i < n; i++)
		for (node = 0; node < SL_CTL_PLACE_NODES; node++)
			if (s->placement[i].nodes & (1ULL << node)) {
				snprintf(id, sizeof(id), "%u", node);
				sample2(t, "sluice_memory_node_info", "name", s->placement[i].name, "node",
					id, 1);
			}
	family(t, "sluice_memory_fell_back", "gauge",
	       "1 when the tier a map or pool asked for was missing and it went to the fast tier.");
	for (i = 0; i < n; i++)
		sample1(t, "sluice_memory_fell_back", "name", s->placement[i].name,
			s->placement[i].fell_back ? 1 : 0);
	/* Pages exist only for what move_pages can measure: pools and mmapable maps. */
	for (i = 0; i < n && !s->placement[i].measured; i++)
		;
	if (i == n)
		return;
	family(t, "sluice_memory_page_size_bytes", "gauge", "Page size of each measured map or pool.");
	for (i = 0; i < n; i++)
		if (s->placement[i].measured)
			sample1(t, "sluice_memory_page_size_bytes", "name", s->placement[i].name,
				s->placement[i].page_size);
	family(t, "sluice_memory_pages", "gauge",
	       "Pages of each measured map or pool found on each NUMA node (move_pages).");
	for (i = 0; i < n; i++) {
		const struct sl_ctl_place_info *pi = &s->placement[i];

		if (!pi->measured)
			continue;
		for (node = 0; node < SL_CTL_PLACE_NODES; node++)
			if (pi->node_pages[node]) {
				snprintf(id, sizeof(id), "%u", node);
				sample2(t, "sluice_memory_pages", "name", pi->name, "node", id,
					pi->node_pages[node]);
			}
	}
	family(t, "sluice_memory_absent_pages", "gauge",
	       "Pages of each measured map or pool that are not in memory (never touched or swapped).");
	for (i = 0; i < n; i++)
		if (s->placement[i].measured)
			sample1(t, "sluice_memory_absent_pages", "name", s->placement[i].name,
				s->placement[i].absent);
}

/* One sample of a worker's: NAME{interface="IF",queue="Q"[,LABEL="VALUE"]} V. */
static void wsample(struct text *t, const char *name, const struct sl_ctl_worker *w,
		    const char *label, const char *value, uint64_t v)
{
	put(t, "%s{interface=", name);
	put_value(t, w->ifname);
	put(t, ",queue=\"%u\"", w->queue);
	if (label) {
		put(t, ",%s=", label);
		put_value(t, value);
	}
	put(t, "} %" PRIu64 "\n", v);
}

/*
 * The dataplane workers (docs/dataplane.md), one series per worker by
 * interface and queue: the counters `sluicectl status` shows, from the
 * same snapshot.
 */
static void render_workers(struct text *t, const struct sl_metrics_snapshot *s)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
#define C(n, f, h) { "sluice_worker_" n, h, offsetof(struct sl_ctl_worker, f) }
		C("rx_packets_total", rx_packets, "Packets a dataplane worker received from its socket."),
		C("rx_bytes_total", rx_bytes, "Bytes of the packets of sluice_worker_rx_packets_total."),
		C("tx_packets_total", tx_packets, "Packets a dataplane worker transmitted."),
		C("tx_bytes_total", tx_bytes, "Bytes of the packets of sluice_worker_tx_packets_total."),
		C("wakeups_total", wakeups,
		  "System calls a worker made because a ring asked for one (need_wakeup), or busy polls."),
		C("polls_total", polls, "Times an idle worker waited for packets."),
		C("fill_empty_total", fill_empty,
		  "Times the kernel found the worker's fill ring empty (XDP_STATISTICS)."),
		C("refill_starved_total", refill_starved,
		  "Refills that found the fill ring with room and no free frame."),
		C("frame_miscounts_total", acct_failures,
		  "Counter publications whose frame accounting did not add up (0 unless a frame leaked)."),
#undef C
	};
	static const struct {
		const char *label; /* the value of its label: reason or place */
		size_t off;
	} drops[] = {
		{ "stage", offsetof(struct sl_ctl_worker, drop_stage) },
		{ "undecided", offsetof(struct sl_ctl_worker, drop_undecided) },
		{ "tx_full", offsetof(struct sl_ctl_worker, drop_tx_full) },
	}, kdrops[] = {
		{ "rx_ring_full", offsetof(struct sl_ctl_worker, rx_ring_full) },
		{ "other", offsetof(struct sl_ctl_worker, kernel_dropped) },
	}, frames[] = {
		{ "free", offsetof(struct sl_ctl_worker, fr_free) },
		{ "in_hand", offsetof(struct sl_ctl_worker, fr_in_hand) },
		{ "fill_ring", offsetof(struct sl_ctl_worker, fr_fill) },
		{ "kernel", offsetof(struct sl_ctl_worker, fr_kernel) },
		{ "completion_ring", offsetof(struct sl_ctl_worker, fr_comp) },
	};
	size_t i, k, n = s->n_workers < SL_METRICS_MAX_WORKERS ? s->n_workers : SL_METRICS_MAX_WORKERS;
	const struct sl_ctl_worker *w;
	char cpu[16];
	uint64_t v;

	if (!n)
		return;
	family(t, "sluice_worker_info", "gauge",
	       "A dataplane worker (always 1): its CPU, socket mode and stages.");
	for (i = 0; i < n; i++) {
		w = &s->workers[i];
		snprintf(cpu, sizeof(cpu), "%u", w->cpu);
		put(t, "sluice_worker_info{interface=");
		put_value(t, w->ifname);
		put(t, ",queue=\"%u\",cpu=", w->queue);
		put_value(t, cpu);
		put(t, ",mode=");
		put_value(t, w->zero_copy ? "zero-copy" : "copy");
		put(t, ",stages=");
		put_value(t, w->stages);
		put(t, "} 1\n");
	}
	family(t, "sluice_worker_running", "gauge", "1 while the worker's thread is in its loop.");
	for (i = 0; i < n; i++)
		wsample(t, "sluice_worker_running", &s->workers[i], NULL, NULL, s->workers[i].running);
	for (k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		family(t, counters[k].name, "counter", counters[k].help);
		for (i = 0; i < n; i++) {
			memcpy(&v, (const uint8_t *)&s->workers[i] + counters[k].off, sizeof(v));
			wsample(t, counters[k].name, &s->workers[i], NULL, NULL, v);
		}
	}
	family(t, "sluice_worker_drops_total", "counter",
	       "Packets a worker dropped, by reason: stage (a stage decided drop), undecided (no stage "
	       "decided), tx_full (no room on the TX ring).");
	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof(drops) / sizeof(drops[0]); k++) {
			memcpy(&v, (const uint8_t *)&s->workers[i] + drops[k].off, sizeof(v));
			wsample(t, "sluice_worker_drops_total", &s->workers[i], "reason", drops[k].label, v);
		}
	family(t, "sluice_worker_kernel_drops_total", "counter",
	       "Packets the kernel dropped at the worker's socket (XDP_STATISTICS), by reason.");
	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof(kdrops) / sizeof(kdrops[0]); k++) {
			memcpy(&v, (const uint8_t *)&s->workers[i] + kdrops[k].off, sizeof(v));
			wsample(t, "sluice_worker_kernel_drops_total", &s->workers[i], "reason",
				kdrops[k].label, v);
		}
	/* A summary without quantiles: rate(_sum) / rate(_count) is the mean burst. */
	family(t, "sluice_worker_batch_size", "summary",
	       "Packets per non-empty receive burst: _sum packets, _count bursts.");
	for (i = 0; i < n; i++) {
		wsample(t, "sluice_worker_batch_size_sum", &s->workers[i], NULL, NULL,
			s->workers[i].rx_packets);
		wsample(t, "sluice_worker_batch_size_count", &s->workers[i], NULL, NULL,
			s->workers[i].batches);
	}
	family(t, "sluice_worker_frames", "gauge",
	       "The worker's UMEM frames by place; they add up to its frame count.");
	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof(frames) / sizeof(frames[0]); k++) {
			memcpy(&v, (const uint8_t *)&s->workers[i] + frames[k].off, sizeof(v));
			wsample(t, "sluice_worker_frames", &s->workers[i], "place", frames[k].label, v);
		}
}

int sl_metrics_render(const struct sl_metrics_snapshot *s, char *buf, size_t size, size_t *len)
{
	struct text t = { .buf = buf, .size = size };

	*len = 0;
	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	family(&t, "sluice_build_info", "gauge", "The running sluiced's version (always 1).");
	sample1(&t, "sluice_build_info", "version", s->version ? s->version : "", 1);
	if (s->have_fw)
		render_fw(&t, &s->stats);
	render_log(&t, s);
	render_placement(&t, s);
	render_workers(&t, s);
	if (t.full)
		return -ENOSPC;
	*len = t.len;
	return 0;
}

/* ------------------------------------------------------------------- server */

#define BUF_START (64u << 10)
#define BUF_MAX (16u << 20) /* far beyond SL_MAX_RULES rules with the longest names */
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct sl_metrics {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock; /* src, snap and buf: one scrape at a time */
	struct sl_metrics_source src;
	bool have_src;
	struct sl_metrics_snapshot *snap;
	char *buf;
	size_t cap;
};

/* Reads what the source offers into m->snap; what cannot be read is left out. Under m->lock. */
static void fill_snapshot(struct sl_metrics *m)
{
	struct sl_metrics_snapshot *s = m->snap;
	const struct sl_metrics_source *src = &m->src;
	struct sl_logger_counters lc;
	uint32_t key = 0;
	unsigned int i;

	s->version = sl_version;
	s->have_fw = s->have_log = s->have_logger = false;
	s->n_placement = 0;
	s->n_workers = 0;
	if (!m->have_src)
		return;
	if (src->stats.verdicts >= 0 && src->stats.reasons >= 0 && src->stats.rule_stats >= 0 &&
	    src->stats.rule_meta >= 0)
		s->have_fw = !sl_stats_read(&src->stats, &s->stats);
	if (src->log_stats_fd >= 0)
		s->have_log = !sl_log_stats_read(src->log_stats_fd, s->log);
	if (src->logger_stats_fd >= 0 && !bpf_map_lookup_elem(src->logger_stats_fd, &key, &lc)) {
		for (i = 0; i < SL_LOGGER_COUNTERS; i++)
			s->logger[i] = lc.v[i];
		s->have_logger = true;
	}
	if (src->placement)
		s->n_placement = src->placement(src->placement_arg, s->placement, SL_METRICS_MAX_PLACED);
	if (src->workers)
		s->n_workers = src->workers(src->workers_arg, s->workers, SL_METRICS_MAX_WORKERS);
}

/* The scrape's text as a response, or NULL (out of memory). Under m->lock. */
static struct MHD_Response *scrape(struct sl_metrics *m)
{
	size_t len = 0;
	char *nb;
	int err;

	fill_snapshot(m);
	for (;;) {
		err = sl_metrics_render(m->snap, m->buf, m->cap, &len);
		if (err != -ENOSPC || m->cap >= BUF_MAX)
			break;
		nb = realloc(m->buf, m->cap * 2);
		if (!nb)
			return NULL;
		m->buf = nb;
		m->cap *= 2;
	}
	if (err) {
		pr_warn("metrics: the scrape does not fit in %zu bytes\n", m->cap);
		return NULL;
	}
	return MHD_create_response_from_buffer(len, m->buf, MHD_RESPMEM_MUST_COPY);
}

/* A short fixed body for the error statuses. */
static enum MHD_Result reply_static(struct MHD_Connection *c, unsigned int status, const char *body,
				    const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * libmicrohttpd's request handler, in its thread. Answers on the first
 * call: a GET has no body to wait for, and anything else is refused
 * without reading one.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct sl_metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (strcmp(url, "/metrics"))
		return reply_static(c, MHD_HTTP_NOT_FOUND, "not found: sluiced serves /metrics\n", NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET))
		return reply_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET only\n",
				    MHD_HTTP_METHOD_GET);
	if (*upload_data_size)
		return reply_static(c, MHD_HTTP_BAD_REQUEST, "a GET has no body\n", NULL);
	pthread_mutex_lock(&m->lock);
	r = scrape(m);
	pthread_mutex_unlock(&m->lock);
	if (!r)
		return reply_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the metrics\n", NULL);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* libmicrohttpd's own complaints go through our log, one line each. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	pr_warn("metrics: %s\n", msg);
}

int sl_metrics_start(const struct sl_metrics_cfg *cfg, struct sl_metrics **out,
		     struct sl_diag *diag)
{
	struct sockaddr_storage ss = { 0 };
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	struct sl_metrics *m;
	int err, fd = -1, one = 1;
	socklen_t slen;

	*out = NULL;
	if (!cfg->enabled)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->snap = calloc(1, sizeof(*m->snap));
	m->cap = BUF_START;
	m->buf = malloc(m->cap);
	if (!m->snap || !m->buf) {
		err = -ENOMEM;
		goto out;
	}
	if (cfg->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(cfg->port);
		memcpy(&a->sin6_addr, cfg->addr, 16);
		slen = sizeof(*a);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(cfg->port);
		memcpy(&a->sin_addr, cfg->addr, 4);
		slen = sizeof(*a);
	}
	/*
	 * We bind the socket ourselves: libmicrohttpd would report a busy
	 * port only as a NULL daemon, and sluiced must say why it refuses.
	 */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		sl_diagf(diag, "metrics: cannot open a socket for %s: %s", cfg->listen, strerror(errno));
		goto out;
	}
	/* A restarted sluiced must not wait for its predecessor's TIME_WAIT connections. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, slen) || listen(fd, 16)) {
		err = -errno;
		sl_diagf(diag, "metrics: cannot listen on %s: %s", cfg->listen, strerror(errno));
		goto out;
	}
	/* The logger first: libmicrohttpd uses its own for anything before it. */
	m->mhd = MHD_start_daemon(flags, cfg->port, NULL, NULL, on_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, 16u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_END);
	if (!m->mhd) {
		err = -EIO;
		sl_diagf(diag, "metrics: libmicrohttpd cannot serve %s", cfg->listen);
		goto out;
	}
	fd = -1; /* the daemon's now: MHD_stop_daemon closes it */
	*out = m;
	return 0;
out:
	if (fd >= 0)
		close(fd);
	free(m->buf);
	free(m->snap);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return err;
}

void sl_metrics_set_source(struct sl_metrics *m, const struct sl_metrics_source *src)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->have_src = src != NULL;
	if (src)
		m->src = *src;
	pthread_mutex_unlock(&m->lock);
}

void sl_metrics_stop(struct sl_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	pthread_mutex_destroy(&m->lock);
	free(m->buf);
	free(m->snap);
	free(m);
}
