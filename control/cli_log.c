/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "cli_log.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "sluice/events.h"

#define TAIL_WINDOW (4u << 20) /* bytes read back from the end for the last lines */
#define FOLLOW_POLL_US 200000

int sl_log_filter_add(struct sl_log_filter *flt, const char *spec)
{
	const char *eq = strchr(spec, '=');
	size_t kl, vl;

	if (!eq)
		return -EINVAL;
	kl = (size_t)(eq - spec);
	vl = strlen(eq + 1);
	if (!kl || kl >= sizeof(flt->f[0].key) || vl >= sizeof(flt->f[0].value))
		return -EINVAL;
	if (flt->n >= SL_LOG_MAX_FILTERS)
		return -E2BIG;
	memcpy(flt->f[flt->n].key, spec, kl);
	flt->f[flt->n].key[kl] = '\0';
	memcpy(flt->f[flt->n].value, eq + 1, vl + 1);
	flt->n++;
	return 0;
}

static bool value_is(json_t *v, const char *want)
{
	char num[32];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return !strcmp(json_string_value(v), want);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return !strcmp(num, want);
	case JSON_TRUE:
		return !strcmp(want, "true");
	case JSON_FALSE:
		return !strcmp(want, "false");
	case JSON_NULL:
		return !strcmp(want, "null");
	default:
		return false;
	}
}

bool sl_log_filter_match(const struct sl_log_filter *flt, const char *line, size_t len)
{
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	bool ok = root && json_is_object(root);
	size_t i;

	for (i = 0; ok && i < flt->n; i++) {
		json_t *v = json_object_get(root, flt->f[i].key);

		ok = v && value_is(v, flt->f[i].value);
	}
	json_decref(root);
	return ok;
}

static const char *str_or(json_t *root, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(root, key));

	return s ? s : dflt;
}

/* "ADDR" or "ADDR:PORT" ("[ADDR]:PORT" for IPv6). */
static void endpoint(char *out, size_t size, json_t *root, const char *addr_key,
		     const char *port_key)
{
	const char *a = str_or(root, addr_key, "?");
	json_t *port = json_object_get(root, port_key);

	if (!json_is_integer(port))
		snprintf(out, size, "%s", a);
	else if (strchr(a, ':'))
		snprintf(out, size, "[%s]:%lld", a, (long long)json_integer_value(port));
	else
		snprintf(out, size, "%s:%lld", a, (long long)json_integer_value(port));
}

int sl_log_format(const char *line, size_t len, char *out, size_t size)
{
	json_t *root = json_loadb(line, len, 0, NULL);
	char src[96], dst[96], proto[16], extra[48] = "";
	const char *protos[256] = { [1] = "icmp", [6] = "tcp", [17] = "udp", [58] = "icmpv6" };
	json_int_t p, cap;
	int n = -EINVAL;

	if (!root || !json_is_object(root) || !json_is_string(json_object_get(root, "verdict")))
		goto out;
	p = json_integer_value(json_object_get(root, "proto"));
	if (p >= 0 && p < 256 && protos[p])
		snprintf(proto, sizeof(proto), "%s", protos[p]);
	else
		snprintf(proto, sizeof(proto), "proto-%lld", (long long)p);
	endpoint(src, sizeof(src), root, "src", "sport");
	endpoint(dst, sizeof(dst), root, "dst", "dport");
	cap = json_integer_value(json_object_get(root, "captured"));
	if (cap > 0)
		snprintf(extra, sizeof(extra), " capture %lld", (long long)cap);
	n = snprintf(out, size, "%s %-5s %-20s %-6s %s > %s len %lld%s",
		     str_or(root, "time", "?"), str_or(root, "verdict", "?"),
		     str_or(root, "rule_name", "-"), proto, src, dst,
		     (long long)json_integer_value(json_object_get(root, "len")), extra);
	if (n < 0)
		n = -EINVAL;
	else if ((size_t)n >= size)
		n = size ? (int)size - 1 : 0;
out:
	json_decref(root);
	return n;
}

struct tail {
	bool json;
	const struct sl_log_filter *flt;
	char *line;
	size_t cap;
};

