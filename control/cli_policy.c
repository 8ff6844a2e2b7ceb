/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "cli_policy.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl_client.h"
#include "prefix.h"
#include "setfile.h"

#define TIMEOUT_MS 30000     /* a change of a large set compiles a new generation */
#define CHUNK_PREFIXES 2000  /* prefixes per request of a set load (about 40 KB) */

static const char rule_usage[] =
	"Usage: sluicectl [-j] [-s SOCKET] rule COMMAND\n"
	"  add [--before NAME | --after NAME | --index N] RULE   add a rule (at the end by default)\n"
	"  delete NAME                                         delete a rule\n"
	"  replace NAME RULE                                   replace a rule in place (counters stay)\n"
	"  list                                                the rules in order\n"
	"RULE is a YAML flow mapping with the keys of a rule in the config (docs/config.md),\n"
	"one argument: '{name: web, protocol: tcp, dport: [80, 443], action: accept}'.\n"
	"Each change is one generation; several at once: sluicectl batch FILE.\n";

static const char set_usage[] =
	"Usage: sluicectl [-j] [-s SOCKET] set COMMAND\n"
	"  create NAME [PREFIX...]          create a named set\n"
	"  delete NAME                      delete a set no rule uses\n"
	"  add NAME PREFIX...               add elements (present ones are skipped)\n"
	"  del NAME PREFIX...               delete elements\n"
	"  flush NAME                       delete every element\n"
	"  list [NAME]                      the sets and their sizes; with NAME its elements\n"
	"  load NAME FILE [--replace]       add a set file's prefixes (created if missing; with\n"
	"                                   --replace the set becomes the file), one generation\n";

static const char iface_usage[] =
	"Usage: sluicectl [-j] [-s SOCKET] iface COMMAND\n"
	"  attach NAME [native|native-only|generic]   attach the firewall to an interface\n"
	"  detach NAME                                detach it\n"
	"  list                                       the interfaces the firewall is attached to\n";

static const char batch_usage[] =
	"Usage: sluicectl [-j] [-s SOCKET] batch FILE\n"
	"  runs every line of FILE, a rule or set change as on the command line\n"
	"  ('rule add {...}', 'set add NAME PREFIX...'; '#' starts a comment), in one\n"
	"  transaction: all of them are applied as one generation, or none is.\n";

static int fail_ctl(const struct sl_ctl_error *e)
{
	fprintf(stderr, "sluicectl: %s\n", e->msg[0] ? e->msg : strerror(-e->err));
	return 1;
}

static int usage_err(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "sluicectl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return 1;
}

/* A connection and a request buffer. */
struct conn {
	struct sl_ctl_client *c;
	void *buf;
	uint32_t tx; /* 0: none */
};

static int conn_open(struct conn *k, const char *socket)
{
	struct sl_ctl_error e;

	memset(k, 0, sizeof(*k));
	k->buf = malloc(SL_CTL_MSG_MAX);
	if (!k->buf)
		return -ENOMEM;
	if (sl_ctl_client_open(socket, TIMEOUT_MS, &k->c, &e)) {
		fail_ctl(&e);
		free(k->buf);
		k->buf = NULL;
		return -ECONNREFUSED;
	}
	return 0;
}

static void conn_close(struct conn *k)
{
	sl_ctl_client_close(k->c);
	free(k->buf);
}

static struct nlmsghdr *start(struct conn *k, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = sl_ctl_msg_start(k->buf, SL_CTL_MSG_MAX, cmd, flags, 0, 0);

	if (nlh && k->tx)
		mnl_attr_put_u32(nlh, SL_CTL_A_TX_ID, k->tx);
	return nlh;
}

static int put_str(struct nlmsghdr *nlh, uint16_t type, const char *s)
{
	return mnl_attr_put_strz_check(nlh, SL_CTL_MSG_MAX, type, s) ? 0 : -EMSGSIZE;
}

static int send_req(struct conn *k, struct nlmsghdr *nlh, sl_ctl_reply_fn fn, void *arg)
{
	struct sl_ctl_error e;
	int err = sl_ctl_client_send(k->c, nlh, fn, arg, &e);

	if (err)
		return fail_ctl(&e) ? err : err;
	return 0;
}

