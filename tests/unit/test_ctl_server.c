/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control server and client over a real socket in a temporary
 * directory, served by a thread: STATUS carries the daemon's state, the
 * socket and its directory get their modes, stale sockets are replaced
 * and live ones refused, and malformed requests (garbage, a lying
 * nlmsg_len, another protocol version, a reserved command, a wrong dump
 * flag, an oversized datagram) each get an NLMSG_ERROR with errno and
 * message while the server keeps answering on the same connection.
 * Needs no privileges: the control group is the test's own group.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/ctl_client.h"
#include "control/ctl_server.h"

struct fixture {
	char tmp[64];
	char path[128];
	char group[64];
	struct sl_ctl_iface_info ifaces[2];
	struct sl_ctl_state state;
	struct sl_ctl_place_info placed;
	int refreshes;
	struct sl_ctl_server *srv;
	pthread_t thread;
	volatile int stop;
};

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

/* The state's refresh hook: each STATUS sees one more page measured on node 2. */
static void refresh(void *arg)
{
	struct fixture *f = arg;

	f->refreshes++;
	f->placed.pages = (uint64_t)f->refreshes;
	f->placed.node_pages[2] = (uint64_t)f->refreshes;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sl_diag diag;
	struct group *gr;

	assert_non_null(f);
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/sl-ctltest.XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->path, sizeof(f->path), "%s/run/control.sock", f->tmp);
	gr = getgrgid(getgid());
	assert_non_null(gr);
	snprintf(f->group, sizeof(f->group), "%s", gr->gr_name);
	snprintf(f->ifaces[0].name, sizeof(f->ifaces[0].name), "sl-u0");
	f->ifaces[0].ifindex = 7;
	f->ifaces[0].xdp_mode = SL_CTL_XDP_NATIVE;
	snprintf(f->ifaces[1].name, sizeof(f->ifaces[1].name), "sl-u1");
	f->ifaces[1].ifindex = 8;
	f->ifaces[1].xdp_mode = SL_CTL_XDP_GENERIC;
	f->state = (struct sl_ctl_state){
		.config_path = "/etc/sluice/test.yaml",
		.pin_dir = "/sys/fs/bpf/sluice-unit",
		.n_rules = 17,
		.ifaces = f->ifaces,
		.n_ifaces = 2,
		.stats = { -1, -1, -1, -1 },
		.start_ms = sl_ctl_now_ms() - 5000,
		.placement = &f->placed,
		.n_placement = 1,
		.refresh = refresh,
		.refresh_arg = f,
	};
	snprintf(f->placed.name, sizeof(f->placed.name), "sl_dir24");
	snprintf(f->placed.pool, sizeof(f->placed.pool), "prefix_tables");
	snprintf(f->placed.tier, sizeof(f->placed.tier), "capacity");
	f->placed.kind = SL_CTL_PLACE_MAP;
	f->placed.nodes = 1ULL << 2;
	f->placed.numa_flag = 1;
	f->placed.bytes = 4096;
	f->placed.measured = true;
	f->placed.page_size = 4096;
	assert_int_equal(sl_ctl_server_open(f->path, f->group, &f->state, &f->srv, &diag), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char run[160];

	f->stop = 1;
	pthread_join(f->thread, NULL);
	sl_ctl_server_close(f->srv);
	/* Closing removes the socket and the directory it made. */
	snprintf(run, sizeof(run), "%s/run", f->tmp);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(access(run, F_OK), -1);
	assert_int_equal(rmdir(f->tmp), 0);
	free(f);
	return 0;
}

struct status {
	uint32_t pid, rules, n_ifaces;
	uint64_t uptime;
	char version[64], pin_dir[64], config[64], if1[16];
	uint32_t mode1;
	int calls;
	struct sl_ctl_place_info placed;
	int n_placed;
};