static void emit(struct tail *t, const char *line, size_t len)
{
	char text[512];

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (!len || !sl_log_filter_match(t->flt, line, len))
		return;
	if (t->json) {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
	} else if (sl_log_format(line, len, text, sizeof(text)) >= 0) {
		puts(text);
	}
}

/* The last n matching lines of fp from its current position. */
static int print_last(struct tail *t, FILE *fp, long n)
{
	char **keep = calloc((size_t)n + 1, sizeof(*keep));
	size_t *lens = calloc((size_t)n + 1, sizeof(*lens));
	long count = 0, i;
	ssize_t len;

	if (!keep || !lens) {
		free(keep);
		free(lens);
		return -ENOMEM;
	}
	while ((len = getline(&t->line, &t->cap, fp)) > 0) {
		if (t->line[len - 1] != '\n')
			break; /* being written: -f picks it up */
		if (!sl_log_filter_match(t->flt, t->line, (size_t)len - 1))
			continue;
		if (n == 0)
			continue;
		free(keep[count % n]);
		keep[count % n] = strndup(t->line, (size_t)len);
		lens[count % n] = (size_t)len;
		count++;
	}
	if (len > 0 && t->line[len - 1] != '\n')
		fseek(fp, -(long)len, SEEK_CUR);
	for (i = count > n ? count - n : 0; n && i < count; i++)
		if (keep[i % n])
			emit(t, keep[i % n], lens[i % n]);
	for (i = 0; i < n; i++)
		free(keep[i]);
	free(keep);
	free(lens);
	fflush(stdout);
	return 0;
}

static FILE *open_log(const char *path, ino_t *ino)
{
	struct stat st;
	FILE *fp = fopen(path, "r");

	if (fp && fstat(fileno(fp), &st) == 0)
		*ino = st.st_ino;
	return fp;
}

/* Follows path: new complete lines as they come, a new file after a rotation. */
static int follow(struct tail *t, const char *path, FILE *fp, ino_t ino)
{
	for (;;) {
		struct stat st;
		ssize_t len;
		bool rotated;

		while ((len = getline(&t->line, &t->cap, fp)) > 0) {
			if (t->line[len - 1] != '\n') {
				/* A line still being written: read it again later. */
				fseek(fp, -(long)len, SEEK_CUR);
				break;
			}
			emit(t, t->line, (size_t)len);
		}
		clearerr(fp);
		fflush(stdout);
		rotated = stat(path, &st) == 0 && st.st_ino != ino;
		if (rotated) {
			/* The old file is complete once renamed: drain it, then switch. */
			while ((len = getline(&t->line, &t->cap, fp)) > 0)
				emit(t, t->line, (size_t)len);
			fclose(fp);
			fp = open_log(path, &ino);
			if (!fp)
				return -errno;
			continue;
		}
		usleep(FOLLOW_POLL_US);
	}
}

static const char tail_usage[] =
	"Usage: sluicectl [-j] log tail [-f] [-n N] [--filter KEY=VALUE]... (--file PATH | --config FILE)\n"
	"       sluicectl [-j] [-p PIN_DIR] log stats\n"
	"  -f, --follow        keep printing events as they are written (across rotations)\n"
	"  -n, --lines N       the last N events first (default 10)\n"
	"      --filter K=V    only events whose field K is V (e.g. verdict=drop, rule_name=deny-ssh,\n"
	"                      dport=22); repeat to require several\n"
	"      --file PATH     the JSON log (logging.json)\n"
	"  -c, --config FILE   read the log's path from sluiced's config\n";

