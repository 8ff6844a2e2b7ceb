/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "worker_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "worker_status.h"

/* The pipeline: each stage's name, decisions and own counters, in order. */
static json_t *pipeline_json(const struct sl_ctl_worker *w)
{
	json_t *arr = json_array();
	uint32_t i, k;

	for (i = 0; arr && i < w->n_stage; i++) {
		const struct sl_ctl_stage *sc = &w->stage[i];
		json_t *own = json_object();

		for (k = 0; own && k < sc->n_own; k++)
			json_object_set_new(own, sc->own_names[k], json_integer((json_int_t)sc->own[k]));
		json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:I,s:o*}", "name", sc->name,
						     "seen", (json_int_t)sc->seen, "tx", (json_int_t)sc->tx,
						     "drop", (json_int_t)sc->drop, "counters", own));
	}
	return arr;
}

static json_t *worker_json(const struct sl_ctl_worker *w)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "interface", json_string(w->ifname));
	json_object_set_new(o, "port", json_string(w->port[0] ? w->port : "af_xdp"));
	json_object_set_new(o, "peer", w->peer[0] ? json_string(w->peer) : json_null());
	json_object_set_new(o, "queue", json_integer(w->queue));
	json_object_set_new(o, "cpu", json_integer(w->cpu));
	json_object_set_new(o, "running", json_boolean(w->running));
	/* A DPDK port has no AF_XDP mode: its driver polls the device ("pmd"). */
	json_object_set_new(o, "mode", json_string(!strcmp(w->port, "dpdk") ? "pmd"
						   : w->zero_copy ? "zero-copy" : "copy"));
	json_object_set_new(o, "multi_buffer", json_boolean(w->multi_buffer));
	json_object_set_new(o, "multi_buffer_refused", json_boolean(w->sg_refused));
	json_object_set_new(o, "busy_poll", json_boolean(w->busy_poll));
	json_object_set_new(o, "stages", json_string(w->stages));
	json_object_set_new(o, "pipeline", pipeline_json(w));
	json_object_set_new(o, "note", w->note[0] ? json_string(w->note) : json_null());
	json_object_set_new(o, "rx_packets", json_integer((json_int_t)w->rx_packets));
	json_object_set_new(o, "rx_bytes", json_integer((json_int_t)w->rx_bytes));
	json_object_set_new(o, "tx_packets", json_integer((json_int_t)w->tx_packets));
	json_object_set_new(o, "tx_bytes", json_integer((json_int_t)w->tx_bytes));
	json_object_set_new(o, "drops", json_pack("{s:I,s:I,s:I}",
		"stage", (json_int_t)w->drop_stage, "undecided", (json_int_t)w->drop_undecided,
		"tx_full", (json_int_t)w->drop_tx_full));
	json_object_set_new(o, "batches", json_integer((json_int_t)w->batches));
	json_object_set_new(o, "avg_batch",
			    json_real(w->batches ? (double)w->rx_packets / (double)w->batches : 0.0));
	json_object_set_new(o, "wakeups", json_integer((json_int_t)w->wakeups));
	json_object_set_new(o, "polls", json_integer((json_int_t)w->polls));
	json_object_set_new(o, "fill_ring_empty", json_integer((json_int_t)w->fill_empty));
	json_object_set_new(o, "rx_ring_full", json_integer((json_int_t)w->rx_ring_full));
	json_object_set_new(o, "kernel_dropped", json_integer((json_int_t)w->kernel_dropped));
	json_object_set_new(o, "refill_starved", json_integer((json_int_t)w->refill_starved));
	json_object_set_new(o, "frames", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:I}",
		"total", (json_int_t)w->frames, "free", (json_int_t)w->fr_free,
		"in_hand", (json_int_t)w->fr_in_hand, "fill_ring", (json_int_t)w->fr_fill,
		"kernel", (json_int_t)w->fr_kernel, "completion_ring", (json_int_t)w->fr_comp,
		"accounted", (int)w->acct_ok, "miscounts", (json_int_t)w->acct_failures));
	return o;
}