static int on_status(const struct sl_ctl_msg *m, void *arg)
{
	const struct nlattr *tb[SL_CTL_IFACE_A_MAX + 1], *a;
	struct status *st = arg;
	struct sl_ctl_error e;

	st->calls++;
	st->pid = mnl_attr_get_u32(m->tb[SL_CTL_A_PID]);
	st->rules = mnl_attr_get_u32(m->tb[SL_CTL_A_RULE_COUNT]);
	st->uptime = mnl_attr_get_u64(m->tb[SL_CTL_A_UPTIME_MS]);
	snprintf(st->version, sizeof(st->version), "%s",
		 mnl_attr_get_str(m->tb[SL_CTL_A_DAEMON_VERSION]));
	snprintf(st->pin_dir, sizeof(st->pin_dir), "%s", mnl_attr_get_str(m->tb[SL_CTL_A_PIN_DIR]));
	snprintf(st->config, sizeof(st->config), "%s", mnl_attr_get_str(m->tb[SL_CTL_A_CONFIG]));
	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_IFACE); a;
	     a = sl_ctl_next_attr(m, a, SL_CTL_A_IFACE)) {
		assert_int_equal(sl_ctl_parse_nest(m->nlh, a, &sl_ctl_iface_attrs, tb, &e), 0);
		if (st->n_ifaces++ == 1) {
			snprintf(st->if1, sizeof(st->if1), "%s",
				 mnl_attr_get_str(tb[SL_CTL_IFACE_A_NAME]));
			st->mode1 = mnl_attr_get_u32(tb[SL_CTL_IFACE_A_XDP_MODE]);
		}
	}
	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_PLACEMENT); a;
	     a = sl_ctl_next_attr(m, a, SL_CTL_A_PLACEMENT)) {
		assert_int_equal(sl_ctl_get_placement(m->nlh, a, &st->placed), 0);
		st->n_placed++;
	}
	return 0;
}

static void expect_status(struct fixture *f, struct sl_ctl_client *c)
{
	struct status st = { 0 };
	struct sl_ctl_error e;
	int before = f->refreshes;

	assert_int_equal(sl_ctl_client_call(c, SL_CTL_CMD_STATUS, 0, on_status, &st, &e), 0);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.rules, 17);
	assert_true(st.uptime >= 5000 && st.uptime < 600000);
	assert_string_equal(st.version, SL_VERSION_EXPECTED);
	assert_string_equal(st.pin_dir, "/sys/fs/bpf/sluice-unit");
	assert_string_equal(st.config, "/etc/sluice/test.yaml");
	assert_int_equal(st.n_ifaces, 2);
	assert_string_equal(st.if1, "sl-u1");
	assert_int_equal(st.mode1, SL_CTL_XDP_GENERIC);
	/* The placement was measured again for this reply, and sent as it was then. */
	assert_int_equal(f->refreshes, before + 1);
	assert_int_equal(st.n_placed, 1);
	assert_string_equal(st.placed.name, "sl_dir24");
	assert_string_equal(st.placed.tier, "capacity");
	assert_true(st.placed.measured);
	assert_true(st.placed.nodes == 1ULL << 2);
	assert_true(st.placed.pages == (uint64_t)f->refreshes);
	assert_true(st.placed.node_pages[2] == (uint64_t)f->refreshes);
	assert_true(st.placed.node_pages[0] == 0);
}

