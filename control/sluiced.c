/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluiced v0: validates the config, compiles the rules, loads the XDP
 * firewall, attaches it to the configured interfaces, pins its maps and
 * runs in the foreground until SIGTERM or SIGINT, then detaches and unpins
 * (or, with settings.keep_enforcing, leaves the program enforcing).
 */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/magic.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "compile.h"
#include "config.h"
#include "ctl_audit.h"
#include "ctl_daemon.h"
#include "ctl_workers.h"
#include "hostset.h"
#include "metrics.h"
#include "policy.h"
#include "dataplane/fw.h"
#include "dataplane/log.h"
#include "dataplane/audit.h"
#include "dataplane/logger.h"
#include "dataplane/tiers.h"
#include "dataplane/worker.h"
#include "dataplane/dpdk_workers.h"

static const char usage[] =
	"Usage: sluiced -c FILE [--check] [--detach] [--pin-dir DIR] [--socket PATH]\n"
	"               [--state-dir DIR] [-v]\n"
	"  -c, --config FILE  the YAML config (docs/config.md)\n"
	"      --pin-dir DIR  pin the maps here instead of settings.pin_dir\n"
	"      --socket PATH  serve the control socket here instead of control.socket\n"
	"      --state-dir DIR  save the running policy here (default /run/sluiced/PIN_DIR_NAME)\n"
	"      --check        validate and compile the config, touch nothing, exit\n"
	"      --detach       remove what a previous sluiced left enforcing (keep_enforcing) and exit\n"
	"  -v, --verbose      debug messages (libbpf's too)\n"
	"  -h, --help         this text\n";

struct opts {
	const char *config;
	const char *pin_dir;
	const char *socket;
	const char *state_dir;
	bool check;
	bool detach;
	bool verbose;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "detach", no_argument, NULL, 'D' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "socket", required_argument, NULL, 'S' },
		{ "state-dir", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'C':
			o->check = true;
			break;
		case 'D':
			o->detach = true;
			break;
		case 'P':
			o->pin_dir = optarg;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case 'T':
			o->state_dir = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sluiced: unexpected argument '%s'\n%s", argv[optind], usage);
		return -EINVAL;
	}
	if (!o->config) {
		fprintf(stderr, "sluiced: no config given (-c FILE)\n%s", usage);
		return -EINVAL;
	}
	return 0;
}

/* What this kernel and machine must offer before anything is touched. */
static int check_system(const struct sl_config *cfg)
{
	struct statfs fs;
	size_t i;

	if (geteuid() != 0) {
		pr_warn("must run as root (needs CAP_BPF, CAP_NET_ADMIN)\n");
		return -EPERM;
	}
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) != 1) {
		pr_warn("this kernel cannot load XDP programs\n");
		return -EOPNOTSUPP;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LPM_TRIE, NULL) != 1) {
		pr_warn("this kernel has no LPM trie maps (needed for prefix sets)\n");
		return -EOPNOTSUPP;
	}
	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC) {
		pr_warn("bpffs is not mounted on /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)\n");
		return -ENOENT;
	}
	/* DPDK ports are the one dataplane that needs no XDP program on a link. */
	if (!cfg->n_ifaces && cfg->dataplane.ports != SL_PORTS_DPDK) {
		pr_warn("%s: no interfaces to attach to\n", cfg->path);
		return -EINVAL;
	}
	for (i = 0; i < cfg->n_ifaces; i++) {
		/* A pattern's links are attached as they appear (rtnl_attach.h). */
		if (!cfg->ifaces[i].pattern && !if_nametoindex(cfg->ifaces[i].name)) {
			pr_warn("no interface named %s\n", cfg->ifaces[i].name);
			return -ENODEV;
		}
	}
	return 0;
}

/*
 * Pins of an earlier run: pinned links mean a sluiced left the firewall
 * enforcing on purpose, so we refuse to start over it; maps alone are what
 * a killed sluiced leaves (its links died with it) and are removed.
 */
static int clear_pins(const char *dir, bool remove_links)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!strncmp(e->d_name, "link_", 5) && !remove_links) {
			pr_warn("%s/%s: a previous sluiced is still enforcing on %s (stop it with "
				"sluiced --detach -c FILE)\n",
				dir, e->d_name, e->d_name + 5);
			err = -EBUSY;
			break;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			pr_warn("cannot remove %s: %s\n", path, strerror(errno));
			break;
		}
	}
	closedir(d);
	if (!err && rmdir(dir) && errno != ENOENT)
		err = -errno;
	return err;
}

