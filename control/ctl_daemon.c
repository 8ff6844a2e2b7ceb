/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "ctl_daemon.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_server.h"
#include "dataplane/log.h"
#include "dataplane/mapnode.h"
#include "dataplane/pool.h"
#include "dataplane/tiers.h"
#include "sluice/ctl.h"

#define MAX_PLACED 16 /* the large maps fw.c places, and room for pools */

_Static_assert(SL_MAX_NODES == SL_CTL_PLACE_NODES, "node sets on the wire and in the tiers");

struct sl_ctld {
	struct sl_ctl_server *srv;
	struct sl_ctl_state state; /* read by the server on every request */
	struct sl_ctl_iface_info ifaces[SL_MAX_IFACES];
	/* What STATUS reports as placement, and where each entry is measured from. */
	struct sl_ctl_place_info placed[MAX_PLACED];
	int placed_fd[MAX_PLACED];                 /* a map's fd (fw owns it); -1 for a pool */
	const struct sl_pool *placed_pool[MAX_PLACED]; /* NULL for a map */
	size_t n_placed;
};

int sl_ctld_open(const struct sl_config *cfg, struct sl_ctld **out)
{
	struct sl_diag diag = { { 0 } };
	struct sl_ctld *d;
	int err;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->state.start_ms = sl_ctl_now_ms();
	d->state.config_path = cfg->path;
	d->state.pin_dir = cfg->pin_dir;
	d->state.keep_enforcing = cfg->keep_enforcing;
	d->state.stats = (struct sl_stats_fds){ -1, -1, -1, -1 };
	err = sl_ctl_server_open(cfg->control.socket, cfg->control.group, &d->state, &d->srv, &diag);
	if (err) {
		pr_warn("%s\n", diag.msg);
		free(d);
		return err;
	}
	*out = d;
	return 0;
}

/* Copies a measurement into a report entry. */
static void set_pages(struct sl_ctl_place_info *pi, const struct sl_placement *pl)
{
	pi->measured = true;
	pi->page_size = pl->page_size;
	pi->pages = pl->total;
	pi->absent = pl->absent;
	memcpy(pi->node_pages, pl->pages, sizeof(pi->node_pages));
}

/* A map's memory as the kernel charges it (memlock in its fdinfo), 0 if unknown. */
static uint64_t map_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[128];
	uint64_t bytes = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1) {
			bytes = v;
			break;
		}
	fclose(f);
	return bytes;
}

/*
 * Measures every entry again (server's refresh hook, before each STATUS):
 * move_pages on a pool or an mmapable array map; another map keeps
 * measured false ("not measurable") and reports its memlock bytes.
 */
static void refresh_placement(void *arg)
{
	struct sl_ctld *d = arg;
	struct sl_placement pl;
	size_t i;

	for (i = 0; i < d->n_placed; i++) {
		struct sl_ctl_place_info *pi = &d->placed[i];
		const struct sl_pool *pool = d->placed_pool[i];
		int fd = d->placed_fd[i], has;

		pi->measured = false;
		memset(pi->node_pages, 0, sizeof(pi->node_pages));
		if (pool) {
			if (!sl_placement_measure(pool->base, pool->size, pool->placement.page_size, &pl))
				set_pages(pi, &pl);
			continue;
		}
		has = sl_map_has_node(fd);
		pi->numa_flag = has; /* -1 (an error): not reported */
		if (!sl_map_placement(fd, &pl)) {
			set_pages(pi, &pl);
			pi->bytes = pl.total * pl.page_size;
		} else {
			pi->bytes = map_memlock(fd);
		}
	}
}

int sl_ctld_add_pool(struct sl_ctld *d, const struct sl_pool *pool, const char *pool_name)
{
	struct sl_ctl_place_info *pi;

	if (d->n_placed >= MAX_PLACED)
		return -ENOSPC;
	pi = &d->placed[d->n_placed];
	memset(pi, 0, sizeof(*pi));
	snprintf(pi->name, sizeof(pi->name), "%s", pool->name);
	pi->kind = SL_CTL_PLACE_POOL;
	snprintf(pi->pool, sizeof(pi->pool), "%s", pool_name);
	snprintf(pi->tier, sizeof(pi->tier), "%s", sl_tier_kind_name(pool->requested.kind));
	pi->req_nodes = pool->requested.kind == SL_TIER_NODES ? pool->requested.nodes : 0;
	pi->nodes = pool->nodes;
	pi->fell_back = pool->fell_back;
	pi->numa_flag = -1;
	pi->bytes = pool->size;
	d->placed_fd[d->n_placed] = -1;
	d->placed_pool[d->n_placed] = pool;
	d->n_placed++;
	return 0;
}