static void test_status(void **state)
{
	struct fixture *f = *state;
	struct sl_ctl_client *c;
	struct sl_ctl_error e;
	struct stat sb;
	char run[160];

	assert_int_equal(sl_ctl_client_open(f->path, 5000, &c, &e), 0);
	expect_status(f, c);
	expect_status(f, c); /* the connection stays usable */
	sl_ctl_client_close(c);

	assert_int_equal(stat(f->path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0660);
	assert_int_equal(sb.st_gid, getgid());
	snprintf(run, sizeof(run), "%s/run", f->tmp);
	assert_int_equal(stat(run, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0750);
}

/* Sends raw bytes and reads one reply datagram into out. Returns its length. */
static size_t raw_call(int fd, const void *req, size_t len, uint8_t *out, size_t size)
{
	ssize_t n;

	assert_int_equal(send(fd, req, len, 0), (ssize_t)len);
	n = recv(fd, out, size, 0);
	assert_true(n > 0);
	return (size_t)n;
}

static int raw_connect(const struct fixture *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Asserts that the datagram is one NLMSG_ERROR with err and a message containing what. */
static void expect_error(const uint8_t *reply, size_t len, int err, const char *what, uint32_t seq)
{
	const struct nlmsghdr *nlh;
	struct sl_ctl_error e;

	assert_int_equal(sl_ctl_frame(reply, len, &nlh, &e), (int)len);
	assert_int_equal(nlh->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(nlh->nlmsg_seq, seq);
	assert_int_equal(sl_ctl_parse_error(nlh, &e), 0);
	assert_int_equal(e.err, err);
	if (!strstr(e.msg, what))
		fail_msg("error message '%s' does not contain '%s'", e.msg, what);
}

static void test_malformed(void **state)
{
	static uint8_t req[80000] __attribute__((aligned(8)));
	static uint8_t reply[65536] __attribute__((aligned(8)));
	struct fixture *f = *state;
	struct sl_ctl_client *c;
	struct sl_ctl_error e;
	struct nlmsghdr *nlh;
	size_t n;
	int fd = raw_connect(f);

	/* Garbage shorter than a header. */
	n = raw_call(fd, "hello", 5, reply, sizeof(reply));
	expect_error(reply, n, -EINVAL, "short message: 5 bytes", 0);

	/* A header whose length exceeds the datagram. */
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 41, 0);
	nlh->nlmsg_len = 1000;
	n = raw_call(fd, req, 20, reply, sizeof(reply));
	expect_error(reply, n, -EINVAL, "nlmsg_len 1000 exceeds the 20 bytes received", 41);

	/* Another protocol version. */
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 42, 0);
	((struct sl_ctl_hdr *)mnl_nlmsg_get_payload(nlh))->version = 9;
	n = raw_call(fd, req, nlh->nlmsg_len, reply, sizeof(reply));
	expect_error(reply, n, -EPROTONOSUPPORT, "protocol version 9 is not supported", 42);

	/* Not a request; a reserved command; the wrong dump flag both ways. */
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATUS, 0, 43, 0);
	n = raw_call(fd, req, nlh->nlmsg_len, reply, sizeof(reply));
	expect_error(reply, n, -EINVAL, "NLM_F_REQUEST", 43);
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_RELOAD, NLM_F_REQUEST, 44, 0);
	n = raw_call(fd, req, nlh->nlmsg_len, reply, sizeof(reply));
	expect_error(reply, n, -EOPNOTSUPP, "'reload' is not implemented yet", 44);
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATUS, NLM_F_REQUEST | NLM_F_DUMP, 45, 0);
	n = raw_call(fd, req, nlh->nlmsg_len, reply, sizeof(reply));
	expect_error(reply, n, -EOPNOTSUPP, "cannot be dumped", 45);
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATS, NLM_F_REQUEST, 46, 0);
	n = raw_call(fd, req, nlh->nlmsg_len, reply, sizeof(reply));
	expect_error(reply, n, -EOPNOTSUPP, "is a dump", 46);

	/* An attribute a status request does not take: its offset comes back. */
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 47, 0);
	mnl_attr_put_u32(nlh, SL_CTL_A_PID, 1);
	n = raw_call(fd, req, nlh->nlmsg_len, reply, sizeof(reply));
	expect_error(reply, n, -EINVAL, "unknown attribute type 2", 47);
	assert_int_equal(sl_ctl_parse_error((struct nlmsghdr *)reply, &e), 0);
	assert_int_equal(e.offset, NLMSG_HDRLEN + sizeof(struct sl_ctl_hdr));

	/* A datagram larger than any message may be. */
	memset(req, 0, sizeof(req));
	n = raw_call(fd, req, 70000, reply, sizeof(reply));
	expect_error(reply, n, -EMSGSIZE, "exceeds the 65536-byte limit", 0);

	/* Stats without a loaded firewall. */
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATS, NLM_F_REQUEST | NLM_F_DUMP, 48, 0);
	n = raw_call(fd, req, nlh->nlmsg_len, reply, sizeof(reply));
	expect_error(reply, n, -ENODATA, "no firewall is loaded", 48);

	/* A good request with NLM_F_ACK: the reply, then the ACK, in one datagram. */
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATUS, NLM_F_REQUEST | NLM_F_ACK, 49, 0);
	n = raw_call(fd, req, nlh->nlmsg_len, reply, sizeof(reply));
	{
		const struct nlmsghdr *r1, *r2;
		int step = sl_ctl_frame(reply, n, &r1, &e);
		struct sl_ctl_msg m;

		assert_true(step > 0 && (size_t)step < n);
		assert_int_equal(sl_ctl_parse(r1, SL_CTL_REPLY, &m, &e), 0);
		assert_int_equal(r1->nlmsg_seq, 49);
		assert_int_equal(sl_ctl_frame(reply + step, n - (size_t)step, &r2, &e),
				 (int)(n - (size_t)step));
		expect_error(reply + step, n - (size_t)step, 0, "", 49);
	}
	close(fd);

	/* The server still serves a new client. */
	assert_int_equal(sl_ctl_client_open(f->path, 5000, &c, &e), 0);
	expect_status(f, c);
	sl_ctl_client_close(c);
}

