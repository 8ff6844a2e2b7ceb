/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluicectl v0: `sluicectl [-j] [-p DIR] stats [--watch [SECONDS] [--count N]]`
 * reads the firewall's pinned counters; it needs neither the daemon nor
 * the config, so it works while sluiced runs and after it kept enforcing.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_ctl.h"
#include "cli_policy.h"
#include "sluice/ctl.h"
#include "cli_log.h"
#include "stats.h"

#define SL_DEFAULT_PIN_DIR "/sys/fs/bpf/sluice"
#define SL_TOP_RULES 3

static const char usage[] =
	"Usage: sluicectl [-j] [-p PIN_DIR] [-s SOCKET] OBJECT COMMAND [ARGS]\n"
	"Objects and commands:\n"
	"  status [show]                       the running sluiced (over its control socket)\n"
	"  stats [show] [--daemon]             counters per verdict, drop reason and rule\n"
	"                                      (from the pins; --daemon: from sluiced)\n"
	"  stats watch [SECONDS] [--count N]   one line per interval: rates and top rules\n"
	"  log tail [-f] [-n N] [--filter K=V] (--file PATH | -c CONFIG)\n"
	"                                      the event log (docs/logs.md)\n"
	"  log stats                           events logged, sampled out and lost, per reason\n"
	"  rule add|delete|replace|list        the rules of the running policy\n"
	"  set create|delete|add|del|flush|list|load   its named sets\n"
	"  iface attach|detach|list            the interfaces it is attached to\n"
	"  batch FILE                          many rule and set changes as one generation\n"
	"  reload                              sluiced re-reads and applies its config\n"
	"  help                                this text\n"
	"Options:\n"
	"  -j, --json         JSON output\n"
	"  -p, --pin-dir DIR  where sluiced pinned the maps (default " SL_DEFAULT_PIN_DIR ")\n"
	"  -s, --socket PATH  sluiced's control socket (default " SL_CTL_SOCKET_PATH ")\n"
	"Every object takes 'help'.\n";

struct ctl {
	bool json;
	const char *pin_dir;
	const char *socket;
	bool daemon; /* stats from sluiced instead of the pins */
};

static int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "sluicectl: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static int open_stats(const struct ctl *ctl, struct sl_stats_fds *fds)
{
	int err = sl_stats_open_pinned(ctl->pin_dir, fds);

	if (err == -ENOENT)
		fprintf(stderr, "sluicectl: no firewall pinned under %s (is sluiced running?)\n",
			ctl->pin_dir);
	else if (err)
		fprintf(stderr, "sluicectl: cannot open the pins under %s: %s\n", ctl->pin_dir,
			strerror(-err));
	return err;
}

static json_t *counter_json(const struct sl_counter *c)
{
	return json_pack("{s:I,s:I}", "packets", (json_int_t)c->packets, "bytes", (json_int_t)c->bytes);
}

/*
 * The event counters beside the firewall's (docs/metrics.md): ev is NULL
 * when the pins hold none (a sluiced older than the logger).
 */
/* Interfaces that counted a packet: [{ifindex, name, pass: {...}, drop: {...}, steer: {...}}]. */
static json_t *ifaces_json(const struct sl_stats *st)
{
	json_t *arr = json_array();
	char buf[SL_STATS_IFNAME_LEN];
	uint32_t i, v;

	for (i = 0; i < st->n_ifaces; i++) {
		const struct sl_stats_iface *e = &st->ifaces[i];
		json_t *o;

		if (!sl_stats_iface_seen(e))
			continue;
		o = json_object();
		json_object_set_new(o, "ifindex", json_integer(e->ifindex));
		json_object_set_new(o, "name", json_string(sl_stats_iface_name(e->ifindex, buf)));
		for (v = 0; v < SL_VERDICT_COUNT; v++)
			json_object_set_new(o, sl_verdict_name(v), counter_json(&e->c[v]));
		json_array_append_new(arr, o);
	}
	return arr;
}

static int print_json(const struct sl_stats *st, const struct sl_cli_log_counters *ev)
{
	json_t *root = json_object(), *verdicts = json_object(), *reasons = json_object();
	json_t *rules = json_array();
	uint32_t i;
	int err;

	for (i = 0; i < SL_VERDICT_COUNT; i++)
		json_object_set_new(verdicts, sl_verdict_name(i), counter_json(&st->verdicts[i]));
	for (i = 1; i < SL_REASON_COUNT; i++)
		json_object_set_new(reasons, sl_reason_name(i), counter_json(&st->reasons[i]));
	for (i = 0; i < st->n_rules; i++) {
		json_t *r = counter_json(&st->rules[i]);

		json_object_set_new(r, "index", json_integer(i));
		json_object_set_new(r, "name", json_string(st->meta[i].name));
		json_array_append_new(rules, r);
	}
	json_object_set_new(root, "verdicts", verdicts);
	json_object_set_new(root, "reasons", reasons);
	json_object_set_new(root, "rules", rules);
	json_object_set_new(root, "interfaces", ifaces_json(st));
	json_object_set_new(root, "events", ev ? sl_cli_log_counters_json(ev) : json_null());
	err = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
	return err ? 1 : 0;
}