/* Adds the maps the memory config placed to the report. */
static void add_maps(struct sl_ctld *d, const struct sl_config *cfg, const struct sl_fw *fw)
{
	struct sl_fw_placed fp;
	size_t i;

	for (i = 0; d->n_placed < MAX_PLACED && !sl_fw_placed_map(fw, i, &fp); i++) {
		const struct sl_tier_req *req = &cfg->memory.pools[fp.pool].tier;
		struct sl_ctl_place_info *pi = &d->placed[d->n_placed];
		int fd = sl_fw_map_fd(fw, fp.map);

		if (fd < 0)
			continue;
		memset(pi, 0, sizeof(*pi));
		snprintf(pi->name, sizeof(pi->name), "%s", fp.map);
		pi->kind = SL_CTL_PLACE_MAP;
		snprintf(pi->pool, sizeof(pi->pool), "%s", sl_pool_name(fp.pool));
		snprintf(pi->tier, sizeof(pi->tier), "%s", sl_tier_kind_name(req->kind));
		pi->req_nodes = req->kind == SL_TIER_NODES ? req->nodes : 0;
		/* A map lives on one node: the lowest of its tier's. */
		pi->nodes = 1ULL << fp.node;
		pi->fell_back = fp.fell_back;
		d->placed_fd[d->n_placed] = fd;
		d->placed_pool[d->n_placed] = NULL;
		d->n_placed++;
	}
}

/* The mode the kernel reports for our program on ifindex. */
static uint32_t attached_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q) == 0 && q.attach_mode == XDP_ATTACHED_SKB)
		return SL_CTL_XDP_GENERIC;
	return SL_CTL_XDP_NATIVE;
}

int sl_ctld_run(struct sl_ctld *d, const struct sl_config *cfg, const struct sl_tables *t,
		const struct sl_fw *fw, const sigset_t *stop)
{
	struct sl_ctl_state *st = &d->state;
	int signo = 0, err;
	size_t i;

	st->n_rules = t->n_rules;
	for (i = 0; i < cfg->n_ifaces && i < SL_MAX_IFACES; i++) {
		struct sl_ctl_iface_info *ifc = &d->ifaces[i];

		snprintf(ifc->name, sizeof(ifc->name), "%s", cfg->ifaces[i].name);
		ifc->ifindex = if_nametoindex(ifc->name);
		ifc->xdp_mode = ifc->ifindex ? attached_mode((int)ifc->ifindex) : SL_CTL_XDP_NATIVE;
	}
	st->ifaces = d->ifaces;
	st->n_ifaces = i;
	/* The program's own maps: STATS reads what sluicectl stats reads from the pins. */
	st->stats.verdicts = sl_fw_map_fd(fw, "sl_verdicts");
	st->stats.reasons = sl_fw_map_fd(fw, "sl_reasons");
	st->stats.rule_stats = sl_fw_map_fd(fw, "sl_rule_stats");
	st->stats.rule_meta = sl_fw_map_fd(fw, "sl_rule_meta");
	if (st->stats.verdicts < 0 || st->stats.reasons < 0 || st->stats.rule_stats < 0 ||
	    st->stats.rule_meta < 0)
		st->stats = (struct sl_stats_fds){ -1, -1, -1, -1 };
	add_maps(d, cfg, fw);
	refresh_placement(d);
	st->placement = d->placed;
	st->n_placement = d->n_placed;
	st->refresh = refresh_placement;
	st->refresh_arg = d;
	pr_info("control socket %s\n", cfg->control.socket);
	err = sl_ctl_server_run(d->srv, stop, &signo);
	/* The maps' fds belong to fw, which may go before the server does. */
	st->stats = (struct sl_stats_fds){ -1, -1, -1, -1 };
	st->n_placement = 0;
	st->refresh = NULL;
	if (err) {
		pr_warn("control socket: %s\n", strerror(-err));
		return err;
	}
	return signo;
}

void sl_ctld_close(struct sl_ctld *d)
{
	if (!d)
		return;
	sl_ctl_server_close(d->srv);
	free(d);
}