/*
 * systemd's notification protocol (sd_notify(3)): READY, STATUS, WATCHDOG
 * and STOPPING. Nothing happens without NOTIFY_SOCKET, or in a build
 * without libsystemd.
 */
static void notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

/* Half the service's WatchdogSec in milliseconds, or 0 when there is no watchdog. */
static int watchdog_half_ms(void)
{
#ifdef HAVE_LIBSYSTEMD
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000)
		return usec / 2000 > 60000 ? 60000 : (int)(usec / 2000);
#endif
	return 0;
}

/* The main loop's tick: it still turns, so the watchdog may wait again. */
static void watchdog_ping(void *arg)
{
	(void)arg;
	notify("WATCHDOG=1");
}

/*
 * The control server's audit hook (docs/logs.md, "Audit trail"): one
 * record per state-changing request, refused ones too, queued to the
 * logger thread without blocking (a full queue is counted there).
 */
static void audit_request(void *arg, const struct sl_ctl_peer *peer, unsigned int cmd,
			  const struct sl_ctl_msg *m, int result)
{
	struct sl_audit_rec r;

	if (!sl_ctl_audited(cmd))
		return;
	sl_ctl_audit_record(&r, peer, cmd, m, result);
	sl_logger_audit(arg, &r);
}

/* The daemon's own start and stop in the audit trail (lg NULL: none). */
static void audit_daemon(struct sl_logger *lg, const char *action, const struct sl_config *cfg,
			 uint32_t n_rules, int signo, int result)
{
	struct sl_audit_rec r;
	char sig[16];

	if (!lg)
		return;
	sl_audit_init(&r, SL_AUDIT_SRC_DAEMON, action);
	r.flags |= SL_AUDIT_F_GID;
	r.uid = (uint32_t)getuid();
	r.gid = (uint32_t)getgid();
	r.pid = (int32_t)getpid();
	r.result = result;
	sl_audit_add_str(&r, "config", cfg->path, SIZE_MAX);
	sl_audit_add_num(&r, "rules", SL_AUDIT_ARG_INT, n_rules);
	if (signo > 0 && sigabbrev_np(signo)) {
		snprintf(sig, sizeof(sig), "SIG%s", sigabbrev_np(signo));
		sl_audit_add_str(&r, "signal", sig, sizeof(sig));
	}
	sl_logger_audit(lg, &r);
}

/*
 * Host sets (hostset.h) start with the addresses the host has now, so the
 * first generation enforces them; the rtnetlink watcher keeps them
 * current from then on (ctl_daemon.c).
 */
