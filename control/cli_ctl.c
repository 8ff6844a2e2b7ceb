/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "cli_ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"

#define TIMEOUT_MS 5000

static const char status_usage[] =
	"Usage: sluicectl [-j] [-s SOCKET] status\n"
	"  the running sluiced: version, protocol, pid, uptime, config, pin directory,\n"
	"  rules and the interfaces it is attached to (with their XDP mode)\n";

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

static json_t *status_json(const struct sl_ctl_msg *m)
{
	const struct nlattr *tb[SL_CTL_IFACE_A_MAX + 1], *a;
	json_t *o, *ifs = json_array();
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