/* Whether any event was counted: only then does the text show the event tables. */
static bool events_seen(const struct sl_cli_log_counters *ev)
{
	size_t i;

	for (i = 0; ev && i < SL_LOG_STAT_COUNT; i++)
		if (ev->xdp[i])
			return true;
	for (i = 0; ev && i < sizeof(ev->logger) / sizeof(ev->logger[0]); i++)
		if (ev->logger[i])
			return true;
	return false;
}

static void print_text(const struct sl_stats *st, const struct sl_cli_log_counters *ev)
{
	unsigned int seen_iface = 0;
	int width = 22;
	uint32_t i;

	printf("%-28s %14s %16s\n", "verdict", "packets", "bytes");
	for (i = 0; i < SL_VERDICT_COUNT; i++)
		printf("%-28s %14llu %16llu\n", sl_verdict_name(i),
		       (unsigned long long)st->verdicts[i].packets, (unsigned long long)st->verdicts[i].bytes);
	printf("\n%-28s %14s %16s\n", "reason", "packets", "bytes");
	for (i = 1; i < SL_REASON_COUNT; i++) {
		if (!st->reasons[i].packets)
			continue;
		printf("%-28s %14llu %16llu\n", sl_reason_name(i),
		       (unsigned long long)st->reasons[i].packets, (unsigned long long)st->reasons[i].bytes);
	}
	for (i = 0; i < st->n_rules; i++) {
		int len = (int)strnlen(st->meta[i].name, SL_RULE_NAME_LEN);

		if (len > width)
			width = len;
	}
	printf("\n%-5s %-*s %14s %16s\n", "rule", width, "name", "packets", "bytes");
	for (i = 0; i < st->n_rules; i++)
		printf("%-5u %-*s %14llu %16llu\n", i, width, st->meta[i].name,
		       (unsigned long long)st->rules[i].packets, (unsigned long long)st->rules[i].bytes);
	for (i = 0; i < st->n_ifaces; i++) {
		const struct sl_stats_iface *e = &st->ifaces[i];
		char buf[SL_STATS_IFNAME_LEN];
		uint32_t v;

		if (!sl_stats_iface_seen(e))
			continue;
		if (!seen_iface++)
			printf("\n%-16s %-8s %14s %16s\n", "interface", "verdict", "packets", "bytes");
		for (v = 0; v < SL_VERDICT_COUNT; v++)
			printf("%-16s %-8s %14llu %16llu\n", sl_stats_iface_name(e->ifindex, buf),
			       sl_verdict_name(v), (unsigned long long)e->c[v].packets,
			       (unsigned long long)e->c[v].bytes);
	}
	if (events_seen(ev)) {
		putchar('\n');
		sl_cli_log_counters_print(ev);
	}
}

static int cmd_stats_show(const struct ctl *ctl)
{
	struct sl_cli_log_counters evc, *ev;
	struct sl_stats_fds fds;
	struct sl_stats *st;
	int err;

	/* The event counters come from the pins also with --daemon: STATS does not carry them. */
	ev = sl_cli_log_counters_read(ctl->pin_dir, &evc) ? NULL : &evc;
	if (ctl->daemon) {
		st = malloc(sizeof(*st));
		if (!st)
			return die("%s", strerror(ENOMEM));
		err = sl_cli_stats_from_daemon(ctl->socket, st);
		if (!err)
			err = ctl->json ? print_json(st, ev) : (print_text(st, ev), 0);
		free(st);
		return err;
	}
	if (open_stats(ctl, &fds))
		return 1;
	st = malloc(sizeof(*st));
	err = st ? sl_stats_read(&fds, st) : -ENOMEM;
	sl_stats_close(&fds);
	if (err) {
		free(st);
		return die("cannot read the counters: %s", err == -EPROTO ? "the pinned sl_iface_stats is of "
				   "an incompatible sluice build" : strerror(-err));
	}
	if (ctl->json)
		err = print_json(st, ev);
	else
		print_text(st, ev);
	free(st);
	return err;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One line (or JSON object) of per-second rates between two samples. */
static void print_rates(const struct ctl *ctl, const struct sl_stats *a, const struct sl_stats *b,
			double secs)
{
	double pass = (b->verdicts[SL_VERDICT_PASS].packets - a->verdicts[SL_VERDICT_PASS].packets) / secs;
	double drop = (b->verdicts[SL_VERDICT_DROP].packets - a->verdicts[SL_VERDICT_DROP].packets) / secs;
	uint32_t top[SL_TOP_RULES], ntop = 0, i, j;
	char stamp[16];
	time_t t = time(NULL);

	/* The busiest rules of the interval, by insertion into a short sorted list. */
	for (i = 0; i < b->n_rules; i++) {
		uint64_t hits = b->rules[i].packets - a->rules[i].packets;

		if (!hits)
			continue;
		for (j = ntop; j > 0; j--) {
			uint32_t k = top[j - 1];

			if (b->rules[k].packets - a->rules[k].packets >= hits)
				break;
			if (j < SL_TOP_RULES)
				top[j] = k;
		}
		if (j < SL_TOP_RULES) {
			top[j] = i;
			if (ntop < SL_TOP_RULES)
				ntop++;
		}
	}
	if (ctl->json) {
		json_t *o = json_pack("{s:I,s:f,s:f,s:[]}", "time", (json_int_t)t, "pass_pps", pass,
				      "drop_pps", drop, "top_rules");
		json_t *arr = json_object_get(o, "top_rules");

		for (i = 0; i < ntop; i++)
			json_array_append_new(arr, json_pack("{s:s,s:f}", "name", b->meta[top[i]].name, "pps",
							     (b->rules[top[i]].packets - a->rules[top[i]].packets) / secs));
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&t));
		printf("%s  passed %9.0f/s  dropped %9.0f/s  top:", stamp, pass, drop);
		for (i = 0; i < ntop; i++)
			printf(" %s %.0f/s%s", b->meta[top[i]].name,
			       (b->rules[top[i]].packets - a->rules[top[i]].packets) / secs,
			       i + 1 < ntop ? "," : "");
		if (!ntop)
			printf(" -");
		putchar('\n');
	}
	fflush(stdout);
}

