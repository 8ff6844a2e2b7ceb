/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The inspect stage (stage_inspect.h, docs/inspect.md): DNS query names
 * and TLS server names against the config's domain policies, a deny
 * dropped here, a TLS verdict written into sl_flowcache so the rest of
 * its flow stays in XDP.
 */
#include "stage_inspect.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "tls.h"

/*
 * The longest packet the stage makes contiguous: an IP packet of 64 KiB
 * behind Ethernet, two VLAN tags and an IPv6 header. The IP and UDP
 * lengths bound what the parser reads, so nothing beyond this is needed.
 */
#define SCRATCH_MAX (65536 + 14 + 8 + 40)

struct inspect_stage {
	struct sl_inspect *in;
	sl_flow_writer write;
	void *ctx;
	int map_fd;         /* the pinned sl_flowcache we opened, or -1 */
	bool warned;        /* a refused cache write was reported once */
	char where[IF_NAMESIZE + 16]; /* "IFNAME queue N" for messages, "" in tests */
	uint64_t counters[SL_INSPECT_SC_COUNT];
	uint8_t *scratch;   /* SCRATCH_MAX bytes: a multi-buffer packet made contiguous */
};

static const char *const own_names[] = { "allow", "deny", "cached", "cache_failed", NULL };
_Static_assert(SL_INSPECT_SC_COUNT <= SL_STAGE_OWN_MAX, "the stage's counters fit");
_Static_assert(sizeof(own_names) / sizeof(own_names[0]) == SL_INSPECT_SC_COUNT + 1,
	       "a name per counter");

static void inspect_close(void *state)
{
	struct inspect_stage *st = state;

	if (!st)
		return;
	/* A worker's last word on its verdicts, as sluiced logs its other totals at stop. */
	if (st->where[0])
		pr_info("inspect stage on %s: %llu allowed, %llu denied, %llu flow verdicts cached, "
			"%llu cache writes failed\n", st->where,
			(unsigned long long)st->counters[SL_INSPECT_SC_ALLOW],
			(unsigned long long)st->counters[SL_INSPECT_SC_DENY],
			(unsigned long long)st->counters[SL_INSPECT_SC_CACHED],
			(unsigned long long)st->counters[SL_INSPECT_SC_CACHE_FAILED]);
	sl_inspect_free(st->in);
	if (st->map_fd >= 0)
		close(st->map_fd);
	free(st->scratch);
	free(st);
}

int sl_inspect_stage_new(const struct sl_inspect_cfg *cfg, sl_flow_writer write, void *ctx,
			 void **state)
{
	struct inspect_stage *st;
	int err;

	*state = NULL;
	if (!cfg || !cfg->enabled || (cfg->tls.enabled && !write))
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->map_fd = -1;
	st->write = write;
	st->ctx = ctx;
	/* Up front, not on the first multi-buffer packet: the worker never allocates. */
	st->scratch = malloc(SCRATCH_MAX);
	if (!st->scratch) {
		err = -ENOMEM;
		goto fail;
	}
	err = sl_inspect_new(cfg, &st->in);
	if (err)
		goto fail;
	*state = st;
	return 0;
fail:
	inspect_close(st);
	return err;
}

static int map_write(void *ctx, const struct sl_flow_key *key, const struct sl_flow_verdict *v)
{
	return sl_inspect_cache_write((int)(intptr_t)ctx, key, v);
}

/* The pinned sl_flowcache of the live program, checked to be the map this build writes. */
static int open_flowcache(const struct sl_stage_env *env, int *fd_out)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char path[512];
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/sl_flowcache", env->cfg->pin_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		pr_warn("inspect stage on %s queue %u: cannot open the flow cache %s: %s\n",
			env->ifname, env->queue, path, strerror(-err));
		return err;
	}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto fail;
	}
	if (info.key_size != sizeof(struct sl_flow_key) ||
	    info.value_size != sizeof(struct sl_flow_verdict)) {
		pr_warn("inspect stage on %s queue %u: %s has %u-byte keys and %u-byte values, not "
			"%zu and %zu: pinned by another build\n", env->ifname, env->queue, path,
			info.key_size, info.value_size, sizeof(struct sl_flow_key),
			sizeof(struct sl_flow_verdict));
		err = -EINVAL;
		goto fail;
	}
	*fd_out = fd;
	return 0;
fail:
	close(fd);
	return err;
}