/* ------------------------------------------------------------ requests */

/*
 * Builds the request of one change (argv without "sluicectl"): "rule add
 * ...", "set add NAME P...". 0 and *out, or 1 after a usage message.
 */
static int build_change(struct conn *k, int argc, char **argv, struct nlmsghdr **out)
{
	const char *obj = argc > 0 ? argv[0] : "", *cmd = argc > 1 ? argv[1] : "";
	struct nlmsghdr *nlh = NULL;
	int i, err = 0;

	*out = NULL;
	if (!strcmp(obj, "rule") && !strcmp(cmd, "add")) {
		nlh = start(k, SL_CTL_CMD_RULE_ADD, 0);
		for (i = 2; i < argc - 1 && !err; i += 2) {
			if (!strcmp(argv[i], "--before"))
				err = put_str(nlh, SL_CTL_A_BEFORE, argv[i + 1]);
			else if (!strcmp(argv[i], "--after"))
				err = put_str(nlh, SL_CTL_A_AFTER, argv[i + 1]);
			else if (!strcmp(argv[i], "--index")) {
				char *end;
				unsigned long n = strtoul(argv[i + 1], &end, 10);

				if (*end || end == argv[i + 1] || n >= SL_MAX_RULES + 1)
					return usage_err(rule_usage, "bad --index '%s'", argv[i + 1]);
				mnl_attr_put_u32(nlh, SL_CTL_A_POSITION, (uint32_t)n);
			} else
				return usage_err(rule_usage, "unknown option '%s'", argv[i]);
		}
		if (i != argc - 1)
			return usage_err(rule_usage, "rule add needs one RULE%s", "");
		err = err ? err : put_str(nlh, SL_CTL_A_RULE_TEXT, argv[argc - 1]);
	} else if (!strcmp(obj, "rule") && !strcmp(cmd, "delete")) {
		if (argc != 3)
			return usage_err(rule_usage, "rule delete takes one NAME%s", "");
		nlh = start(k, SL_CTL_CMD_RULE_DELETE, 0);
		err = put_str(nlh, SL_CTL_A_RULE_NAME, argv[2]);
	} else if (!strcmp(obj, "rule") && !strcmp(cmd, "replace")) {
		if (argc != 4)
			return usage_err(rule_usage, "rule replace takes NAME and RULE%s", "");
		nlh = start(k, SL_CTL_CMD_RULE_REPLACE, 0);
		err = put_str(nlh, SL_CTL_A_RULE_NAME, argv[2]);
		err = err ? err : put_str(nlh, SL_CTL_A_RULE_TEXT, argv[3]);
	} else if (!strcmp(obj, "set")) {
		static const struct {
			const char *name;
			uint8_t cmd;
			int min, max; /* arguments after the command */
		} cmds[] = {
			{ "create", SL_CTL_CMD_SET_CREATE, 1, 1 << 20 },
			{ "delete", SL_CTL_CMD_SET_DELETE, 1, 1 },
			{ "add", SL_CTL_CMD_SET_ADD, 2, 1 << 20 },
			{ "del", SL_CTL_CMD_SET_REMOVE, 2, 1 << 20 },
			{ "flush", SL_CTL_CMD_SET_FLUSH, 1, 1 },
		};
		size_t c;

		for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
			if (!strcmp(cmd, cmds[c].name))
				break;
		if (c == sizeof(cmds) / sizeof(cmds[0]))
			return usage_err(set_usage, "unknown set command '%s'", cmd);
		if (argc - 2 < cmds[c].min || argc - 2 > cmds[c].max)
			return usage_err(set_usage, "wrong number of arguments for set %s", cmd);
		nlh = start(k, cmds[c].cmd, 0);
		err = put_str(nlh, SL_CTL_A_SET_NAME, argv[2]);
		for (i = 3; i < argc && !err; i++)
			err = put_str(nlh, SL_CTL_A_PREFIX, argv[i]);
	} else {
		return usage_err(batch_usage, "not a change: '%s'", obj);
	}
	if (err) {
		fprintf(stderr, "sluicectl: the request does not fit in one message\n");
		return 1;
	}
	*out = nlh;
	return 0;
}