/* At most SL_CTL_MAX_CLIENTS at once: one more is closed at once, a freed slot serves again. */
static void test_client_limit(void **state)
{
	static uint8_t req[64] __attribute__((aligned(8)));
	static uint8_t reply[4096] __attribute__((aligned(8)));
	struct fixture *f = *state;
	int fds[SL_CTL_MAX_CLIENTS], extra, i;
	struct nlmsghdr *nlh;
	ssize_t n;

	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 5, 0);
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
		fds[i] = raw_connect(f);
		/* A round trip makes sure the server accepted this one. */
		assert_true(raw_call(fds[i], nlh, nlh->nlmsg_len, reply, sizeof(reply)) > 0);
	}
	extra = raw_connect(f);
	assert_int_equal(send(extra, nlh, nlh->nlmsg_len, MSG_NOSIGNAL), (ssize_t)nlh->nlmsg_len);
	n = recv(extra, reply, sizeof(reply), 0);
	assert_true(n <= 0); /* closed without an answer */
	close(extra);
	close(fds[0]);
	/* The server notices the close on its next poll; a new client then gets a slot. */
	for (i = 0; i < 100; i++) {
		extra = raw_connect(f);
		if (send(extra, nlh, nlh->nlmsg_len, MSG_NOSIGNAL) == (ssize_t)nlh->nlmsg_len &&
		    recv(extra, reply, sizeof(reply), 0) > 0)
			break;
		close(extra);
		extra = -1;
		usleep(10000);
	}
	assert_true(extra >= 0);
	close(extra);
	for (i = 1; i < SL_CTL_MAX_CLIENTS; i++)
		close(fds[i]);
}

static void test_open_faults(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sl_ctl_server *s2;
	struct sl_ctl_client *c;
	struct sl_ctl_error e;
	struct sl_diag diag;
	char path[160];
	int fd;

	/* A live socket is not taken over. */
	assert_int_equal(sl_ctl_server_open(f->path, NULL, &f->state, &s2, &diag), -EADDRINUSE);
	assert_non_null(strstr(diag.msg, "another sluiced"));
	/* An unknown group. */
	snprintf(path, sizeof(path), "%s/other.sock", f->tmp);
	assert_int_equal(sl_ctl_server_open(path, "sl-no-such-group", &f->state, &s2, &diag), -ENOENT);
	assert_non_null(strstr(diag.msg, "sl-no-such-group"));
	/* A relative path. */
	assert_int_equal(sl_ctl_server_open("run/x.sock", NULL, &f->state, &s2, &diag), -EINVAL);

	/* A stale socket (bound, nobody listening) is replaced. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(sl_ctl_server_open(path, NULL, &f->state, &s2, &diag), 0);
	sl_ctl_server_close(s2);
	assert_int_equal(access(path, F_OK), -1);

	/* No daemon: the client says so. */
	assert_int_equal(sl_ctl_client_open(path, 1000, &c, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "sluiced is not running"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_faults, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
