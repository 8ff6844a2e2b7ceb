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

#include "compile.h"
#include "config.h"
#include "ctl_daemon.h"
#include "dataplane/fw.h"
#include "dataplane/log.h"
#include "dataplane/logger.h"
#include "dataplane/tiers.h"

static const char usage[] =
	"Usage: sluiced -c FILE [--check] [--detach] [--pin-dir DIR] [--socket PATH] [-v]\n"
	"  -c, --config FILE  the YAML config (docs/config.md)\n"
	"      --pin-dir DIR  pin the maps here instead of settings.pin_dir\n"
	"      --socket PATH  serve the control socket here instead of control.socket\n"
	"      --check        validate and compile the config, touch nothing, exit\n"
	"      --detach       remove what a previous sluiced left enforcing (keep_enforcing) and exit\n"
	"  -v, --verbose      debug messages (libbpf's too)\n"
	"  -h, --help         this text\n";

struct opts {
	const char *config;
	const char *pin_dir;
	const char *socket;
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
	if (!cfg->n_ifaces) {
		pr_warn("%s: no interfaces to attach to\n", cfg->path);
		return -EINVAL;
	}
	for (i = 0; i < cfg->n_ifaces; i++) {
		if (!if_nametoindex(cfg->ifaces[i].name)) {
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

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int run(const struct sl_config *cfg, const struct sl_tables *tables)
{
	struct sl_diag diag = { { 0 } };
	struct sigaction sa = { .sa_handler = on_signal };
	struct sl_fw *fw = NULL;
	struct sl_ctld *ctl = NULL;
	struct sl_logger *lg = NULL;
	struct sl_fw_opts opts = { 0 };
	struct sl_topology topo;
	sigset_t block, old;
	size_t i;
	int err;

	err = clear_pins(cfg->pin_dir, false);
	if (err)
		return err;

	/* Signals wait until we are attached and pinned: no half state on exit. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = sl_ctld_open(cfg, &ctl);
	if (err)
		goto out;
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
	err = sl_fw_load_opts(tables, &opts, &fw, &diag);
	if (err) {
		pr_warn("%s\n", diag.msg);
		goto out;
	}
	for (i = 0; i < cfg->n_ifaces; i++) {
		enum sl_xdp_mode used;

		err = sl_fw_attach(fw, cfg->ifaces[i].name, cfg->ifaces[i].mode, &used, &diag);
		if (err) {
			pr_warn("%s\n", diag.msg);
			goto out;
		}
		pr_info("attached to %s in %s mode\n", cfg->ifaces[i].name,
			used == SL_XDP_MODE_GENERIC ? "generic" : "native");
	}
	err = sl_fw_pin(fw, cfg->pin_dir, cfg->keep_enforcing, &diag);
	if (err) {
		pr_warn("%s\n", diag.msg);
		goto out;
	}
	pr_info("enforcing %u rules; counters pinned under %s\n", tables->n_rules, cfg->pin_dir);
	err = sl_logger_start_fw(cfg, tables, fw, opts.topo, &lg);
	if (err)
		goto out;
	if (sl_logger_buffers_pool(lg)) {
		err = sl_ctld_add_pool(ctl, sl_logger_buffers_pool(lg), "log_buffers");
		if (err)
			goto out;
	}

	err = sl_ctld_run(ctl, cfg, tables, fw, &block);
	if (err < 0)
		goto out;
	stop_signal = err;
	err = 0;
	pr_info("%s: %s\n", strsignal(stop_signal),
		cfg->keep_enforcing ? "exiting, the firewall keeps enforcing (keep_enforcing)"
				    : "detaching and exiting");
out:
	/* Everything logged so far is written before the program goes. */
	sl_logger_stop(lg);
	sl_ctld_close(ctl);
	sl_fw_destroy(fw, err ? false : cfg->keep_enforcing);
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
		if (!err)
			pr_info("removed the pins under %s; the firewall no longer enforces\n", cfg->pin_dir);
		goto out;
	}
	err = check_system(cfg);
	if (err)
		goto out;
	err = run(cfg, tables);
out:
	sl_tables_free(tables);
	sl_config_free(cfg);
	return err ? 1 : 0;
}