static int print_ok(bool json)
{
	if (json)
		printf("{\"ok\": true}\n");
	return 0;
}

/* One change on its own connection: one generation. */
static int one_change(const char *socket, bool json, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct conn k;
	int rc;

	if (conn_open(&k, socket))
		return 1;
	rc = build_change(&k, argc, argv, &nlh);
	if (!rc)
		rc = send_req(&k, nlh, NULL, NULL) ? 1 : print_ok(json);
	conn_close(&k);
	return rc;
}

/* ------------------------------------------------------------ transactions */

static int on_tx(const struct sl_ctl_msg *m, void *arg)
{
	uint32_t *id = arg;

	if (!m->tb[SL_CTL_A_TX_ID])
		return -EBADMSG;
	*id = mnl_attr_get_u32(m->tb[SL_CTL_A_TX_ID]);
	return 0;
}

static int tx_begin(struct conn *k)
{
	uint32_t id = 0;
	struct nlmsghdr *nlh;

	k->tx = 0;
	nlh = start(k, SL_CTL_CMD_TX_BEGIN, 0);
	if (send_req(k, nlh, on_tx, &id))
		return -EIO;
	if (!id) {
		fprintf(stderr, "sluicectl: sluiced sent no transaction id\n");
		return -EBADMSG;
	}
	k->tx = id;
	return 0;
}

static int tx_end(struct conn *k, uint8_t cmd)
{
	struct nlmsghdr *nlh = start(k, cmd, 0);

	k->tx = 0;
	return send_req(k, nlh, NULL, NULL) ? -EIO : 0;
}

/* Splits a batch line into words; a {...} group (to the last '}') is one word. */
static int split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		if (*p == '{') {
			char *end = strrchr(p, '}');

			if (!end)
				return -EINVAL;
			words[n++] = p;
			p = end + 1;
			if (*p)
				*p++ = '\0';
			continue;
		}
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/*
 * Changes a batch sends before it reads their answers: the daemon works
 * through them while the next are built and sent, instead of one round
 * trip each. Small enough that the answers always fit the socket queue.
 */
#define BATCH_WINDOW 32

/*
 * Collects the answers up to request upto. A refusal names the line of
 * the change (line_of, by sequence number): the daemon discarded the
 * transaction. 0 or -EIO after a message.
 */
static int batch_acks(struct conn *k, const char *file, uint32_t upto, const size_t *line_of)
{
	struct sl_ctl_error e;
	uint32_t failed;

	if (!sl_ctl_client_wait_acks(k->c, upto, &failed, &e))
		return 0;
	fail_ctl(&e);
	if (failed)
		fprintf(stderr, "sluicectl: %s:%zu: refused; nothing was applied\n", file,
			line_of[failed % BATCH_WINDOW]);
	return -EIO;
}