/* Reads a pinned map's entry 0; for a per-CPU map, sums vals[ncpu * n] into out[n]. */
static int read_pinned(const char *pin_dir, const char *name, bool percpu, uint64_t *out, size_t n)
{
	int ncpu = percpu ? libbpf_num_possible_cpus() : 1, fd, err = 0, cpu;
	char path[512];
	uint64_t *vals;
	uint32_t key;
	size_t i;

	if (ncpu <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	vals = calloc((size_t)ncpu * (percpu ? 1 : n), sizeof(*vals));
	if (!vals) {
		close(fd);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		out[i] = 0;
	if (percpu) {
		/* One key per counter, a value per CPU. */
		for (key = 0; key < n && !err; key++) {
			if (bpf_map_lookup_elem(fd, &key, vals))
				err = -errno;
			for (cpu = 0; !err && cpu < ncpu; cpu++)
				out[key] += vals[cpu];
		}
	} else {
		key = 0;
		if (bpf_map_lookup_elem(fd, &key, vals))
			err = -errno;
		for (i = 0; !err && i < n; i++)
			out[i] = vals[i];
	}
	free(vals);
	close(fd);
	return err;
}

/* The counters' names, as `log stats` and `stats` print them (docs/logs.md). */
static const char *const xdp_names[SL_LOG_STAT_COUNT] = {
	[SL_LOG_STAT_EMITTED] = "emitted", [SL_LOG_STAT_SAMPLED_OUT] = "sampled_out",
	[SL_LOG_STAT_RATE_LIMITED] = "rate_limited", [SL_LOG_STAT_RING_FULL] = "ring_full",
	[SL_LOG_STAT_TOO_MANY] = "too_many",
};
static const char *const lg_names[SL_LOGGER_COUNTERS] = {
	[SL_LOGGER_RECORDS] = "records", [SL_LOGGER_JSON_WRITTEN] = "json_written",
	[SL_LOGGER_PCAP_WRITTEN] = "pcap_written", [SL_LOGGER_BYTES_WRITTEN] = "bytes_written",
	[SL_LOGGER_DROP_DISK_FULL] = "drop_disk_full", [SL_LOGGER_DROP_IO_ERROR] = "drop_io_error",
	[SL_LOGGER_DROP_DECODE] = "drop_malformed", [SL_LOGGER_DROP_RING_FULL] = "drop_worker_ring_full",
	[SL_LOGGER_DISK_FULL] = "disk_full", [SL_LOGGER_ROTATIONS] = "rotations",
	[SL_LOGGER_AUDIT_RECORDS] = "audit_records", [SL_LOGGER_AUDIT_WRITTEN] = "audit_written",
	[SL_LOGGER_DROP_AUDIT_QUEUE] = "drop_audit_queue_full",
	[SL_LOGGER_DROP_AUDIT_WRITE] = "drop_audit_write",
};
int sl_cli_log_counters_read(const char *pin_dir, struct sl_cli_log_counters *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = read_pinned(pin_dir, "sl_log_stats", true, c->xdp, SL_LOG_STAT_COUNT);
	if (err)
		return err;
	/* Without a logging section nothing publishes: the logger's counters stay 0. */
	c->logger_published = !read_pinned(pin_dir, "sl_logger_stats", false, c->logger, 16);
	if (!c->logger_published)
		memset(c->logger, 0, sizeof(c->logger));
	return 0;
}

json_t *sl_cli_log_counters_json(const struct sl_cli_log_counters *c)
{
	json_t *root = json_object(), *x = json_object(), *l = json_object();
	size_t i;

	if (!root || !x || !l) {
		json_decref(root);
		json_decref(x);
		json_decref(l);
		return NULL;
	}
	for (i = 0; i < SL_LOG_STAT_COUNT; i++)
		json_object_set_new(x, xdp_names[i], json_integer((json_int_t)c->xdp[i]));
	for (i = 0; i < SL_LOGGER_COUNTERS; i++)
		json_object_set_new(l, lg_names[i], json_integer((json_int_t)c->logger[i]));
	json_object_set_new(root, "xdp", x);
	json_object_set_new(root, "logger", l);
	return root;
}

void sl_cli_log_counters_print(const struct sl_cli_log_counters *c)
{
	size_t i;

	printf("%-28s %14s\n", "xdp events", "count");
	for (i = 0; i < SL_LOG_STAT_COUNT; i++)
		printf("%-28s %14llu\n", xdp_names[i], (unsigned long long)c->xdp[i]);
	printf("\n%-28s %14s\n", "logger", "count");
	for (i = 0; i < SL_LOGGER_COUNTERS; i++)
		printf("%-28s %14llu\n", lg_names[i], (unsigned long long)c->logger[i]);
}

static int log_stats(bool json, const char *pin_dir)
{
	struct sl_cli_log_counters c;
	json_t *root;
	int err;

	err = sl_cli_log_counters_read(pin_dir, &c);
	if (err) {
		fprintf(stderr, "sluicectl: cannot read %s/sl_log_stats: %s (is sluiced running?)\n",
			pin_dir, strerror(-err));
		return 1;
	}
	if (json) {
		root = sl_cli_log_counters_json(&c);
		if (!root)
			return 1;
		err = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
		return err ? 1 : 0;
	}
	sl_cli_log_counters_print(&c);
	return 0;
}

int sl_cli_log(bool json, const char *pin_dir, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' }, { "lines", required_argument, NULL, 'n' },
		{ "filter", required_argument, NULL, 'F' }, { "file", required_argument, NULL, 'P' },
		{ "config", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_log_filter flt = { 0 };
	struct tail t = { .json = json, .flt = &flt };
	struct sl_config *cfg = NULL;
	struct sl_diag diag;
	const char *path = NULL;
	bool follow_on = false;
	long lines = 10;
	char path_buf[SL_LOG_PATH_LEN];
	struct stat st;
	ino_t ino = 0;
	FILE *fp = NULL;
	int c, err, rc = 1;

	if (argc >= 1 && !strcmp(argv[0], "stats")) {
		if (argc > 1) {
			fputs(tail_usage, stderr);
			return 2;
		}
		return log_stats(json, pin_dir);
	}
	if (argc < 1 || strcmp(argv[0], "tail")) {
		bool help = argc && !strcmp(argv[0], "help");

		fputs(tail_usage, help ? stdout : stderr);
		return help ? 0 : 2;
	}
	optind = 0; /* glibc: start over, also after sluicectl's own getopt */
	while ((c = getopt_long(argc, argv, "fn:c:h", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'f':
			follow_on = true;
			break;
		case 'n':
			lines = strtol(optarg, &end, 10);
			if (*end || lines < 0 || lines > 1000000) {
				fprintf(stderr, "sluicectl: -n wants 0 to 1000000, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'F':
			err = sl_log_filter_add(&flt, optarg);
			if (err) {
				fprintf(stderr, "sluicectl: bad filter '%s' (KEY=VALUE, at most %d)\n",
					optarg, SL_LOG_MAX_FILTERS);
				return 2;
			}
			break;
		case 'P':
			path = optarg;
			break;
		case 'c':
			err = sl_config_load_file(optarg, &cfg, &diag);
			if (err) {
				fprintf(stderr, "%s\n", diag.msg);
				return 1;
			}
			if (!cfg->logging.json_path[0]) {
				fprintf(stderr, "sluicectl: %s has no logging.json\n", optarg);
				sl_config_free(cfg);
				return 1;
			}
			snprintf(path_buf, sizeof(path_buf), "%s", cfg->logging.json_path);
			sl_config_free(cfg);
			path = path_buf;
			break;
		case 'h':
			fputs(tail_usage, stdout);
			return 0;
		default:
			fputs(tail_usage, stderr);
			return 2;
		}
	}
	if (!path || optind != argc) {
		fputs(tail_usage, stderr);
		return 2;
	}
	fp = open_log(path, &ino);
	if (!fp) {
		fprintf(stderr, "sluicectl: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* Only the end of a large file can hold the last lines asked for. */
	if (fstat(fileno(fp), &st) == 0 && st.st_size > (off_t)TAIL_WINDOW) {
		fseek(fp, st.st_size - (off_t)TAIL_WINDOW, SEEK_SET);
		if (getline(&t.line, &t.cap, fp) < 0)
			clearerr(fp);
	}
	err = print_last(&t, fp, lines);
	if (!err && follow_on)
		err = follow(&t, path, fp, ino), fp = NULL;
	if (err)
		fprintf(stderr, "sluicectl: %s: %s\n", path, strerror(-err));
	else
		rc = 0;
	if (fp)
		fclose(fp);
	free(t.line);
	return rc;
}