static int cmd_stats_watch(const struct ctl *ctl, double interval, long count)
{
	struct sl_stats *prev, *cur, *tmp;
	struct sl_stats_fds fds;
	double t0, t1;
	long n;
	int err;

	if (open_stats(ctl, &fds))
		return 1;
	prev = malloc(sizeof(*prev));
	cur = malloc(sizeof(*cur));
	err = prev && cur ? sl_stats_read(&fds, prev) : -ENOMEM;
	t0 = now_seconds();
	for (n = 0; !err && (count <= 0 || n < count); n++) {
		struct timespec ts = { .tv_sec = (time_t)interval,
				       .tv_nsec = (long)((interval - (time_t)interval) * 1e9) };

		nanosleep(&ts, NULL);
		err = sl_stats_read(&fds, cur);
		if (err)
			break;
		t1 = now_seconds();
		print_rates(ctl, prev, cur, t1 - t0);
		tmp = prev;
		prev = cur;
		cur = tmp;
		t0 = t1;
	}
	sl_stats_close(&fds);
	free(prev);
	free(cur);
	if (err)
		return die("cannot read the counters: %s (did sluiced stop?)", strerror(-err));
	return 0;
}

static int cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	double interval = 1.0;
	long count = 0;
	int i;

	if (argc == 0 || !strcmp(argv[0], "show") || !strcmp(argv[0], "--daemon")) {
		for (i = argc && strcmp(argv[0], "--daemon") ? 1 : 0; i < argc; i++) {
			if (strcmp(argv[i], "--daemon"))
				return die("stats show takes only --daemon, got '%s'", argv[i]);
			ctl->daemon = true;
		}
		return cmd_stats_show(ctl);
	}
	if (!strcmp(argv[0], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[0], "watch"))
		return die("unknown stats command '%s' (show, watch, help)", argv[0]);
	for (i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtol(argv[++i], &end, 10);
			if (*end || count <= 0)
				return die("--count takes a positive number, got '%s'", argv[i]);
		} else {
			interval = strtod(argv[i], &end);
			if (*end || !(interval >= 0.1 && interval <= 3600))
				return die("interval must be 0.1 to 3600 seconds, got '%s'", argv[i]);
		}
	}
	return cmd_stats_watch(ctl, interval, count);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .pin_dir = SL_DEFAULT_PIN_DIR, .socket = SL_CTL_SOCKET_PATH };
	int c;

	while ((c = getopt_long(argc, argv, "+jp:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctl.json = true;
			break;
		case 'p':
			ctl.pin_dir = optarg;
			break;
		case 's':
			ctl.socket = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || !strcmp(argv[0], "help")) {
		fputs(usage, argc == 0 ? stderr : stdout);
		return argc == 0 ? 2 : 0;
	}
	if (!strcmp(argv[0], "stats"))
		return cmd_stats(&ctl, argc - 1, argv + 1);
	if (!strcmp(argv[0], "log"))
		return sl_cli_log(ctl.json, ctl.pin_dir, argc - 1, argv + 1);
	if (!strcmp(argv[0], "rule"))
		return sl_cli_rule(ctl.socket, ctl.json, argc - 1, argv + 1);
	if (!strcmp(argv[0], "set"))
		return sl_cli_set(ctl.socket, ctl.json, argc - 1, argv + 1);
	if (!strcmp(argv[0], "iface"))
		return sl_cli_iface(ctl.socket, ctl.json, argc - 1, argv + 1);
	if (!strcmp(argv[0], "batch"))
		return sl_cli_batch(ctl.socket, ctl.json, argc - 1, argv + 1);
	if (!strcmp(argv[0], "reload"))
		return sl_cli_reload(ctl.socket, ctl.json, argc - 1, argv + 1);
	if (!strcmp(argv[0], "status"))
		return sl_cli_status(ctl.socket, ctl.json, argc - 1, argv + 1);
	return die("unknown object '%s' (try: sluicectl help)", argv[0]);
}
