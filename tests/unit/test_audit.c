/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The audit trail (docs/logs.md, "Audit trail"): the record's JSON
 * encoding (every line parses, odd names are escaped, strings and the
 * argument list are bounded, a short buffer is refused without an
 * overflow), which commands are audited, a request's attributes turned
 * into args, and the whole path: a client sends state-changing requests
 * to a control server whose audit hook queues records to a logger with
 * an audit output, and the file read back holds one line per request
 * with the client's uid, gid and pid, the command and the errno it was
 * answered. Needs no privileges.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/ctl_audit.h"
#include "control/ctl_client.h"
#include "control/ctl_server.h"
#include "dataplane/audit.h"
#include "dataplane/logger.h"

/* Parses one JSON line (with its newline) of len bytes. */
static json_t *parse_line(const char *buf, int len)
{
	json_error_t jerr;
	json_t *j;

	assert_true(len > 0);
	assert_int_equal(buf[len - 1], '\n');
	j = json_loadb(buf, (size_t)len - 1, 0, &jerr);
	if (!j)
		fail_msg("not JSON (%s): %.*s", jerr.text, len, buf);
	return j;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("%s is not a string", key);
	return json_string_value(v);
}

static long long jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return (long long)json_integer_value(v);
}

static void test_json_fields(void **state)
{
	struct sl_audit_rec r;
	char buf[SL_AUDIT_LINE_MAX];
	json_t *j, *args;
	int n;

	(void)state;
	sl_audit_init(&r, SL_AUDIT_SRC_CONTROL, "set add");
	r.wall_ns = 1795680605000000042ull;
	r.flags |= SL_AUDIT_F_CMD | SL_AUDIT_F_GID;
	r.cmd = 12;
	r.uid = 1000;
	r.gid = 1001;
	r.pid = 4242;
	r.result = -EPERM;
	sl_audit_add_str(&r, "set", "blocklist", SIZE_MAX);
	sl_audit_add_num(&r, "element", SL_AUDIT_ARG_N, 12345);
	sl_audit_add_num(&r, "timeout", SL_AUDIT_ARG_INT, 1ull << 62);
	n = sl_audit_json(&r, "alice", buf, sizeof(buf));
	j = parse_line(buf, n);
	assert_string_equal(jstr(j, "time"), "2026-11-26T08:10:05.000000042Z");
	assert_int_equal(json_integer_value(json_object_get(j, "ts_ns")), 1795680605000000042ll);
	assert_string_equal(jstr(j, "source"), "control");
	assert_string_equal(jstr(j, "type"), "audit");
	assert_string_equal(jstr(j, "action"), "set add");
	assert_int_equal(jint(j, "cmd"), 12);
	assert_int_equal(jint(j, "uid"), 1000);
	assert_int_equal(jint(j, "gid"), 1001);
	assert_int_equal(jint(j, "pid"), 4242);
	assert_string_equal(jstr(j, "user"), "alice");
	assert_string_equal(jstr(j, "result"), "EPERM");
	assert_int_equal(jint(j, "errno"), EPERM);
	assert_true(json_is_false(json_object_get(j, "truncated")));
	args = json_object_get(j, "args");
	assert_true(json_is_object(args));
	assert_int_equal(json_object_size(args), 3);
	assert_string_equal(jstr(args, "set"), "blocklist");
	assert_int_equal(jint(args, "element"), 12345);
	assert_int_equal(jint(args, "timeout"), 1ll << 62);
	json_decref(j);
	/* The largest u64 is written exactly (jansson refuses it: json_int_t is signed). */
	r.args[2].num = UINT64_MAX;
	n = sl_audit_json(&r, "alice", buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "\"timeout\":18446744073709551615}"));

	/* A daemon record: no command, no user, result ok. */
	sl_audit_init(&r, SL_AUDIT_SRC_DAEMON, "stop");
	r.uid = 0;
	r.pid = 1;
	n = sl_audit_json(&r, NULL, buf, sizeof(buf));
	j = parse_line(buf, n);
	assert_string_equal(jstr(j, "source"), "daemon");
	assert_true(json_is_null(json_object_get(j, "cmd")));
	assert_true(json_is_null(json_object_get(j, "gid")));
	assert_true(json_is_null(json_object_get(j, "user")));
	assert_string_equal(jstr(j, "result"), "ok");
	assert_int_equal(jint(j, "errno"), 0);
	assert_int_equal(json_object_size(json_object_get(j, "args")), 0);
	json_decref(j);
}