static int inspect_open(const struct sl_stage_env *env, void **state)
{
	const struct sl_inspect_cfg *cfg;
	struct inspect_stage *st;
	int fd = -1, err;

	*state = NULL;
	if (!env || !env->cfg)
		return -EINVAL;
	cfg = &env->cfg->inspect;
	if (!cfg->enabled) {
		pr_warn("inspect stage on %s queue %u: the config has no 'inspect' section "
			"(docs/inspect.md)\n", env->ifname, env->queue);
		return -EINVAL;
	}
	/* Only TLS verdicts are cached: a DNS-only policy needs no map. */
	if (cfg->tls.enabled) {
		err = open_flowcache(env, &fd);
		if (err)
			return err;
	}
	err = sl_inspect_stage_new(cfg, fd >= 0 ? map_write : NULL, (void *)(intptr_t)fd, state);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	st = *state;
	st->map_fd = fd;
	snprintf(st->where, sizeof(st->where), "%.*s queue %u", IF_NAMESIZE - 1, env->ifname,
		 env->queue);
	return 0;
}

/* The bytes of a multi-buffer packet, in order, in the scratch buffer; returns how many. */
static size_t linearize(struct inspect_stage *st, const struct sl_stage_pkt *p)
{
	size_t n = 0, k;
	uint32_t i;

	for (i = 0; i < p->nbufs && n < SCRATCH_MAX; i++) {
		k = p->bufs[i].len;
		if (k > SCRATCH_MAX - n)
			k = SCRATCH_MAX - n;
		memcpy(st->scratch + n, p->bufs[i].data, k);
		n += k;
	}
	return n;
}

static void cache(struct inspect_stage *st, const struct sl_flow_key *key,
		  const struct sl_inspect_result *r)
{
	struct sl_flow_verdict v;
	struct timespec ts;
	int err;

	/* bpf_ktime_get_ns's clock, which the program compares expiries with. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sl_inspect_cache_entry(st->in, r, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
			       &v);
	err = st->write(st->ctx, key, &v);
	if (!err) {
		st->counters[SL_INSPECT_SC_CACHED]++;
		return;
	}
	st->counters[SL_INSPECT_SC_CACHE_FAILED]++;
	/* Once: the counter tells how often; a worker must not flood its log. */
	if (!st->warned) {
		st->warned = true;
		pr_warn("inspect stage%s%s: cannot write a flow verdict into the flow cache: %s "
			"(counted as cache_failed; such flows come back to the stage)\n",
			st->where[0] ? " on " : "", st->where, strerror(-err));
	}
}

/* A verdict and why, for `sluiced -v`: a name no event record has room for. */
static void log_verdict(const struct sl_flow_key *key, const struct sl_inspect_result *r)
{
	const char *proto = r->kind == SL_INSPECT_KIND_DNS ? "dns" : "tls";

	if (r->why == SL_INSPECT_WHY_ENTRY)
		pr_debug("inspect: %s %s '%s' to port %u: entry %zu\n", proto,
			 sl_inspect_verdict_str(r->verdict), r->name, key->dport, r->rule);
	else if (r->status == 0) /* SL_DNS_OK, SL_TLS_OK: a name no entry matched */
		pr_debug("inspect: %s %s '%s' to port %u: %s\n", proto,
			 sl_inspect_verdict_str(r->verdict), r->name, key->dport,
			 sl_inspect_why_str(r->why));
	else
		pr_debug("inspect: %s %s '%s' to port %u: %s (%s)\n", proto,
			 sl_inspect_verdict_str(r->verdict), r->name, key->dport,
			 sl_inspect_why_str(r->why),
			 r->kind == SL_INSPECT_KIND_DNS ? sl_dns_status_str(r->status)
							: sl_tls_status_str(r->status));
}

static void inspect_run(void *state, struct sl_stage_pkt *pkts, uint32_t n)
{
	struct inspect_stage *st = state;
	struct sl_inspect_result r;
	struct sl_flow_key key;
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct sl_stage_pkt *p = &pkts[i];
		const uint8_t *f;
		size_t len;

		if (p->verdict != SL_SV_CONTINUE || !p->nbufs)
			continue;
		f = p->bufs[0].data;
		len = p->bufs[0].len;
		/* Headers are in the first buffer, but a ClientHello may run into the next. */
		if (p->nbufs > 1) {
			len = linearize(st, p);
			f = st->scratch;
		}
		sl_inspect_frame(st->in, f, len, &key, &r);
		if (r.verdict == SL_INSPECT_ALLOW) {
			st->counters[SL_INSPECT_SC_ALLOW]++;
		} else if (r.verdict == SL_INSPECT_DENY) {
			st->counters[SL_INSPECT_SC_DENY]++;
			p->verdict = SL_SV_DROP;
		}
		if (r.verdict == SL_INSPECT_ALLOW || r.verdict == SL_INSPECT_DENY)
			log_verdict(&key, &r);
		if (r.cache)
			cache(st, &key, &r);
	}
}

static void inspect_counters(const void *state, uint64_t *own)
{
	const struct inspect_stage *st = state;

	memcpy(own, st->counters, sizeof(st->counters));
}

const struct sl_stage_ops sl_stage_inspect = {
	.name = "inspect",
	.open = inspect_open,
	.run = inspect_run,
	.close = inspect_close,
	.own_names = own_names,
	.own_counters = inspect_counters,
};
