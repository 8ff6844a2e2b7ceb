/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "ctl_daemon.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_server.h"
#include "ctl_policy.h"
#include "ctl_workers.h"
#include "hostset.h"
#include "policy.h"
#include "policy_edit.h"
#include "rtnl_attach.h"
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
	/*
	 * What STATUS reports as placement, and where each entry is measured
	 * from. Written by the main thread only, under place_lock, which the
	 * metrics thread takes to copy it (sl_ctld_placement_copy).
	 */
	pthread_mutex_t place_lock;
	struct sl_ctl_place_info placed[MAX_PLACED];
	int placed_fd[MAX_PLACED];                 /* a map's fd (fw owns it); -1 for a pool */
	const struct sl_pool *placed_pool[MAX_PLACED]; /* NULL for a map */
	size_t n_placed;
	/* The rtnetlink watcher and auto-attach (rtnl_attach.h), while sl_ctld_run runs. */
	struct sl_autoattach *aa;
	struct sl_fw *fw;
	bool keep_enforcing;
	/* The policy engine, when the daemon runs one: attach, reload and generations. */
	struct sl_policy_engine *pe;
	struct sl_ctlp *ctlp; /* its commands and transactions */
	const struct sl_config *cfg; /* what sl_ctld_run serves */
	struct sl_rtnl_status rtnl; /* STATUS's snapshot, taken after each batch of events */
	/* The dataplane workers (sl_ctld_set_workers) and STATUS's snapshot of them. */
	const struct sl_workers *workers;
	struct sl_ctl_worker worker_snap[SL_CTL_WORKERS_MAX];
	/*
	 * Work the main loop does on its next tick, outside the call stacks
	 * that ask for it (an rtnetlink callback, a reload inside the engine):
	 * host sets to fill again, interface entries to match again.
	 */
	bool host_dirty;
	bool reeval_ifaces;
	/* The owner's tick (sl_ctld_set_tick), called from the daemon's own. */
	void (*user_tick)(void *arg);
	void *user_tick_arg;
	int user_tick_ms;
	uint64_t user_tick_last;
	const struct sl_dpdk_workers *dpdk_workers; /* sl_ctld_set_dpdk_workers */
};

#define DEFER_MS 100 /* how long changes coalesce before the main loop applies them */

static int serve_command(void *arg, uint32_t client, const struct sl_ctl_msg *m,
			 struct sl_ctl_reply *r, struct sl_ctl_error *e);
static void client_gone(void *arg, uint32_t client);

