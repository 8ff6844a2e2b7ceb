/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dpdk_workers.h in a build without DPDK (meson option dpdk): the config
 * loader refuses `ports: dpdk` there, so only a caller that skipped it
 * gets here.
 */
#include "dpdk_workers.h"

#include <errno.h>

int sl_dpdk_workers_start(const struct sl_config *cfg, struct sl_logger *events,
			  struct sl_dpdk_workers **out, struct sl_diag *diag)
{
	(void)cfg;
	(void)events;
	*out = NULL;
	sl_diagf(diag, "dataplane.ports: dpdk: this sluice was built without DPDK (meson option dpdk)");
	return -EOPNOTSUPP;
}

uint32_t sl_dpdk_workers_count(const struct sl_dpdk_workers *ws)
{
	(void)ws;
	return 0;
}

int sl_dpdk_workers_read(const struct sl_dpdk_workers *ws, uint32_t i,
			 struct sl_worker_info *info, struct sl_worker_stats *st,
			 struct sl_port_kstats *k)
{
	(void)ws;
	(void)i;
	(void)info;
	(void)st;
	(void)k;
	return -ENOENT;
}

void sl_dpdk_workers_stop(struct sl_dpdk_workers *ws)
{
	(void)ws;
}
