/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "rtnl_cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "rtnl_status.h"

json_t *sl_rtnl_cli_json(const struct sl_ctl_msg *m)
{
	const struct nlattr *nest = m->tb[SL_CTL_A_RTNL];
	struct sl_rtnl_status *st;
	json_t *o = NULL, *links, *counters;
	size_t i, k;

	if (!nest)
		return json_null();
	st = malloc(sizeof(*st));
	if (!st)
		return NULL;
	if (sl_rtnl_status_get(m->nlh, nest, st)) {
		free(st);
		return json_null(); /* cannot happen: the reply was validated whole */
	}
	counters = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			     "events", (json_int_t)st->events, "resyncs", (json_int_t)st->resyncs,
			     "dumps_redone", (json_int_t)st->dumps_redone,
			     "foreign_dropped", (json_int_t)st->foreign,
			     "malformed_dropped", (json_int_t)st->malformed,
			     "stale_seq_dropped", (json_int_t)st->stale_seq,
			     "table_full", (json_int_t)st->table_full,
			     "dump_errors", (json_int_t)st->dump_errors,
			     "attaches", (json_int_t)st->attaches, "forgotten", (json_int_t)st->forgotten,
			     "attach_failed", (json_int_t)st->attach_failed,
			     "mtu_refused", (json_int_t)st->mtu_refused, "mtu_over", (json_int_t)st->mtu_over);
	links = json_array();
	o = json_pack("{s:b,s:I,s:I,s:I,s:I,s:I}", "synced", st->synced, "links_tracked",
		      (json_int_t)st->n_links, "addresses_tracked", (json_int_t)st->n_addrs,
		      "neighbours_tracked", (json_int_t)st->n_neighs, "routes_tracked",
		      (json_int_t)st->n_routes, "xdp_mtu_max", (json_int_t)st->xdp_mtu_max);
	if (!o || !links || !counters) {
		json_decref(o);
		json_decref(links);
		json_decref(counters);
		free(st);
		return NULL;
	}
	for (i = 0; i < st->n_status_links; i++) {
		const struct sl_rtnl_status_link *l = &st->links[i];
		json_t *addrs = json_array();
		json_t *j = json_pack("{s:I,s:s,s:I,s:b,s:b}", "ifindex", (json_int_t)l->ifindex, "name",
				      l->name, "mtu", (json_int_t)l->mtu, "up", l->up, "attached",
				      l->attached);

		if (!j || !addrs) {
			json_decref(j);
			json_decref(addrs);
			continue;
		}
		json_object_set_new(j, "entry", l->entry[0] ? json_string(l->entry) : json_null());
		json_object_set_new(j, "xdp_mode", l->attached ? json_string(sl_ctl_xdp_mode_name(l->xdp_mode))
							       : json_null());
		for (k = 0; k < l->n_addrs && l->first_addr + k < st->n_status_addrs; k++)
			json_array_append_new(addrs, json_string(st->addrs[l->first_addr + k]));
		json_object_set_new(j, "addresses", addrs);
		json_array_append_new(links, j);
	}
	json_object_set_new(o, "counters", counters);
	json_object_set_new(o, "links", links);
	free(st);
	return o;
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

void sl_rtnl_cli_print(json_t *o)
{
	json_t *c = json_object_get(o, "counters"), *links = json_object_get(o, "links"), *l;
	size_t i;

	if (!json_is_object(o))
		return;
	printf("rtnetlink       %s, %" JSON_INTEGER_FORMAT " links, %" JSON_INTEGER_FORMAT
	       " addresses, %" JSON_INTEGER_FORMAT " neighbours, %" JSON_INTEGER_FORMAT " routes\n",
	       json_is_true(json_object_get(o, "synced")) ? "synced" : "syncing",
	       num(o, "links_tracked"), num(o, "addresses_tracked"), num(o, "neighbours_tracked"),
	       num(o, "routes_tracked"));
	printf("  events %" JSON_INTEGER_FORMAT ", resyncs %" JSON_INTEGER_FORMAT
	       ", dumps redone %" JSON_INTEGER_FORMAT ", dropped: foreign %" JSON_INTEGER_FORMAT
	       " malformed %" JSON_INTEGER_FORMAT " stale %" JSON_INTEGER_FORMAT
	       ", table full %" JSON_INTEGER_FORMAT "\n",
	       num(c, "events"), num(c, "resyncs"), num(c, "dumps_redone"), num(c, "foreign_dropped"),
	       num(c, "malformed_dropped"), num(c, "stale_seq_dropped"), num(c, "table_full"));
	printf("  auto-attach: attached %" JSON_INTEGER_FORMAT ", forgotten %" JSON_INTEGER_FORMAT
	       ", failed %" JSON_INTEGER_FORMAT ", MTU refused %" JSON_INTEGER_FORMAT
	       ", MTU over %" JSON_INTEGER_FORMAT " (native XDP limit %" JSON_INTEGER_FORMAT ")\n",
	       num(c, "attaches"), num(c, "forgotten"), num(c, "attach_failed"), num(c, "mtu_refused"),
	       num(c, "mtu_over"), num(o, "xdp_mtu_max"));
	json_array_foreach(links, i, l) {
		json_t *addrs = json_object_get(l, "addresses"), *a;
		const char *entry = json_string_value(json_object_get(l, "entry"));
		size_t k;

		/* Only links an entry covers: the rest are in -j. */
		if (!entry)
			continue;
		printf("  %s (ifindex %" JSON_INTEGER_FORMAT ", mtu %" JSON_INTEGER_FORMAT ", %s, entry '%s'): %s",
		       json_string_value(json_object_get(l, "name")), num(l, "ifindex"), num(l, "mtu"),
		       json_is_true(json_object_get(l, "up")) ? "up" : "down", entry,
		       json_is_true(json_object_get(l, "attached"))
			       ? json_string_value(json_object_get(l, "xdp_mode")) : "not attached");
		json_array_foreach(addrs, k, a)
			printf(" %s", json_string_value(a));
		putchar('\n');
	}
}