static void test_json_escaping(void **state)
{
	static const char odd[] = "a\"b\\c\n\t\x01\x7f\xff/\xc3\xa9";
	struct sl_audit_rec r;
	char buf[SL_AUDIT_LINE_MAX];
	const char *v;
	json_t *j;
	int n, i;

	(void)state;
	sl_audit_init(&r, SL_AUDIT_SRC_CONTROL, "rule \"add\"\n");
	sl_audit_add_str(&r, "na\"me", odd, SIZE_MAX);
	n = sl_audit_json(&r, "us\\er\x1b", buf, sizeof(buf));
	/* ASCII only, whatever came in. */
	for (i = 0; i < n; i++)
		assert_true((unsigned char)buf[i] < 0x80);
	assert_non_null(strstr(buf, "\\u00ff"));
	j = parse_line(buf, n);
	assert_string_equal(jstr(j, "action"), "rule \"add\"\n");
	assert_string_equal(jstr(j, "user"), "us\\er\x1b");
	v = jstr(json_object_get(j, "args"), "na\"me");
	/* Every byte is one \u00XX: 0xff comes back as U+00FF, é as two code points. */
	assert_string_equal(v, "a\"b\\c\n\t\x01\x7f\xc3\xbf/\xc3\x83\xc2\xa9");
	json_decref(j);
}

static void test_bounds(void **state)
{
	struct sl_audit_rec r;
	char big[200], buf[SL_AUDIT_LINE_MAX], *small;
	json_t *j, *args;
	size_t size;
	int n, i;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sl_audit_init(&r, SL_AUDIT_SRC_CONTROL, big);
	assert_int_equal(strlen(r.action), SL_AUDIT_ACTION_LEN - 1);
	/* A value cut to its field, a key cut to its field. */
	sl_audit_add_str(&r, "name", big, SIZE_MAX);
	assert_int_equal(strlen(r.args[0].str), SL_AUDIT_VAL_LEN - 1);
	sl_audit_add_num(&r, big, SL_AUDIT_ARG_INT, 1);
	assert_int_equal(strlen(r.args[1].key), SL_AUDIT_KEY_LEN - 1);
	/* A length bound on a value without a NUL. */
	sl_audit_add_str(&r, "len", "abcdef", 3);
	assert_string_equal(r.args[2].str, "abc");
	for (i = 3; i < SL_AUDIT_ARGS_MAX + 3; i++)
		sl_audit_add_num(&r, "more", SL_AUDIT_ARG_N, (uint64_t)i);
	assert_int_equal(r.n_args, SL_AUDIT_ARGS_MAX);
	assert_true(r.flags & SL_AUDIT_F_TRUNCATED);
	n = sl_audit_json(&r, NULL, buf, sizeof(buf));
	j = parse_line(buf, n);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	args = json_object_get(j, "args");
	assert_int_equal(json_object_size(args), 4); /* "more" came three times: one key */
	json_decref(j);

	/* The worst record: every string full of bytes that need six characters. */
	sl_audit_init(&r, SL_AUDIT_SRC_SIGNAL, NULL);
	r.flags = SL_AUDIT_F_CMD | SL_AUDIT_F_GID | SL_AUDIT_F_TRUNCATED;
	r.uid = r.gid = UINT32_MAX;
	r.pid = INT32_MIN;
	r.result = INT32_MIN + 1;
	r.cmd = UINT32_MAX;
	r.wall_ns = UINT64_MAX / 2; /* gmtime still has a year for it */
	memset(r.action, 0x01, sizeof(r.action)); /* no NUL: bounded by the field */
	r.n_args = SL_AUDIT_ARGS_MAX;
	for (i = 0; i < SL_AUDIT_ARGS_MAX; i++) {
		memset(r.args[i].key, '"', sizeof(r.args[i].key));
		memset(r.args[i].str, 0xfe, sizeof(r.args[i].str));
		r.args[i].kind = SL_AUDIT_ARG_STR;
	}
	memset(big, 0x02, sizeof(big) - 1);
	n = sl_audit_json(&r, big, buf, sizeof(buf));
	assert_true(n > 0 && n <= SL_AUDIT_LINE_MAX);
	j = parse_line(buf, n);
	assert_string_equal(jstr(j, "source"), "signal");
	assert_int_equal(strlen(jstr(j, "user")), SL_AUDIT_USER_LEN);
	json_decref(j);
	/* Every shorter buffer is refused, and nothing is written past it (ASan). */
	for (size = 0; size < (size_t)n; size++) {
		small = malloc(size ? size : 1);
		assert_non_null(small);
		assert_int_equal(sl_audit_json(&r, big, small, size), -ENOSPC);
		free(small);
	}
	/* A record breaking its own bounds is refused. */
	r.n_args = SL_AUDIT_ARGS_MAX + 1;
	assert_int_equal(sl_audit_json(&r, NULL, buf, sizeof(buf)), -EINVAL);
	r.n_args = 1;
	r.args[0].kind = 9;
	assert_int_equal(sl_audit_json(&r, NULL, buf, sizeof(buf)), -EINVAL);
	r.args[0].kind = SL_AUDIT_ARG_STR;
	r.source = SL_AUDIT_SRC_COUNT;
	assert_int_equal(sl_audit_json(&r, NULL, buf, sizeof(buf)), -EINVAL);
}