int sl_ctld_open(const struct sl_config *cfg, struct sl_ctld **out)
{
	struct sl_diag diag = { { 0 } };
	struct sl_ctld *d;
	int err;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	pthread_mutex_init(&d->place_lock, NULL);
	d->state.start_ms = sl_ctl_now_ms();
	d->state.config_path = cfg->path;
	d->state.pin_dir = cfg->pin_dir;
	d->state.keep_enforcing = cfg->keep_enforcing;
	d->state.stats = (struct sl_stats_fds){ -1, -1, -1, -1, -1, -1 };
	d->state.command = serve_command;
	d->state.client_gone = client_gone;
	d->state.command_arg = d;
	err = sl_ctl_server_open(cfg->control.socket, cfg->control.group, &d->state, &d->srv, &diag);
	if (err) {
		pr_warn("%s\n", diag.msg);
		pthread_mutex_destroy(&d->place_lock);
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
 * Measures entry i again into pi: move_pages on a pool or an mmapable
 * array map; another map keeps measured false ("not measurable") and
 * reports its memlock bytes. Under place_lock.
 */
static void measure_entry(const struct sl_ctld *d, size_t i, struct sl_ctl_place_info *pi)
{
	const struct sl_pool *pool = d->placed_pool[i];
	int fd = d->placed_fd[i], has;
	struct sl_placement pl;

	pi->measured = false;
	memset(pi->node_pages, 0, sizeof(pi->node_pages));
	if (pool) {
		if (!sl_placement_measure(pool->base, pool->size, pool->placement.page_size, &pl))
			set_pages(pi, &pl);
		return;
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

/* Measures every entry again (server's refresh hook, before each STATUS). */
static void refresh_placement(void *arg)
{
	struct sl_ctld *d = arg;
	size_t i;

	pthread_mutex_lock(&d->place_lock);
	for (i = 0; i < d->n_placed; i++)
		measure_entry(d, i, &d->placed[i]);
	pthread_mutex_unlock(&d->place_lock);
}

size_t sl_ctld_placement_copy(void *arg, struct sl_ctl_place_info *out, size_t max)
{
	struct sl_ctld *d = arg;
	size_t i;

	pthread_mutex_lock(&d->place_lock);
	for (i = 0; i < d->n_placed && i < max; i++) {
		out[i] = d->placed[i];
		measure_entry(d, i, &out[i]);
	}
	pthread_mutex_unlock(&d->place_lock);
	return i;
}

void sl_ctld_set_tick(struct sl_ctld *d, int every_ms, void (*fn)(void *arg), void *arg)
{
	d->user_tick = fn;
	d->user_tick_arg = arg;
	d->user_tick_ms = every_ms;
}

void sl_ctld_set_audit(struct sl_ctld *d, sl_ctl_audit_fn fn, void *arg)
{
	d->state.audit = fn;
	d->state.audit_arg = arg;
}

int sl_ctld_add_pool(struct sl_ctld *d, const struct sl_pool *pool, const char *pool_name)
{
	struct sl_ctl_place_info *pi;

	pthread_mutex_lock(&d->place_lock);
	if (d->n_placed >= MAX_PLACED) {
		pthread_mutex_unlock(&d->place_lock);
		return -ENOSPC;
	}
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
	pthread_mutex_unlock(&d->place_lock);
	return 0;
}

/* Adds the maps the memory config placed to the report. */
static void add_maps(struct sl_ctld *d, const struct sl_config *cfg, const struct sl_fw *fw)
{
	struct sl_fw_placed fp;
	size_t i;

	pthread_mutex_lock(&d->place_lock);
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
	pthread_mutex_unlock(&d->place_lock);
}

/* STATS reads the live generation's maps: what sluicectl stats reads from the pins. */
static void use_fw(struct sl_ctld *d, struct sl_fw *fw)
{
	struct sl_ctl_state *st = &d->state;

	d->fw = fw;
	st->stats.verdicts = sl_fw_map_fd(fw, "sl_verdicts");
	st->stats.reasons = sl_fw_map_fd(fw, "sl_reasons");
	st->stats.rule_stats = sl_fw_map_fd(fw, "sl_rule_stats");
	st->stats.rule_meta = sl_fw_map_fd(fw, "sl_rule_meta");
	st->stats.rules = sl_fw_map_fd(fw, "sl_rules");
	st->stats.iface_stats = sl_fw_map_fd(fw, "sl_iface_stats");
	if (st->stats.verdicts < 0 || st->stats.reasons < 0 || st->stats.rule_stats < 0 ||
	    st->stats.rule_meta < 0 || st->stats.rules < 0)
		st->stats = (struct sl_stats_fds){ -1, -1, -1, -1, -1, -1 };
}

/* Forgets the placement entries of maps (their fds belong to a generation). */
static void drop_maps(struct sl_ctld *d)
{
	size_t i, n = 0;

	pthread_mutex_lock(&d->place_lock);
	for (i = 0; i < d->n_placed; i++) {
		if (!d->placed_pool[i] && d->placed_fd[i] >= 0)
			continue;
		d->placed[n] = d->placed[i];
		d->placed_fd[n] = d->placed_fd[i];
		d->placed_pool[n] = d->placed_pool[i];
		n++;
	}
	d->n_placed = n;
	d->state.n_placement = n;
	pthread_mutex_unlock(&d->place_lock);
}

/* The host's addresses: the watcher's once it has read them all, else getifaddrs(3)'s. */
static int host_addrs(const struct sl_ctld *d, struct sl_host_addr **a, size_t *n)
{
	struct sl_rtnl *w = d->aa ? sl_autoattach_watcher(d->aa) : NULL;

	return w && sl_rtnl_synced(w) ? sl_hostset_from_rtnl(w, a, n) : sl_hostset_from_system(a, n);
}

/*
 * The engine's load hook (sl_policy_reload): the file's host sets are
 * filled before the reload compiles them, and the interface entries are
 * matched against the links again once the reload is over.
 */
static void on_reload_load(void *arg, struct sl_config *next)
{
	struct sl_ctld *d = arg;
	struct sl_host_addr *a = NULL;
	size_t n = 0;
	int err;

	d->reeval_ifaces = true;
	if (!sl_hostset_any(next))
		return;
	err = host_addrs(d, &a, &n);
	if (!err)
		err = sl_hostset_fill(next, a, n);
	if (err < 0)
		pr_warn("reload: host sets not filled (%s): they follow on the next tick\n",
			strerror(-err));
	/* Whatever happened, the main loop checks them against the host again. */
	d->host_dirty = true;
	free(a);
}

int sl_ctld_set_policy(struct sl_ctld *d, struct sl_policy_engine *pe)
{
	d->pe = pe;
	sl_policy_on_load(pe, on_reload_load, d);
	return sl_ctlp_open(pe, &d->ctlp);
}

/* Answers the commands the engine serves (ctl_server.h's command hook): ctl_policy.c. */
static int serve_command(void *arg, uint32_t client, const struct sl_ctl_msg *m,
			 struct sl_ctl_reply *r, struct sl_ctl_error *e)
{
	struct sl_ctld *d = arg;

	if (!d->ctlp)
		return sl_ctl_errorf(e, -EOPNOTSUPP, 0, "command '%s' needs the policy engine",
				     m->info->name);
	return sl_ctlp_command(d->ctlp, client, m, r, e);
}

static void client_gone(void *arg, uint32_t client)
{
	struct sl_ctld *d = arg;

	if (d->ctlp)
		sl_ctlp_client_gone(d->ctlp, client);
}

void sl_ctld_policy_changed(struct sl_ctld *d)
{
	const struct sl_tables *t;
	struct sl_fw *fw;

	if (!d->pe || !d->cfg)
		return;
	/* The engine's fw is its live generation; the daemon only reads its maps. */
	fw = (struct sl_fw *)sl_policy_fw(d->pe);
	t = sl_policy_tables(d->pe);
	d->state.n_rules = t->n_rules;
	use_fw(d, fw);
	drop_maps(d);
	add_maps(d, sl_policy_config(d->pe), fw);
	refresh_placement(d);
	d->state.n_placement = d->n_placed;
}

/* The mode the kernel reports for our program on ifindex. */
static uint32_t attached_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q) == 0 && q.attach_mode == XDP_ATTACHED_SKB)
		return SL_CTL_XDP_GENERIC;
	return SL_CTL_XDP_NATIVE;
}

/*
 * Auto-attach glue: how the rtnetlink watcher attaches the firewall to a
 * link that matches an `interfaces` entry, and what it releases when one
 * goes. They call the loaded fw directly until the policy engine exposes
 * its own attach; swap these two.
 */
static int glue_attach(void *arg, const char *ifname, enum sl_xdp_mode mode,
		       enum sl_xdp_mode *used, struct sl_diag *diag)
{
	struct sl_ctld *d = arg;
	int err;

	/* Through the engine: the link is pinned and the interface saved with the policy. */
	if (d->pe) {
		*used = mode;
		return sl_policy_iface_attach(d->pe, ifname, mode, diag);
	}
	err = sl_fw_attach(d->fw, ifname, mode, used, diag);

	/* keep_enforcing pinned the links at start; a new one is pinned the same way. */
	if (!err && d->keep_enforcing) {
		err = sl_fw_pin_link(d->fw, ifname, diag);
		if (err)
			sl_fw_detach(d->fw, ifname);
	}
	return err;
}

static int glue_forget(void *arg, const char *ifname, int ifindex)
{
	struct sl_ctld *d = arg;
	char name[IF_NAMESIZE];
	struct sl_diag diag;
	int at;
	size_t i;

	/* By ifindex: the attachment keeps the name it was made under. */
	(void)ifname;
	for (i = 0; !sl_fw_attachment(d->fw, i, name, &at); i++) {
		if (at != ifindex)
			continue;
		return d->pe ? sl_policy_iface_detach(d->pe, name, &diag) : sl_fw_detach(d->fw, name);
	}
	return -ENOENT;
}

/* STATUS's interfaces: what the live firewall is attached to, whoever attached it. */
static void refresh_ifaces(struct sl_ctld *d)
{
	char name[IF_NAMESIZE];
	size_t i, n = 0;
	int ifindex;

	for (i = 0; d->fw && n < SL_MAX_IFACES && !sl_fw_attachment(d->fw, i, name, &ifindex); i++) {
		struct sl_ctl_iface_info *ifc = &d->ifaces[n++];

		snprintf(ifc->name, sizeof(ifc->name), "%s", name);
		ifc->ifindex = (uint32_t)ifindex;
		ifc->xdp_mode = attached_mode(ifindex);
	}
	d->state.n_ifaces = n;
}

/* The workers' counters as they are now (they publish after every round). */
static void refresh_workers(struct sl_ctld *d)
{
	d->state.workers = d->worker_snap;
	d->state.n_workers = sl_ctl_workers_snapshot(d->workers, d->worker_snap, SL_CTL_WORKERS_MAX);
	d->state.n_workers += sl_ctl_dpdk_workers_snapshot(d->dpdk_workers,
							   d->worker_snap + d->state.n_workers,
							   SL_CTL_WORKERS_MAX - d->state.n_workers);
}

void sl_ctld_set_dpdk_workers(struct sl_ctld *d, const struct sl_dpdk_workers *ws)
{
	d->dpdk_workers = ws;
}

void sl_ctld_set_workers(struct sl_ctld *d, const struct sl_workers *ws)
{
	d->workers = ws;
}

/* The server's refresh hook, before each STATUS. */
static void refresh_status(void *arg)
{
	refresh_placement(arg);
	refresh_ifaces(arg);
	refresh_workers(arg);
}

/* Every address and link event may change a host set: noted, applied on the next tick. */
static void host_addr_event(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_addr *addr)
{
	struct sl_ctld *d = arg;

	(void)ev;
	(void)addr;
	d->host_dirty = true;
}

static void host_link_event(void *arg, enum sl_rtnl_event ev, const struct sl_rtnl_link *link,
			    const struct sl_rtnl_link *old)
{
	struct sl_ctld *d = arg;

	/* A rename moves the link's addresses in or out of an `interface` glob. */
	if (ev != SL_RTNL_CHANGED || strcmp(link->name, old->name))
		d->host_dirty = true;
}

/*
 * Fills the host sets from the watcher's table when they differ, as one
 * generation through the engine: the path a set change over the socket
 * takes (a copy of the policy, edited, applied).
 */
static void sync_host_sets(struct sl_ctld *d)
{
	struct sl_rtnl *w = sl_autoattach_watcher(d->aa);
	const struct sl_config *cfg = sl_policy_config(d->pe);
	struct sl_diag diag = { { 0 } };
	struct sl_config *next = NULL;
	struct sl_host_addr *a = NULL;
	size_t n = 0;
	int err;

	/* Mid-dump the table is partial: wait for the (re)sync to end. */
	if (!w || !sl_rtnl_synced(w))
		return;
	d->host_dirty = false;
	if (!sl_hostset_any(cfg))
		return;
	err = sl_hostset_from_rtnl(w, &a, &n);
	if (!err)
		err = sl_hostset_changes(cfg, a, n);
	if (err > 0)
		err = sl_policy_copy(cfg, &next);
	if (!err && next)
		err = sl_hostset_fill(next, a, n);
	if (err > 0) {
		err = sl_policy_apply(d->pe, next, &diag);
		if (!err) {
			next = NULL; /* the engine's now */
			pr_info("host addresses changed: host sets applied as generation %" PRIu64 "\n",
				sl_policy_generation(d->pe));
		} else {
			pr_warn("host sets not applied: %s\n", diag.msg[0] ? diag.msg : strerror(-err));
		}
	} else if (err < 0) {
		pr_warn("host sets not filled: %s\n", strerror(-err));
	}
	sl_config_free(next);
	free(a);
}

/*
 * The main loop's tick: the deferred work, then the owner's tick when
 * its period is up. Never inside a request, a reload or a watcher callback.
 */
static void daemon_tick(void *arg)
{
	struct sl_ctld *d = arg;
	uint64_t now;

	if (d->reeval_ifaces && d->aa && d->pe) {
		d->reeval_ifaces = false;
		/* The reload detached what no entry covers; now attach what newly matches. */
		sl_autoattach_set_config(d->aa, sl_policy_config(d->pe));
		sl_autoattach_status(d->aa, &d->rtnl);
	}
	if (d->host_dirty && d->aa && d->pe)
		sync_host_sets(d);
	now = sl_ctl_now_ms();
	if (d->user_tick && d->user_tick_ms > 0 &&
	    now - d->user_tick_last >= (uint64_t)d->user_tick_ms) {
		d->user_tick_last = now;
		d->user_tick(d->user_tick_arg);
	}
}

/* After each batch of rtnetlink events: STATUS's interfaces and watcher snapshot. */
static void autoattach_refresh(struct sl_ctld *d)
{
	sl_autoattach_status(d->aa, &d->rtnl);
}

/* The server loop's watch hook: the watcher's socket is readable. */
static void autoattach_ready(void *arg)
{
	struct sl_ctld *d = arg;
	int err = sl_autoattach_dispatch(d->aa);

	if (err) {
		/* A broken socket would wake the loop forever: stop watching, say so. */
		pr_warn("rtnetlink watcher: %s; links are no longer watched\n", strerror(-err));
		d->state.watch = NULL;
	}
	autoattach_refresh(d);
}

/* Starts the watcher beside the control socket, knowing what fw is attached to already. */
static int autoattach_start(struct sl_ctld *d, const struct sl_config *cfg, struct sl_fw *fw)
{
	const struct sl_autoattach_ops ops = { .attach = glue_attach, .forget = glue_forget, .arg = d,
					       .on_link = host_link_event, .on_addr = host_addr_event,
					       .hook_arg = d };
	char name[IF_NAMESIZE];
	int ifindex, err;
	size_t i;

	d->fw = fw;
	d->keep_enforcing = cfg->keep_enforcing;
	err = sl_autoattach_open(cfg, &ops, &d->aa);
	if (err)
		return err;
	for (i = 0; !sl_fw_attachment(fw, i, name, &ifindex); i++) {
		enum sl_xdp_mode used = attached_mode(ifindex) == SL_CTL_XDP_GENERIC
						? SL_XDP_MODE_GENERIC : SL_XDP_MODE_NATIVE;

		err = sl_autoattach_mark(d->aa, name, used);
		if (err && err != -ENODEV)
			return err;
	}
	err = sl_autoattach_start(d->aa);
	if (err) {
		pr_warn("rtnetlink watcher: %s\n", strerror(-err));
		return err;
	}
	d->state.watch_fd = sl_autoattach_fd(d->aa);
	d->state.watch = autoattach_ready;
	d->state.watch_arg = d;
	d->state.rtnl = &d->rtnl;
	autoattach_refresh(d);
	return 0;
}

int sl_ctld_run(struct sl_ctld *d, const struct sl_config *cfg, const struct sl_tables *t,
		struct sl_fw *fw, const sigset_t *stop)
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
	d->cfg = cfg;
	use_fw(d, fw);
	add_maps(d, cfg, fw);
	refresh_placement(d);
	st->placement = d->placed;
	st->n_placement = d->n_placed;
	st->refresh = refresh_status;
	st->refresh_arg = d;
	/* The loop ticks for the deferred work, and for the owner's tick (the watchdog). */
	st->tick = daemon_tick;
	st->tick_arg = d;
	st->tick_ms = d->user_tick && d->user_tick_ms > 0 && d->user_tick_ms < DEFER_MS
			      ? d->user_tick_ms : DEFER_MS;
	d->user_tick_last = sl_ctl_now_ms();
	err = autoattach_start(d, cfg, fw);
	if (err)
		return err;
	pr_info("control socket %s\n", cfg->control.socket);
	/* SIGHUP (when it is among the stop signals) reloads the config and serves on. */
	for (;;) {
		struct sl_diag diag = { { 0 } };
		struct sl_ctl_peer sender;
		int rc;

		err = sl_ctl_server_run(d->srv, stop, &signo);
		if (err || signo != SIGHUP || !d->pe)
			break;
		rc = sl_policy_reload(d->pe, &diag);
		if (rc)
			pr_warn("SIGHUP: the config was not applied: %s\n", diag.msg);
		else
			pr_info("SIGHUP: applied %s as generation %" PRIu64 "\n", cfg->path,
				sl_policy_generation(d->pe));
		/* The audit trail: who sent it (from the signal) and the result. */
		if (st->audit) {
			sl_ctl_server_signal_sender(d->srv, &sender);
			st->audit(st->audit_arg, &sender, SL_CTL_AUDIT_SIGHUP_RELOAD, NULL, rc);
		}
	}
	st->watch = NULL;
	st->rtnl = NULL;
	/* The maps' fds belong to fw, which may go before the server does. */
	st->stats = (struct sl_stats_fds){ -1, -1, -1, -1, -1, -1 };
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
	sl_ctlp_close(d->ctlp);
	sl_autoattach_close(d->aa);
	pthread_mutex_destroy(&d->place_lock);
	free(d);
}
