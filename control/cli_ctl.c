/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "cli_ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"
#include "rtnl_cli.h"
#include "worker_cli.h"

#define TIMEOUT_MS 5000

static const char status_usage[] =
	"Usage: sluicectl [-j] [-s SOCKET] status\n"
	"  the running sluiced: version, protocol, pid, uptime, config, pin directory,\n"
	"  rules, the interfaces it is attached to (with their XDP mode) and the\n"
	"  memory placement of its large BPF maps and pools (docs/tiers.md)\n";

static int fail_ctl(const struct sl_ctl_error *e)
{
	fprintf(stderr, "sluicectl: %s\n", e->msg[0] ? e->msg : strerror(-e->err));
	return 1;
}

static int call(const char *socket, uint8_t cmd, uint16_t flags, sl_ctl_reply_fn fn, void *arg)
{
	struct sl_ctl_client *c;
	struct sl_ctl_error e;
	int err;

	err = sl_ctl_client_open(socket, TIMEOUT_MS, &c, &e);
	if (err)
		return fail_ctl(&e);
	err = sl_ctl_client_call(c, cmd, flags, fn, arg, &e);
	sl_ctl_client_close(c);
	if (err && err == e.err)
		return fail_ctl(&e);
	if (err) {
		fprintf(stderr, "sluicectl: unexpected reply from sluiced: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ status */

/* The nodes of a 64-bit node set as a JSON array of ids. */
static json_t *nodes_json(uint64_t nodes)
{
	json_t *a = json_array();
	unsigned int n;

	for (n = 0; a && n < 64; n++)
		if (nodes & (1ULL << n))
			json_array_append_new(a, json_integer(n));
	return a;
}

static json_t *placement_json(const struct sl_ctl_place_info *pi)
{
	json_t *o, *np;
	unsigned int n;

	o = json_pack("{s:s,s:s,s:s,s:s}", "name", pi->name, "kind", sl_ctl_place_kind_name(pi->kind),
		      "pool", pi->pool, "tier", pi->tier);
	if (!o)
		return NULL;
	json_object_set_new(o, "requested_nodes", pi->req_nodes ? nodes_json(pi->req_nodes) : json_null());
	json_object_set_new(o, "nodes", nodes_json(pi->nodes));
	json_object_set_new(o, "fell_back", json_boolean(pi->fell_back));
	json_object_set_new(o, "numa_flag", pi->numa_flag < 0 ? json_null() : json_boolean(pi->numa_flag));
	json_object_set_new(o, "bytes", json_integer((json_int_t)pi->bytes));
	json_object_set_new(o, "measured", json_boolean(pi->measured));
	if (!pi->measured) {
		json_object_set_new(o, "page_size", json_null());
		json_object_set_new(o, "pages", json_null());
		json_object_set_new(o, "absent", json_null());
		json_object_set_new(o, "node_pages", json_null());
		return o;
	}
	json_object_set_new(o, "page_size", json_integer((json_int_t)pi->page_size));
	json_object_set_new(o, "pages", json_integer((json_int_t)pi->pages));
	json_object_set_new(o, "absent", json_integer((json_int_t)pi->absent));
	np = json_array();
	for (n = 0; np && n < SL_CTL_PLACE_NODES; n++)
		if (pi->node_pages[n])
			json_array_append_new(np, json_pack("{s:i,s:I}", "node", (int)n, "pages",
							    (json_int_t)pi->node_pages[n]));
	json_object_set_new(o, "node_pages", np ? np : json_null());
	return o;
}

static json_t *status_json(const struct sl_ctl_msg *m)
{
	const struct nlattr *tb[SL_CTL_IFACE_A_MAX + 1], *a;
	json_t *o, *ifs = json_array(), *pls;
	struct sl_ctl_error e;

	o = json_pack("{s:s,s:i,s:I,s:I,s:s,s:I}",
		      "daemon_version", mnl_attr_get_str(m->tb[SL_CTL_A_DAEMON_VERSION]),
		      "protocol_version", m->hdr->version,
		      "pid", (json_int_t)mnl_attr_get_u32(m->tb[SL_CTL_A_PID]),
		      "uptime_ms", (json_int_t)mnl_attr_get_u64(m->tb[SL_CTL_A_UPTIME_MS]),
		      "pin_dir", mnl_attr_get_str(m->tb[SL_CTL_A_PIN_DIR]),
		      "rules", (json_int_t)mnl_attr_get_u32(m->tb[SL_CTL_A_RULE_COUNT]));
	if (!o || !ifs) {
		json_decref(o);
		json_decref(ifs);
		return NULL;
	}
	json_object_set_new(o, "config", m->tb[SL_CTL_A_CONFIG]
				   ? json_string(mnl_attr_get_str(m->tb[SL_CTL_A_CONFIG])) : json_null());
	a = m->tb[SL_CTL_A_KEEP_ENFORCING];
	json_object_set_new(o, "keep_enforcing", json_boolean(a && mnl_attr_get_u8(a)));
	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_IFACE); a;
	     a = sl_ctl_next_attr(m, a, SL_CTL_A_IFACE)) {
		json_t *i;

		if (sl_ctl_parse_nest(m->nlh, a, &sl_ctl_iface_attrs, tb, &e))
			continue; /* cannot happen: the message was validated whole */
		i = json_pack("{s:s}", "name", mnl_attr_get_str(tb[SL_CTL_IFACE_A_NAME]));
		json_object_set_new(i, "ifindex", tb[SL_CTL_IFACE_A_INDEX]
			? json_integer(mnl_attr_get_u32(tb[SL_CTL_IFACE_A_INDEX])) : json_null());
		json_object_set_new(i, "xdp_mode", tb[SL_CTL_IFACE_A_XDP_MODE]
			? json_string(sl_ctl_xdp_mode_name(mnl_attr_get_u32(tb[SL_CTL_IFACE_A_XDP_MODE])))
			: json_null());
		json_array_append_new(ifs, i);
	}
	json_object_set_new(o, "interfaces", ifs);
	pls = json_array();
	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_PLACEMENT); pls && a;
	     a = sl_ctl_next_attr(m, a, SL_CTL_A_PLACEMENT)) {
		struct sl_ctl_place_info pi;

		if (sl_ctl_get_placement(m->nlh, a, &pi))
			continue; /* a node id this sluicectl cannot hold */
		json_array_append_new(pls, placement_json(&pi));
	}
	json_object_set_new(o, "placement", pls ? pls : json_array());
	json_object_set_new(o, "rtnetlink", sl_rtnl_cli_json(m));
	json_object_set_new(o, "workers", sl_worker_cli_json(m));
	return o;
}

