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
#include "sluice/ctl.h"

struct sl_ctld {
	struct sl_ctl_server *srv;
	struct sl_ctl_state state; /* read by the server on every request */
	struct sl_ctl_iface_info ifaces[SL_MAX_IFACES];
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
	pr_info("control socket %s\n", cfg->control.socket);
	err = sl_ctl_server_run(d->srv, stop, &signo);
	/* The maps' fds belong to fw, which may go before the server does. */
	st->stats = (struct sl_stats_fds){ -1, -1, -1, -1 };
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
