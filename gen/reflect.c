/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The reflector (reflect.h). */
#include "gen/reflect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "gen/attach.h"
#include "gen_reflect.skel.h"

struct sl_gen_reflect {
	struct gen_reflect *skel;
	struct bpf_link *link;
};

int sl_gen_reflect_open(const struct sl_gen_reflect_opts *o, struct sl_gen_reflect **out,
			char *why, size_t why_len)
{
	struct sl_gen_reflect *r;
	int err;

	*out = NULL;
	if (o->ports_set && o->port_hi < o->port_lo) {
		snprintf(why, why_len, "empty port range");
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	r->skel = gen_reflect__open();
	if (!r->skel) {
		err = -errno;
		snprintf(why, why_len, "cannot open the reflector program: %s", strerror(-err));
		goto out;
	}
	r->skel->rodata->cfg.ports_set = o->ports_set;
	r->skel->rodata->cfg.port_lo = o->port_lo;
	r->skel->rodata->cfg.port_hi = o->port_hi;
	err = gen_reflect__load(r->skel);
	if (err) {
		snprintf(why, why_len, "cannot load the reflector program: %s", strerror(-err));
		goto out;
	}
	if (o->dev) {
		err = sl_gen_attach(r->skel->progs.sl_gen_reflect, o->dev, &r->link, why, why_len);
		if (err)
			goto out;
	}
	*out = r;
	return 0;
out:
	sl_gen_reflect_close(r);
	return err;
}

int sl_gen_reflect_read(struct sl_gen_reflect *r, struct sl_gen_reflect_cpu *sum)
{
	return sl_gen_percpu_sum(r->skel->maps.sl_gen_reflect_stats, 0, sum, sizeof(*sum));
}

int sl_gen_reflect_prog_fd(const struct sl_gen_reflect *r)
{
	return bpf_program__fd(r->skel->progs.sl_gen_reflect);
}

void sl_gen_reflect_close(struct sl_gen_reflect *r)
{
	if (!r)
		return;
	bpf_link__destroy(r->link);
	gen_reflect__destroy(r->skel);
	free(r);
}