static int on_status(const struct sl_ctl_msg *m, void *arg)
{
	json_t **out = arg;

	if (*out)
		return -EBADMSG; /* one reply only */
	*out = status_json(m);
	return *out ? 0 : -ENOMEM;
}

/* One run of consecutive node ids, "3" or "0-1", after sep. */
static void print_run(const char *sep, json_int_t start, json_int_t end)
{
	if (end > start)
		printf("%s%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT, sep, start, end);
	else
		printf("%s%" JSON_INTEGER_FORMAT, sep, start);
}

/* "0-1,3" from a JSON array of ascending node ids; "-" for none. */
static void print_nodes(json_t *nodes)
{
	json_int_t prev = -2, start = -2;
	const char *sep = "";
	json_t *v;
	size_t k;

	json_array_foreach(nodes, k, v) {
		json_int_t n = json_integer_value(v);

		if (n == prev + 1) {
			prev = n;
			continue;
		}
		if (start >= 0) {
			print_run(sep, start, prev);
			sep = ",";
		}
		start = prev = n;
	}
	if (start >= 0)
		print_run(sep, start, prev);
	else
		printf("-");
}

/*
 * The memory section: one line per map or pool, like sl_pool_format's:
 * "sl_dir24 (map, prefix_tables): tier fast -> nodes 0, B bytes, P pages
 * of 4 KiB: node0=P".
 */
static void print_placement_text(json_t *pl)
{
	json_t *p;
	size_t k;

	if (!json_array_size(pl)) {
		printf("memory          - (the config's memory: section places nothing)\n");
		return;
	}
	printf("memory\n");
	json_array_foreach(pl, k, p) {
		json_t *req = json_object_get(p, "requested_nodes"), *np, *e;
		const char *pool = json_string_value(json_object_get(p, "pool"));
		size_t j;

		printf("  %s (%s%s%s): tier %s", json_string_value(json_object_get(p, "name")),
		       json_string_value(json_object_get(p, "kind")), pool && pool[0] ? ", " : "",
		       pool ? pool : "", json_string_value(json_object_get(p, "tier")));
		if (json_is_array(req)) {
			putchar(' ');
			print_nodes(req);
		}
		printf(" -> nodes ");
		print_nodes(json_object_get(p, "nodes"));
		if (json_is_true(json_object_get(p, "fell_back")))
			printf(" (fell back)");
		if (json_is_boolean(json_object_get(p, "numa_flag")))
			printf(json_is_true(json_object_get(p, "numa_flag")) ? ", BPF_F_NUMA_NODE"
									     : ", no BPF_F_NUMA_NODE");
		printf(", %" JSON_INTEGER_FORMAT " bytes",
		       json_integer_value(json_object_get(p, "bytes")));
		if (!json_is_true(json_object_get(p, "measured"))) {
			printf(", pages not measurable\n");
			continue;
		}
		printf(", %" JSON_INTEGER_FORMAT " pages of %" JSON_INTEGER_FORMAT " KiB:",
		       json_integer_value(json_object_get(p, "pages")),
		       json_integer_value(json_object_get(p, "page_size")) / 1024);
		np = json_object_get(p, "node_pages");
		json_array_foreach(np, j, e)
			printf(" node%" JSON_INTEGER_FORMAT "=%" JSON_INTEGER_FORMAT,
			       json_integer_value(json_object_get(e, "node")),
			       json_integer_value(json_object_get(e, "pages")));
		if (json_integer_value(json_object_get(p, "absent")))
			printf(" absent=%" JSON_INTEGER_FORMAT,
			       json_integer_value(json_object_get(p, "absent")));
		putchar('\n');
	}
}

static void print_status_text(json_t *o)
{
	json_int_t up = json_integer_value(json_object_get(o, "uptime_ms")) / 1000;
	json_t *ifs = json_object_get(o, "interfaces"), *i;
	const char *config = json_string_value(json_object_get(o, "config"));
	size_t k;

	printf("sluiced %s (protocol %d), pid %" JSON_INTEGER_FORMAT ", up %" JSON_INTEGER_FORMAT
	       "d %02" JSON_INTEGER_FORMAT ":%02" JSON_INTEGER_FORMAT ":%02" JSON_INTEGER_FORMAT "\n",
	       json_string_value(json_object_get(o, "daemon_version")),
	       (int)json_integer_value(json_object_get(o, "protocol_version")),
	       json_integer_value(json_object_get(o, "pid")), up / 86400, up / 3600 % 24, up / 60 % 60,
	       up % 60);
	printf("config          %s\n", config ? config : "-");
	printf("pin dir         %s%s\n", json_string_value(json_object_get(o, "pin_dir")),
	       json_is_true(json_object_get(o, "keep_enforcing")) ? " (keep_enforcing)" : "");
	printf("rules           %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(o, "rules")));
	printf("interfaces     ");
	json_array_foreach(ifs, k, i)
		printf(" %s (%s)", json_string_value(json_object_get(i, "name")),
		       json_is_string(json_object_get(i, "xdp_mode"))
			       ? json_string_value(json_object_get(i, "xdp_mode")) : "?");
	if (!json_array_size(ifs))
		printf(" -");
	putchar('\n');
	print_placement_text(json_object_get(o, "placement"));
	sl_rtnl_cli_print(json_object_get(o, "rtnetlink"));
	sl_worker_cli_print(json_object_get(o, "workers"));
}

int sl_cli_status(const char *socket, bool json, int argc, char **argv)
{
	json_t *o = NULL;
	int rc;

	if (argc > 0 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help"))) {
		fputs(status_usage, stdout);
		return 0;
	}
	if (argc > 0 && strcmp(argv[0], "show")) {
		fprintf(stderr, "sluicectl: unknown status command '%s' (show, help)\n", argv[0]);
		return 1;
	}
	if (argc > 1) {
		fprintf(stderr, "sluicectl: status takes no arguments, got '%s'\n", argv[1]);
		return 1;
	}
	rc = call(socket, SL_CTL_CMD_STATUS, 0, on_status, &o);
	if (!rc && !o) {
		fprintf(stderr, "sluicectl: sluiced sent no status\n");
		rc = 1;
	}
	if (!rc) {
		if (json) {
			rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ? 1 : 0;
			putchar('\n');
		} else {
			print_status_text(o);
		}
	}
	json_decref(o);
	return rc;
}

/* ------------------------------------------------------------------ stats */

/* Copies one counter nest into out[id] if id < n. */
static int get_counter(const struct sl_ctl_msg *m, const struct nlattr *a, struct sl_counter *out,
		       uint32_t n, uint32_t *id, const char **name)
{
	const struct nlattr *tb[SL_CTL_CNT_A_MAX + 1];
	struct sl_ctl_error e;

	if (sl_ctl_parse_nest(m->nlh, a, &sl_ctl_counter_attrs, tb, &e))
		return -EBADMSG;
	*id = mnl_attr_get_u32(tb[SL_CTL_CNT_A_ID]);
	*name = tb[SL_CTL_CNT_A_NAME] ? mnl_attr_get_str(tb[SL_CTL_CNT_A_NAME]) : "";
	if (*id >= n)
		return -ERANGE;
	out[*id].packets = mnl_attr_get_u64(tb[SL_CTL_CNT_A_PACKETS]);
	out[*id].bytes = mnl_attr_get_u64(tb[SL_CTL_CNT_A_BYTES]);
	return 0;
}

static int on_stats(const struct sl_ctl_msg *m, void *arg)
{
	struct sl_stats *st = arg;
	const struct nlattr *a;
	const char *name;
	uint32_t id;
	int err;

	/* Ids this sluicectl does not know (a newer daemon's) are left out. */
	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_VERDICT); a;
	     a = sl_ctl_next_attr(m, a, SL_CTL_A_VERDICT)) {
		err = get_counter(m, a, st->verdicts, SL_VERDICT_COUNT, &id, &name);
		if (err && err != -ERANGE)
			return err;
	}
	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_REASON); a;
	     a = sl_ctl_next_attr(m, a, SL_CTL_A_REASON)) {
		err = get_counter(m, a, st->reasons, SL_REASON_COUNT, &id, &name);
		if (err && err != -ERANGE)
			return err;
	}
	a = m->tb[SL_CTL_A_IFACE_STATS];
	if (a) {
		struct sl_counter c[SL_VERDICT_COUNT] = { { 0 } };
		struct sl_stats_iface *e;

		if (sl_ctl_get_iface_stats(m->nlh, a, &id, c, SL_VERDICT_COUNT))
			return -EBADMSG;
		/* id is the ingress ifindex; more interfaces than the pins can hold are left out. */
		e = sl_stats_iface_get(st, id);
		if (e)
			memcpy(e->c, c, sizeof(c));
	}
	a = m->tb[SL_CTL_A_RULE];
	if (a) {
		/* Rules come in index order, one per message, without gaps. */
		err = get_counter(m, a, st->rules, SL_MAX_RULES, &id, &name);
		if (err)
			return err;
		if (id != st->n_rules)
			return -EBADMSG;
		snprintf(st->meta[id].name, sizeof(st->meta[id].name), "%s", name);
		st->n_rules++;
	}
	return 0;
}

int sl_cli_stats_from_daemon(const char *socket, struct sl_stats *st)
{
	memset(st, 0, sizeof(*st));
	return call(socket, SL_CTL_CMD_STATS, NLM_F_DUMP, on_stats, st);
}

/* ------------------------------------------------------------------ reload */

static const char reload_usage[] =
	"Usage: sluicectl [-j] [-s SOCKET] reload\n"
	"  sluiced re-reads its config file and applies it as one new generation\n"
	"  (docs/control.md); a config that does not load or compile is refused with\n"
	"  the reason, and the running policy stays. The same as SIGHUP, with an answer.\n";

int sl_cli_reload(const char *socket, bool json, int argc, char **argv)
{
	int rc;

	if (argc > 0 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help"))) {
		fputs(reload_usage, stdout);
		return 0;
	}
	if (argc > 0) {
		fprintf(stderr, "sluicectl: reload takes no arguments, got '%s'\n", argv[0]);
		return 1;
	}
	rc = call(socket, SL_CTL_CMD_RELOAD, 0, NULL, NULL);
	if (!rc && json)
		printf("{\"reloaded\": true}\n");
	return rc;
}