static void test_names(void **state)
{
	char tmp[16], user[SL_AUDIT_USER_LEN];
	struct passwd *pw = getpwuid(getuid());

	(void)state;
	assert_string_equal(sl_audit_result_name(0, tmp, sizeof(tmp)), "ok");
	assert_string_equal(sl_audit_result_name(-EOPNOTSUPP, tmp, sizeof(tmp)), "EOPNOTSUPP");
	assert_string_equal(sl_audit_result_name(-ENOENT, tmp, sizeof(tmp)), "ENOENT");
	assert_string_equal(sl_audit_result_name(-4000, tmp, sizeof(tmp)), "E4000");
	if (pw) {
		assert_int_equal(sl_audit_user_name(getuid(), user, sizeof(user)), 0);
		assert_string_equal(user, pw->pw_name);
	}
	/* An unused uid has no name. */
	assert_int_equal(sl_audit_user_name(4000000000u, user, sizeof(user)), -ENOENT);
	assert_string_equal(user, "");
}

static void test_audited(void **state)
{
	static const unsigned int yes[] = {
		SL_CTL_CMD_IFACE_ATTACH, SL_CTL_CMD_IFACE_DETACH, SL_CTL_CMD_RULE_ADD,
		SL_CTL_CMD_RULE_DELETE, SL_CTL_CMD_RULE_REPLACE, SL_CTL_CMD_SET_CREATE,
		SL_CTL_CMD_SET_DELETE, SL_CTL_CMD_SET_ADD, SL_CTL_CMD_SET_REMOVE,
		SL_CTL_CMD_SET_FLUSH, SL_CTL_CMD_SET_LOAD, SL_CTL_CMD_RELOAD,
		SL_CTL_CMD_TX_COMMIT, SL_CTL_CMD_TX_ABORT,
	};
	static const unsigned int no[] = {
		SL_CTL_CMD_UNSPEC, SL_CTL_CMD_STATUS, SL_CTL_CMD_STATS, SL_CTL_CMD_IFACE_LIST,
		SL_CTL_CMD_RULE_LIST, SL_CTL_CMD_SET_LIST, SL_CTL_CMD_TX_BEGIN, 200, 255,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(sl_ctl_audited(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(sl_ctl_audited(no[i]));
}

/*
 * A message's attributes as args, by the policy it was parsed with: a
 * STATUS reply has strings, integers and repeated nests, so it stands in
 * for the requests that carry attributes.
 */
static void test_ctl_args(void **state)
{
	static uint8_t buf[4096] __attribute__((aligned(4)));
	const struct sl_ctl_cmd_info *info = sl_ctl_cmd(SL_CTL_CMD_STATUS);
	struct sl_ctl_error e = { 0 };
	struct sl_ctl_peer peer = { .uid = 7, .gid = 8, .pid = 9 };
	struct sl_audit_rec r;
	struct sl_ctl_msg m;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	char line[SL_AUDIT_LINE_MAX];
	json_t *j, *args;
	int i, n;

	(void)state;
	nlh = sl_ctl_msg_start(buf, sizeof(buf), SL_CTL_CMD_STATUS, 0, 1, 0);
	assert_non_null(nlh);
	assert_true(mnl_attr_put_strz_check(nlh, sizeof(buf), SL_CTL_A_DAEMON_VERSION, "0.1\"x"));
	for (i = 0; i < 3; i++) {
		nest = mnl_attr_nest_start_check(nlh, sizeof(buf), SL_CTL_A_IFACE);
		assert_non_null(nest);
		assert_true(mnl_attr_put_strz_check(nlh, sizeof(buf), SL_CTL_IFACE_A_NAME, "sl0"));
		mnl_attr_nest_end(nlh, nest);
	}
	assert_true(mnl_attr_put_u32_check(nlh, sizeof(buf), SL_CTL_A_PID, 77));
	assert_true(mnl_attr_put_u64_check(nlh, sizeof(buf), SL_CTL_A_UPTIME_MS, 5000));
	assert_true(mnl_attr_put_strz_check(nlh, sizeof(buf), SL_CTL_A_PIN_DIR, "/sys/fs/bpf/x"));
	assert_true(mnl_attr_put_u32_check(nlh, sizeof(buf), SL_CTL_A_RULE_COUNT, 3));
	assert_int_equal(sl_ctl_parse(nlh, SL_CTL_REPLY, &m, &e), 0);

	sl_ctl_audit_record(&r, &peer, SL_CTL_CMD_RULE_ADD, NULL, -EINVAL);
	assert_int_equal(r.n_args, 0);
	assert_string_equal(r.action, "rule add");
	sl_ctl_audit_args(&r, &m, info->reply);
	n = sl_audit_json(&r, NULL, line, sizeof(line));
	j = parse_line(line, n);
	assert_int_equal(jint(j, "uid"), 7);
	assert_int_equal(jint(j, "gid"), 8);
	assert_int_equal(jint(j, "pid"), 9);
	assert_int_equal(jint(j, "cmd"), SL_CTL_CMD_RULE_ADD);
	assert_string_equal(jstr(j, "result"), "EINVAL");
	args = json_object_get(j, "args");
	assert_string_equal(jstr(args, "daemon_version"), "0.1\"x");
	assert_int_equal(jint(args, "interface"), 3); /* a repeated nest: its count */
	assert_int_equal(jint(args, "pid"), 77);
	assert_int_equal(jint(args, "uptime_ms"), 5000);
	assert_string_equal(jstr(args, "pin_dir"), "/sys/fs/bpf/x");
	assert_int_equal(jint(args, "rule_count"), 3);
	assert_true(json_is_false(json_object_get(j, "truncated")));
	json_decref(j);
	/* One more attribute than args has room for. */
	assert_true(mnl_attr_put_u8_check(nlh, sizeof(buf), SL_CTL_A_KEEP_ENFORCING, 1));
	assert_int_equal(sl_ctl_parse(nlh, SL_CTL_REPLY, &m, &e), 0);
	sl_ctl_audit_record(&r, &peer, SL_CTL_CMD_RULE_ADD, NULL, 0);
	sl_ctl_audit_args(&r, &m, info->reply);
	assert_int_equal(r.n_args, SL_AUDIT_ARGS_MAX);
	assert_true(r.flags & SL_AUDIT_F_TRUNCATED);
}

/* ------------------------------------------------- server -> logger -> file */

struct fixture {
	char dir[64];
	char sock[128];
	char audit[128];
	char group[64];
	struct sl_ctl_state state;
	struct sl_ctl_server *srv;
	struct sl_logger *lg;
	pthread_t thread;
	volatile int stop;
	int hook_calls;
};

/* What sluiced's hook does (control/sluiced.c audit_request). */
static void hook(void *arg, const struct sl_ctl_peer *peer, unsigned int cmd,
		 const struct sl_ctl_msg *m, int result)
{
	struct fixture *f = arg;
	struct sl_audit_rec r;

	__atomic_add_fetch(&f->hook_calls, 1, __ATOMIC_RELEASE);
	if (!sl_ctl_audited(cmd))
		return;
	sl_ctl_audit_record(&r, peer, cmd, m, result);
	sl_logger_audit(f->lg, &r);
}

static void *serve(void *arg)
{
	struct fixture *f = arg;
	struct pollfd fds[SL_CTL_MAX_CLIENTS + 1];

	while (!f->stop) {
		size_t n = sl_ctl_server_pollfds(f->srv, fds, SL_CTL_MAX_CLIENTS + 1);

		if (poll(fds, n, 20) > 0)
			sl_ctl_server_dispatch(f->srv, fds, n);
	}
	return NULL;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sl_logging_cfg cfg;
	struct sl_diag diag;
	struct group *gr;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sl-audit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/run/control.sock", f->dir);
	snprintf(f->audit, sizeof(f->audit), "%s/audit.json", f->dir);
	gr = getgrgid(getgid());
	assert_non_null(gr);
	snprintf(f->group, sizeof(f->group), "%s", gr->gr_name);
	sl_logging_defaults(&cfg);
	cfg.enabled = true;
	cfg.rotate_bytes = 0;
	cfg.flush_ms = 5;
	snprintf(cfg.audit_path, sizeof(cfg.audit_path), "%s", f->audit);
	assert_int_equal(sl_logger_start(&cfg, NULL, &f->lg), 0);
	f->state = (struct sl_ctl_state){
		.pin_dir = "/sys/fs/bpf/sluice-unit",
		.stats = { -1, -1, -1, -1 },
		.start_ms = sl_ctl_now_ms(),
		.audit = hook,
		.audit_arg = f,
	};
	assert_int_equal(sl_ctl_server_open(f->sock, f->group, &f->state, &f->srv, &diag), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *e;
	char p[512];
	DIR *d;

	f->stop = 1;
	pthread_join(f->thread, NULL);
	sl_ctl_server_close(f->srv);
	sl_logger_stop(f->lg);
	d = opendir(f->dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Reads the audit file's lines into out (at most max); returns how many. */
static int read_audit(const char *path, json_t **out, int max)
{
	char line[SL_AUDIT_LINE_MAX + 1];
	FILE *fp = fopen(path, "r");
	int n = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		assert_true(n < max);
		out[n++] = parse_line(line, (int)strlen(line));
	}
	fclose(fp);
	return n;
}

static void expect_control(json_t *j, unsigned int cmd, const char *action, int err)
{
	struct passwd *pw = getpwuid(getuid());
	char tmp[16];

	assert_string_equal(jstr(j, "source"), "control");
	assert_string_equal(jstr(j, "type"), "audit");
	assert_int_equal(jint(j, "cmd"), cmd);
	assert_string_equal(jstr(j, "action"), action);
	assert_int_equal(jint(j, "uid"), getuid());
	assert_int_equal(jint(j, "gid"), getgid());
	assert_int_equal(jint(j, "pid"), getpid());
	if (pw)
		assert_string_equal(jstr(j, "user"), pw->pw_name);
	assert_string_equal(jstr(j, "result"), sl_audit_result_name(err, tmp, sizeof(tmp)));
	assert_int_equal(jint(j, "errno"), -err);
}

static void test_requests_to_file(void **state)
{
	struct fixture *f = *state;
	struct sl_ctl_error e = { 0 };
	struct sl_ctl_client *c;
	struct sl_logger_stats st;
	uint8_t raw[256] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	json_t *lines[8];
	size_t off = 0;
	int err_add, err_status, err_flush, n, i;

	assert_int_equal(sl_ctl_client_open(f->sock, 2000, &c, &e), 0);
	/* Not implemented yet, or refused for a missing attribute: audited with its errno. */
	err_add = sl_ctl_client_call(c, SL_CTL_CMD_RULE_ADD, 0, NULL, NULL, &e);
	assert_true(err_add < 0);
	/* A read is not audited. */
	err_status = sl_ctl_client_call(c, SL_CTL_CMD_STATUS, 0, NULL, NULL, &e);
	assert_int_equal(err_status, 0);
	err_flush = sl_ctl_client_call(c, SL_CTL_CMD_SET_FLUSH, 0, NULL, NULL, &e);
	/*
	 * Two requests in one datagram, one of them with an attribute no
	 * policy allows there (refused by the parser: no args), each
	 * audited in order.
	 */
	nlh = sl_ctl_msg_start(raw, sizeof(raw), SL_CTL_CMD_RELOAD, NLM_F_ACK, 50, 0);
	assert_non_null(nlh);
	off += NLMSG_ALIGN(nlh->nlmsg_len);
	nlh = sl_ctl_msg_start(raw + off, sizeof(raw) - off, SL_CTL_CMD_IFACE_DETACH, NLM_F_ACK, 51, 0);
	assert_non_null(nlh);
	assert_true(mnl_attr_put_u32_check(nlh, sizeof(raw) - off, 0x7ff, 1));
	off += NLMSG_ALIGN(nlh->nlmsg_len);
	assert_int_equal(sl_ctl_client_send_raw(c, raw, off), 0);
	/* Their replies are left unread; the hook counts what the server has handled. */
	for (i = 0; i < 500 && __atomic_load_n(&f->hook_calls, __ATOMIC_ACQUIRE) < 5; i++)
		usleep(10000);
	assert_int_equal(__atomic_load_n(&f->hook_calls, __ATOMIC_ACQUIRE), 5);
	sl_ctl_client_close(c);
	assert_int_equal(sl_logger_flush(f->lg, 5000), 0);

	n = read_audit(f->audit, lines, 8);
	assert_int_equal(n, 4);
	expect_control(lines[0], SL_CTL_CMD_RULE_ADD, "rule add", err_add);
	expect_control(lines[1], SL_CTL_CMD_SET_FLUSH, "set flush", err_flush);
	assert_int_equal(jint(lines[2], "cmd"), SL_CTL_CMD_RELOAD);
	assert_int_equal(jint(lines[3], "cmd"), SL_CTL_CMD_IFACE_DETACH);
	assert_int_equal(jint(lines[3], "uid"), getuid());
	/* The unknown attribute made the parser refuse it: an errno, no args. */
	assert_true(jint(lines[3], "errno") > 0);
	assert_int_equal(json_object_size(json_object_get(lines[3], "args")), 0);
	for (i = 0; i < n; i++)
		json_decref(lines[i]);

	sl_logger_stats(f->lg, &st);
	assert_int_equal(st.audit_records, 4);
	assert_int_equal(st.audit_written, 4);
	assert_int_equal(st.audit_drop_queue, 0);
	assert_int_equal(st.audit_drop_write, 0);
	assert_int_equal(st.records, 0); /* no events: those are packets */
}

/* More records than the queue holds, as fast as one thread can: each is written or counted. */
static void test_queue_full(void **state)
{
	struct fixture *f = *state;
	struct sl_logger_stats st;
	struct sl_audit_rec r;
	char line[SL_AUDIT_LINE_MAX + 1];
	uint64_t lines = 0;
	FILE *fp;
	int i, full = 0;

	for (i = 0; i < 20000; i++) {
		sl_audit_init(&r, SL_AUDIT_SRC_CONTROL, "set add");
		sl_audit_add_num(&r, "i", SL_AUDIT_ARG_INT, (uint64_t)i);
		if (sl_logger_audit(f->lg, &r) == -ENOBUFS)
			full++;
	}
	assert_int_equal(sl_logger_flush(f->lg, 10000), 0);
	sl_logger_stats(f->lg, &st);
	assert_int_equal(st.audit_drop_queue, (uint64_t)full);
	assert_int_equal(st.audit_records + st.audit_drop_queue, 20000);
	assert_int_equal(st.audit_written, st.audit_records);
	fp = fopen(f->audit, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		lines++;
	fclose(fp);
	assert_int_equal(lines, st.audit_written);
	/* Without an audit output there is no queue. */
	assert_int_equal(sl_logger_audit(NULL, &r), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_audited),
		cmocka_unit_test(test_ctl_args),
		cmocka_unit_test_setup_teardown(test_requests_to_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