int sl_cli_batch(const char *socket, bool json, int argc, char **argv)
{
	char *line = NULL, *words[4096];
	size_t cap = 0, lineno = 0, changes = 0, line_of[BATCH_WINDOW] = { 0 };
	uint32_t seq = 0, acked = 0;
	struct sl_ctl_error e;
	struct conn k;
	FILE *f;
	int rc = 1;

	if (argc != 1 || !strcmp(argv[0], "help")) {
		fputs(batch_usage, argc == 1 ? stdout : stderr);
		return argc == 1 ? 0 : 1;
	}
	f = fopen(argv[0], "re");
	if (!f) {
		fprintf(stderr, "sluicectl: cannot read %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	if (conn_open(&k, socket)) {
		fclose(f);
		return 1;
	}
	if (tx_begin(&k))
		goto out;
	/* Sequence numbers go on from the transaction's begin. */
	acked = seq = sl_ctl_client_seq(k.c);
	while (getline(&line, &cap, f) > 0) {
		struct nlmsghdr *nlh;
		int n;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		n = split(line, words, 4096);
		if (n == 0)
			continue;
		if (n < 0 || build_change(&k, n, words, &nlh)) {
			fprintf(stderr, "sluicectl: %s:%zu: not a change; nothing was applied\n", argv[0],
				lineno);
			goto abort;
		}
		if (sl_ctl_client_send_nowait(k.c, nlh, &seq, &e)) {
			fail_ctl(&e);
			goto out;
		}
		line_of[seq % BATCH_WINDOW] = lineno;
		changes++;
		/* At most BATCH_WINDOW unanswered: collect the older half when full. */
		if (seq - acked >= BATCH_WINDOW) {
			if (batch_acks(&k, argv[0], acked + BATCH_WINDOW / 2, line_of))
				goto out;
			acked += BATCH_WINDOW / 2;
		}
	}
	if (seq != acked && batch_acks(&k, argv[0], seq, line_of))
		goto out;
	if (tx_end(&k, SL_CTL_CMD_TX_COMMIT))
		goto out;
	if (json)
		printf("{\"ok\": true, \"changes\": %zu}\n", changes);
	rc = 0;
	goto out;
abort:
	tx_end(&k, SL_CTL_CMD_TX_ABORT);
out:
	free(line);
	fclose(f);
	conn_close(&k);
	return rc;
}

/* ------------------------------------------------------------ listings */

static int on_rule(const struct sl_ctl_msg *m, void *arg)
{
	json_t *rules = arg;

	json_array_append_new(rules, json_pack("{s:i,s:s,s:s}", "index",
					       (int)mnl_attr_get_u32(m->tb[SL_CTL_A_POSITION]), "name",
					       mnl_attr_get_str(m->tb[SL_CTL_A_RULE_NAME]), "rule",
					       mnl_attr_get_str(m->tb[SL_CTL_A_RULE_TEXT])));
	return 0;
}

static int on_set(const struct sl_ctl_msg *m, void *arg)
{
	json_t *sets = arg, *last = json_array_size(sets) ? json_array_get(sets, json_array_size(sets) - 1) : NULL;
	const char *name = mnl_attr_get_str(m->tb[SL_CTL_A_SET_NAME]);
	const struct nlattr *a;
	json_t *el;

	/* A large set comes in several messages: they extend one entry. */
	if (!last || strcmp(json_string_value(json_object_get(last, "name")), name)) {
		/* Without the attribute (an older sluiced) the set is the policy's. */
		bool host = m->tb[SL_CTL_A_SET_SOURCE] &&
			    mnl_attr_get_u32(m->tb[SL_CTL_A_SET_SOURCE]) == SL_CTL_SET_SRC_HOST_ADDRESSES;

		last = json_pack("{s:s,s:I,s:s}", "name", name, "size",
				 (json_int_t)mnl_attr_get_u64(m->tb[SL_CTL_A_SET_SIZE]), "source",
				 host ? "host-addresses" : "policy");
		json_array_append_new(sets, last);
	}
	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_PREFIX); a; a = sl_ctl_next_attr(m, a, SL_CTL_A_PREFIX)) {
		el = json_object_get(last, "elements");
		if (!el) {
			el = json_array();
			json_object_set_new(last, "elements", el);
		}
		json_array_append_new(el, json_string(mnl_attr_get_str(a)));
	}
	return 0;
}

static int on_iface(const struct sl_ctl_msg *m, void *arg)
{
	const struct nlattr *tb[SL_CTL_IFACE_A_MAX + 1];
	struct sl_ctl_error e;
	json_t *ifs = arg;

	if (!m->tb[SL_CTL_A_IFACE] || sl_ctl_parse_nest(m->nlh, m->tb[SL_CTL_A_IFACE], &sl_ctl_iface_attrs, tb, &e))
		return -EBADMSG;
	json_array_append_new(ifs, json_pack("{s:s,s:i,s:s}", "name", mnl_attr_get_str(tb[SL_CTL_IFACE_A_NAME]),
					     "ifindex", tb[SL_CTL_IFACE_A_INDEX] ? (int)mnl_attr_get_u32(tb[SL_CTL_IFACE_A_INDEX]) : 0,
					     "xdp_mode", sl_ctl_xdp_mode_name(tb[SL_CTL_IFACE_A_XDP_MODE] ? mnl_attr_get_u32(tb[SL_CTL_IFACE_A_XDP_MODE]) : 0)));
	return 0;
}