static void fill_host_sets(struct sl_config *cfg)
{
	struct sl_host_addr *a = NULL;
	size_t n = 0;
	int err;

	if (!sl_hostset_any(cfg))
		return;
	err = sl_hostset_from_system(&a, &n);
	if (!err)
		err = sl_hostset_fill(cfg, a, n);
	if (err < 0)
		pr_warn("host sets start empty (%s): the watcher fills them\n", strerror(-err));
	free(a);
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * The logger reads the event ring and the log counters through fds that
 * outlive generations (the engine's), and names rules by stats slot.
 */
static int start_logger(const struct sl_config *cfg, const struct sl_policy_engine *pe,
			const struct sl_topology *topo, struct sl_logger **out)
{
	const struct sl_pool_cfg *buffers = &cfg->memory.pools[SL_POOL_LOG_BUFFERS];
	const struct sl_logging_cfg *l = &cfg->logging;
	struct sl_rule_meta *names;
	int err;

	*out = NULL;
	if (!l->enabled) {
		if (sl_policy_tables(pe)->prog_cfg.flags & SL_CFG_LOG)
			pr_warn("some rules log, but there is no 'logging' section: their events are "
				"counted, not written\n");
		return 0;
	}
	names = calloc(SL_MAX_RULES, sizeof(*names));
	if (!names)
		return -ENOMEM;
	sl_policy_slot_names(pe, names);
	err = sl_logger_start(l,
			      &(struct sl_logger_sources){
				      .events_fd = sl_policy_shared_fd(pe, "sl_events"),
				      .log_stats_fd = sl_policy_shared_fd(pe, "sl_log_stats"),
				      .publish_fd = sl_policy_shared_fd(pe, "sl_logger_stats"),
				      .names = names,
				      .n_names = SL_MAX_RULES,
				      .topo = buffers->set ? topo : NULL,
				      .buffers = buffers->set ? buffers : NULL,
				      .strict = cfg->memory.strict,
			      },
			      out);
	free(names);
	if (err) {
		pr_warn("cannot start the logger: %s\n", strerror(-err));
		return err;
	}
	if (l->json_path[0] || l->pcap_path[0])
		pr_info("logging events to %s%s%s\n", l->json_path[0] ? l->json_path : "",
			l->json_path[0] && l->pcap_path[0] ? " and captures to " : "",
			l->pcap_path[0] ? l->pcap_path : "");
	if (l->audit_path[0])
		pr_info("audit trail in %s\n", l->audit_path);
	return 0;
}

/* What the engine's change hook updates: every reader of the live generation's maps. */
struct readers {
	struct sl_policy_engine *pe;
	struct sl_ctld *ctl;
	struct sl_metrics *metrics;
	struct sl_logger *logger; /* NULL without a logging section */
	/* The dataplane workers; they outlive the metrics server (stopped first). */
	const struct sl_workers *workers;
	const struct sl_dpdk_workers *dpdk_workers;
};

/* The workers' counters for a scrape, as STATUS reads them (metrics thread). */
static size_t metrics_workers(void *arg, struct sl_ctl_worker *out, size_t max)
{
	const struct readers *r = arg;
	size_t n = sl_ctl_workers_snapshot(r->workers, out, max);

	return n + sl_ctl_dpdk_workers_snapshot(r->dpdk_workers, out + n, max - n);
}

static void metrics_source(const struct readers *r)
{
	const struct sl_fw *fw = sl_policy_fw(r->pe);
	struct sl_metrics_source msrc = {
		.stats = { .verdicts = sl_policy_shared_fd(r->pe, "sl_verdicts"),
			   .reasons = sl_policy_shared_fd(r->pe, "sl_reasons"),
			   .rule_stats = sl_policy_shared_fd(r->pe, "sl_rule_stats"),
			   .rule_meta = sl_fw_map_fd(fw, "sl_rule_meta"),
			   .rules = sl_fw_map_fd(fw, "sl_rules"),
			   .iface_stats = sl_policy_shared_fd(r->pe, "sl_iface_stats") },
		.log_stats_fd = sl_policy_shared_fd(r->pe, "sl_log_stats"),
		/* Only a running logger publishes its counters. */
		.logger_stats_fd = r->logger ? sl_policy_shared_fd(r->pe, "sl_logger_stats") : -1,
		.placement = sl_ctld_placement_copy,
		.placement_arg = r->ctl,
		.workers = metrics_workers,
		.workers_arg = (void *)r,
	};

	sl_metrics_set_source(r->metrics, &msrc);
}

/* A new generation: called before the old one's fds close. */
static void on_policy_change(void *arg)
{
	const struct readers *r = arg;

	sl_ctld_policy_changed(r->ctl);
	if (r->metrics)
		metrics_source(r);
	if (r->logger) {
		struct sl_rule_meta *names = calloc(SL_MAX_RULES, sizeof(*names));

		/* Events name rules by stats slot; a rule added by this
		 * generation has a slot the logger has not seen yet. */
		if (names)
			sl_policy_slot_names(r->pe, names);
		if (!names || sl_logger_set_names(r->logger, names, SL_MAX_RULES))
			pr_warn("out of memory: new rules' events may be logged without their names\n");
		free(names);
	}
}

/*
 * The dataplane workers of the config (docs/dataplane.md), their UMEM
 * pools in the placement report and their counters in STATUS.
 */
static int start_workers(const struct sl_config *cfg, const struct sl_topology *topo,
			 struct sl_fw *fw, struct sl_ctld *ctl, struct sl_logger *lg,
			 struct sl_workers **out)
{
	struct sl_diag diag = { { 0 } };
	const struct sl_pool *pool;
	uint32_t i;
	int err;

	if (cfg->dataplane.ports == SL_PORTS_DPDK)
		return 0; /* start_dpdk_workers serves the dataplane interfaces */
	err = sl_workers_start(cfg, topo, sl_fw_map_fd(fw, "sl_xsks"), lg, out, &diag);
	if (err) {
		pr_warn("%s\n", diag.msg);
		return err;
	}
	for (i = 0; (pool = sl_workers_pool(*out, i)); i++) {
		err = sl_ctld_add_pool(ctl, pool, "umem");
		if (err)
			return err;
	}
	sl_ctld_set_workers(ctl, *out);
	return 0;
}

/* The workers of `ports: dpdk` (dataplane/dpdk_workers.h) and their counters in STATUS. */
static int start_dpdk_workers(const struct sl_config *cfg, struct sl_ctld *ctl,
			      struct sl_logger *lg, struct sl_dpdk_workers **out)
{
	struct sl_diag diag = { { 0 } };
	int err;

	if (cfg->dataplane.ports != SL_PORTS_DPDK)
		return 0;
	err = sl_dpdk_workers_start(cfg, lg, out, &diag);
	if (err) {
		pr_warn("%s\n", diag.msg);
		return err;
	}
	sl_ctld_set_dpdk_workers(ctl, *out);
	return 0;
}

static int run(struct sl_config *cfg, const char *state_dir)
{
	struct sl_diag diag = { { 0 } };
	struct sigaction sa = { .sa_handler = on_signal };
	struct sl_policy_engine *pe = NULL;
	struct sl_policy_opts popts = { .state_dir = state_dir };
	const struct sl_tables *tables = NULL;
	struct readers readers = { 0 };
	struct sl_fw *fw = NULL;
	struct sl_ctld *ctl = NULL;
	struct sl_logger *lg = NULL;
	struct sl_workers *workers = NULL;
	struct sl_dpdk_workers *dpdk_workers = NULL;
	struct sl_metrics *metrics = NULL;
	struct sl_fw_opts opts = { 0 };
	char status[256];
	struct sl_topology topo;
	sigset_t block, old;
	int err;

	/*
	 * Signals wait until we are attached and pinned: no half state on
	 * exit. SIGHUP reloads the config (sl_ctld_run).
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	err = sl_ctld_open(cfg, &ctl);
	if (err)
		goto out;
	/* Its thread starts with the stop signals blocked: they reach the main loop only. */
	if (cfg->metrics.enabled) {
		err = sl_metrics_start(&cfg->metrics, &metrics, &diag);
		if (err) {
			pr_warn("%s\n", diag.msg);
			goto out;
		}
		pr_info("metrics on http://%s/metrics\n", cfg->metrics.listen);
	}
	notify("STATUS=loading the firewall");
	/* Only a config that places maps or pools depends on reading the topology. */
	if (cfg->memory.pools[SL_POOL_PREFIX_TABLES].set || cfg->memory.pools[SL_POOL_RULE_TABLES].set ||
	    cfg->memory.pools[SL_POOL_LOG_BUFFERS].set) {
		err = sl_tiers_discover("/sys", &topo, &diag);
		if (err) {
			pr_warn("%s\n", diag.msg);
			goto out;
		}
		opts.topo = &topo;
		opts.memory = &cfg->memory;
	}
	/*
	 * The policy engine loads, attaches (or adopts what a previous
	 * sluiced left enforcing) and pins; the watcher attaches to pattern
	 * entries' links later (sl_ctld_run).
	 */
	popts.topo = opts.topo;
	fill_host_sets(cfg);
	err = sl_policy_open(cfg, &popts, &pe, &diag);
	if (err) {
		pr_warn("%s\n", diag.msg);
		goto out;
	}
	fw = (struct sl_fw *)sl_policy_fw(pe);
	tables = sl_policy_tables(pe);
	pr_info("enforcing %u rules (generation %llu); counters pinned under %s\n", tables->n_rules,
		(unsigned long long)sl_policy_generation(pe), cfg->pin_dir);
	err = start_logger(cfg, pe, opts.topo, &lg);
	if (err)
		goto out;
	if (sl_logger_buffers_pool(lg)) {
		err = sl_ctld_add_pool(ctl, sl_logger_buffers_pool(lg), "log_buffers");
		if (err)
			goto out;
	}
	if (lg && cfg->logging.audit_path[0]) {
		sl_ctld_set_audit(ctl, audit_request, lg);
		audit_daemon(lg, "start", cfg, tables->n_rules, 0, 0);
	}

	/* Workers after the attachment: their sockets go into the program's XSKMAP. */
	err = start_workers(cfg, opts.topo, fw, ctl, lg, &workers);
	if (err)
		goto out;
	err = start_dpdk_workers(cfg, ctl, lg, &dpdk_workers);
	if (err)
		goto out;

	readers = (struct readers){ .pe = pe, .ctl = ctl, .metrics = metrics, .logger = lg,
				    .workers = workers, .dpdk_workers = dpdk_workers };
	metrics_source(&readers);
	err = sl_ctld_set_policy(ctl, pe);
	if (err)
		goto out;
	sl_policy_on_change(pe, on_policy_change, &readers);
	sl_ctld_set_tick(ctl, watchdog_half_ms(), watchdog_ping, NULL);
	snprintf(status, sizeof(status), "READY=1\nSTATUS=enforcing %u rules on %zu interface%s",
		 tables->n_rules, cfg->n_ifaces, cfg->n_ifaces == 1 ? "" : "s");
	notify(status);

	err = sl_ctld_run(ctl, cfg, tables, fw, &block);
	notify("STOPPING=1\nSTATUS=stopping");
	if (err < 0)
		goto out;
	stop_signal = err;
	err = 0;
	pr_info("%s: %s\n", strsignal(stop_signal),
		cfg->keep_enforcing ? "exiting, the firewall keeps enforcing (keep_enforcing)"
				    : "detaching and exiting");
out:
	/* The metrics thread reads the firewall's maps: it goes first. */
	sl_metrics_stop(metrics);
	/* Everything logged so far is written before the program goes. */
	if (cfg->logging.audit_path[0] && pe)
		audit_daemon(lg, "stop", cfg, sl_policy_tables(pe)->n_rules, stop_signal, err);
	sl_logger_stop(lg);
	sl_ctld_close(ctl);
	/* Their sockets leave the XSKMAP before the program may go. */
	sl_workers_stop(workers);
	/* Closing DPDK ports writes what their PMDs buffered (net_pcap's tx_pcap). */
	sl_dpdk_workers_stop(dpdk_workers);
	/* SIGTERM without keep_enforcing, or a failed start, detaches and unpins. */
	sl_policy_close(pe, err ? false : cfg->keep_enforcing);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

int main(int argc, char **argv)
{
	struct sl_diag diag = { { 0 } };
	struct sl_tables *tables = NULL;
	struct sl_config *cfg = NULL;
	struct opts o = { 0 };
	int err;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	sl_log_init("sluiced", o.verbose ? SL_LOG_DEBUG : SL_LOG_INFO);

	err = sl_config_load_file(o.config, &cfg, &diag);
	if (err) {
		fprintf(stderr, "%s\n", diag.msg);
		goto out;
	}
	if (o.pin_dir) {
		if (o.pin_dir[0] != '/' || strlen(o.pin_dir) >= sizeof(cfg->pin_dir)) {
			fprintf(stderr, "sluiced: --pin-dir must be an absolute path shorter than %zu bytes\n",
				sizeof(cfg->pin_dir));
			err = -EINVAL;
			goto out;
		}
		snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", o.pin_dir);
	}
	if (o.socket) {
		if (o.socket[0] != '/' || strlen(o.socket) >= sizeof(cfg->control.socket)) {
			fprintf(stderr, "sluiced: --socket must be an absolute path shorter than %zu bytes\n",
				sizeof(cfg->control.socket));
			err = -EINVAL;
			goto out;
		}
		snprintf(cfg->control.socket, sizeof(cfg->control.socket), "%s", o.socket);
	}
	err = sl_compile(cfg, &tables, &diag);
	if (err) {
		fprintf(stderr, "%s\n", diag.msg);
		goto out;
	}
	if (o.check) {
		printf("%s: ok, %zu rules, %zu sets, %zu IPv4 and %zu IPv6 prefixes, %u classes\n",
		       o.config, cfg->n_rules, cfg->n_sets, tables->n_pfx4, tables->n_pfx6,
		       tables->n_class_bits);
		goto out;
	}
	if (o.detach) {
		if (geteuid() != 0) {
			pr_warn("must run as root\n");
			err = -EPERM;
			goto out;
		}
		err = clear_pins(cfg->pin_dir, true);
		if (!err) {
			char state[PATH_MAX];

			/* Nothing is left to adopt: the saved policy goes with the pins. */
			if (o.state_dir)
				sl_policy_remove_state(o.state_dir);
			else if (!sl_policy_default_state_dir(cfg->pin_dir, state, sizeof(state)))
				sl_policy_remove_state(state);
			pr_info("removed the pins under %s; the firewall no longer enforces\n", cfg->pin_dir);
		}
		goto out;
	}
	err = check_system(cfg);
	if (err)
		goto out;
	err = run(cfg, o.state_dir);
out:
	sl_tables_free(tables);
	sl_config_free(cfg);
	return err ? 1 : 0;
}