json_t *sl_worker_cli_json(const struct sl_ctl_msg *m)
{
	const struct nlattr *a;
	json_t *arr = json_array();

	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_WORKER); arr && a;
	     a = sl_ctl_next_attr(m, a, SL_CTL_A_WORKER)) {
		struct sl_ctl_worker w;

		if (sl_ctl_worker_get(m->nlh, a, &w))
			continue; /* cannot happen: the message was validated whole */
		json_array_append_new(arr, worker_json(&w));
	}
	return arr;
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

void sl_worker_cli_print(json_t *workers)
{
	json_t *w, *d, *f, *st, *c;
	size_t i, k;
	const char *key;

	json_array_foreach(workers, i, w) {
		bool dpdk = !strcmp(json_string_value(json_object_get(w, "port")) ?: "", "dpdk");
		const char *peer = json_string_value(json_object_get(w, "peer"));

		d = json_object_get(w, "drops");
		f = json_object_get(w, "frames");
		printf("worker          %s%s%s queue %" JSON_INTEGER_FORMAT " cpu %" JSON_INTEGER_FORMAT
		       ", %s, %s %s%s%s, stages %s\n",
		       json_string_value(json_object_get(w, "interface")), peer ? " <-> " : "",
		       peer ? peer : "", num(w, "queue"), num(w, "cpu"),
		       json_is_true(json_object_get(w, "running")) ? "running" : "stopped",
		       dpdk ? "DPDK" : "AF_XDP", json_string_value(json_object_get(w, "mode")),
		       json_is_true(json_object_get(w, "multi_buffer")) ? ", multi-buffer" : "",
		       json_is_true(json_object_get(w, "busy_poll")) ? ", busy polling" : "",
		       json_string_value(json_object_get(w, "stages")));
		printf("  packets       rx %" JSON_INTEGER_FORMAT " tx %" JSON_INTEGER_FORMAT
		       " dropped: stage %" JSON_INTEGER_FORMAT " undecided %" JSON_INTEGER_FORMAT
		       " tx_full %" JSON_INTEGER_FORMAT "\n",
		       num(w, "rx_packets"), num(w, "tx_packets"), num(d, "stage"), num(d, "undecided"),
		       num(d, "tx_full"));
		printf("  rings         avg batch %.1f, wakeups %" JSON_INTEGER_FORMAT
		       ", fill ring empty %" JSON_INTEGER_FORMAT ", rx ring full %" JSON_INTEGER_FORMAT
		       "\n",
		       json_real_value(json_object_get(w, "avg_batch")), num(w, "wakeups"),
		       num(w, "fill_ring_empty"), num(w, "rx_ring_full"));
		printf("  frames        %" JSON_INTEGER_FORMAT ": free %" JSON_INTEGER_FORMAT
		       " in hand %" JSON_INTEGER_FORMAT " fill %" JSON_INTEGER_FORMAT
		       " kernel %" JSON_INTEGER_FORMAT " completion %" JSON_INTEGER_FORMAT " (%s)\n",
		       num(f, "total"), num(f, "free"), num(f, "in_hand"), num(f, "fill_ring"),
		       num(f, "kernel"), num(f, "completion_ring"),
		       json_is_true(json_object_get(f, "accounted")) ? "all accounted for" : "MISCOUNTED");
		json_array_foreach(json_object_get(w, "pipeline"), k, st) {
			json_t *v;

			printf("  stage %-8s seen %" JSON_INTEGER_FORMAT " tx %" JSON_INTEGER_FORMAT
			       " drop %" JSON_INTEGER_FORMAT,
			       json_string_value(json_object_get(st, "name")), num(st, "seen"),
			       num(st, "tx"), num(st, "drop"));
			c = json_object_get(st, "counters");
			json_object_foreach(c, key, v)
				printf(" %s %" JSON_INTEGER_FORMAT, key, json_integer_value(v));
			printf("\n");
		}
	}
}