/* A dump into a JSON array, printed as JSON or by text. */
static int list(const char *socket, bool json, uint8_t cmd, const char *set_name,
		sl_ctl_reply_fn fn, void (*text)(json_t *))
{
	json_t *arr = json_array();
	struct nlmsghdr *nlh;
	struct conn k;
	int rc = 1;

	if (!arr || conn_open(&k, socket)) {
		json_decref(arr);
		return 1;
	}
	nlh = start(&k, cmd, NLM_F_DUMP);
	if (set_name && put_str(nlh, SL_CTL_A_SET_NAME, set_name))
		goto out;
	if (send_req(&k, nlh, fn, arr))
		goto out;
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		text(arr);
	}
	rc = 0;
out:
	conn_close(&k);
	json_decref(arr);
	return rc;
}

static void rules_text(json_t *arr)
{
	json_t *r;
	size_t i;

	json_array_foreach(arr, i, r)
		printf("%-4lld %s\n", (long long)json_integer_value(json_object_get(r, "index")),
		       json_string_value(json_object_get(r, "rule")));
}

static void sets_text(json_t *arr)
{
	json_t *s, *el, *v;
	size_t i, j;

	json_array_foreach(arr, i, s) {
		const char *src = json_string_value(json_object_get(s, "source"));

		printf("%s: %lld prefixes%s\n", json_string_value(json_object_get(s, "name")),
		       (long long)json_integer_value(json_object_get(s, "size")),
		       src && !strcmp(src, "host-addresses")
			       ? " (host addresses, filled by sluiced)" : "");
		el = json_object_get(s, "elements");
		json_array_foreach(el, j, v)
			printf("  %s\n", json_string_value(v));
	}
}

static void ifaces_text(json_t *arr)
{
	json_t *f;
	size_t i;

	json_array_foreach(arr, i, f)
		printf("%s (ifindex %lld, %s)\n", json_string_value(json_object_get(f, "name")),
		       (long long)json_integer_value(json_object_get(f, "ifindex")),
		       json_string_value(json_object_get(f, "xdp_mode")));
}

/* ------------------------------------------------------------ commands */

static bool is_help(int argc, char **argv)
{
	return argc == 0 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help") ||
	       (argc > 1 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")));
}

int sl_cli_rule(const char *socket, bool json, int argc, char **argv)
{
	char *args[4096 + 1];
	int i;

	if (is_help(argc, argv)) {
		fputs(rule_usage, argc ? stdout : stderr);
		return argc ? 0 : 1;
	}
	if (!strcmp(argv[0], "list")) {
		if (argc > 1)
			return usage_err(rule_usage, "rule list takes no arguments, got '%s'", argv[1]);
		return list(socket, json, SL_CTL_CMD_RULE_LIST, NULL, on_rule, rules_text);
	}
	if (strcmp(argv[0], "add") && strcmp(argv[0], "delete") && strcmp(argv[0], "replace"))
		return usage_err(rule_usage, "unknown rule command '%s'", argv[0]);
	if (argc > 4096)
		return usage_err(rule_usage, "too many arguments%s", "");
	args[0] = (char *)"rule";
	for (i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	return one_change(socket, json, argc + 1, args);
}

/* A request with only a set name. 0 or -EIO (reported). */
static int set_req(struct conn *k, uint8_t cmd, const char *name)
{
	struct nlmsghdr *nlh = start(k, cmd, 0);

	if (put_str(nlh, SL_CTL_A_SET_NAME, name))
		return -EMSGSIZE;
	return send_req(k, nlh, NULL, NULL) ? -EIO : 0;
}

/* `set load NAME FILE [--replace]`: the file read here, sent in chunks, one transaction. */
static int set_load(const char *socket, bool json, int argc, char **argv)
{
	struct sl_diag diag = { { 0 } };
	struct sl_set set = { 0 };
	bool replace = argc == 3 && !strcmp(argv[2], "--replace");
	char text[64];
	struct conn k;
	size_t i;
	int rc = 1;

	if (argc != 2 && !replace)
		return usage_err(set_usage, "set load takes NAME FILE [--replace]%s", "");
	if (sl_setfile_load(argv[1], &set, &diag)) {
		fprintf(stderr, "sluicectl: %s\n", diag.msg);
		return 1;
	}
	if (conn_open(&k, socket)) {
		sl_set_clear(&set);
		return 1;
	}
	if (tx_begin(&k))
		goto out;
	/* A load without prefixes creates the set; --replace empties it first. */
	if (set_req(&k, SL_CTL_CMD_SET_LOAD, argv[0]) ||
	    (replace && set_req(&k, SL_CTL_CMD_SET_FLUSH, argv[0])))
		goto out;
	for (i = 0; i < set.n_prefixes;) {
		struct nlmsghdr *nlh = start(&k, SL_CTL_CMD_SET_LOAD, 0);
		size_t n = 0;

		if (put_str(nlh, SL_CTL_A_SET_NAME, argv[0]))
			goto out;
		for (; i < set.n_prefixes && n < CHUNK_PREFIXES; i++, n++)
			if (put_str(nlh, SL_CTL_A_PREFIX,
				    sl_prefix_format(&set.prefixes[i], text, sizeof(text))))
				break;
		if (send_req(&k, nlh, NULL, NULL))
			goto out;
	}
	if (tx_end(&k, SL_CTL_CMD_TX_COMMIT))
		goto out;
	if (json)
		printf("{\"ok\": true, \"loaded\": %zu}\n", set.n_prefixes);
	rc = 0;
out:
	conn_close(&k);
	sl_set_clear(&set);
	return rc;
}

int sl_cli_set(const char *socket, bool json, int argc, char **argv)
{
	char **args;
	int i, rc;

	if (is_help(argc, argv)) {
		fputs(set_usage, argc ? stdout : stderr);
		return argc ? 0 : 1;
	}
	if (!strcmp(argv[0], "list")) {
		if (argc > 2)
			return usage_err(set_usage, "set list takes at most a NAME, got '%s'", argv[2]);
		return list(socket, json, SL_CTL_CMD_SET_LIST, argc > 1 ? argv[1] : NULL, on_set,
			    sets_text);
	}
	if (!strcmp(argv[0], "load"))
		return set_load(socket, json, argc - 1, argv + 1);
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return 1;
	args[0] = (char *)"set";
	for (i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	rc = one_change(socket, json, argc + 1, args);
	free(args);
	return rc;
}

int sl_cli_iface(const char *socket, bool json, int argc, char **argv)
{
	static const char *const modes[] = { "native", "native-only", "generic" };
	struct nlmsghdr *nlh;
	struct conn k;
	uint32_t mode = 0;
	int rc;

	if (is_help(argc, argv)) {
		fputs(iface_usage, argc ? stdout : stderr);
		return argc ? 0 : 1;
	}
	if (!strcmp(argv[0], "list"))
		return list(socket, json, SL_CTL_CMD_IFACE_LIST, NULL, on_iface, ifaces_text);
	if (strcmp(argv[0], "attach") && strcmp(argv[0], "detach"))
		return usage_err(iface_usage, "unknown iface command '%s'", argv[0]);
	if (argc < 2 || argc > (!strcmp(argv[0], "attach") ? 3 : 2))
		return usage_err(iface_usage, "wrong number of arguments for iface %s", argv[0]);
	if (argc == 3) {
		for (mode = 0; mode < 3 && strcmp(argv[2], modes[mode]); mode++)
			;
		if (mode == 3)
			return usage_err(iface_usage, "unknown mode '%s'", argv[2]);
	}
	if (conn_open(&k, socket))
		return 1;
	nlh = start(&k, !strcmp(argv[0], "attach") ? SL_CTL_CMD_IFACE_ATTACH : SL_CTL_CMD_IFACE_DETACH, 0);
	rc = put_str(nlh, SL_CTL_A_IFNAME, argv[1]);
	if (!rc && argc == 3)
		mnl_attr_put_u32(nlh, SL_CTL_A_XDP_MODE, mode);
	rc = rc ? 1 : send_req(&k, nlh, NULL, NULL) ? 1 : print_ok(json);
	conn_close(&k);
	return rc;
}
