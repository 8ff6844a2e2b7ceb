/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes a live control server: each input is one datagram sent on a
 * real SOCK_SEQPACKET connection to a server (the one sluiced runs)
 * listening in a temporary directory and driven by poll in this process.
 * Every answer must be well-formed netlink (errors, replies, DONE) and
 * the server must keep serving: a status request after each input is
 * answered.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctl_server.h"
#include "control/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_ctl_server *srv;
static struct sl_ctl_state state;
static struct sl_ctl_iface_info iface = { .name = "sl-fz0", .ifindex = 3 };
static struct sl_ctl_place_info placed = {
	.name = "sl_dir24", .kind = SL_CTL_PLACE_MAP, .pool = "prefix_tables", .tier = "fast",
	.nodes = 1, .numa_flag = 1, .bytes = 8192, .measured = true, .page_size = 4096, .pages = 2,
	.node_pages = { 2 },
};
static char path[108];
static int cli = -1;
static uint8_t reply[SL_CTL_MSG_MAX] __attribute__((aligned(8)));

static void cleanup(void)
{
	char dir[108];

	if (cli >= 0)
		close(cli);
	sl_ctl_server_close(srv);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
}

static void setup_once(void)
{
	char dir[] = "/tmp/sl-fuzzctl.XXXXXX";
	struct sl_diag diag;
	struct group *gr = getgrgid(getgid());

	if (srv)
		return;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/control.sock", dir);
	state = (struct sl_ctl_state){
		.config_path = "/etc/sluice/fuzz.yaml",
		.pin_dir = "/sys/fs/bpf/sluice-fuzz",
		.n_rules = 3,
		.ifaces = &iface,
		.n_ifaces = 1,
		.stats = { -1, -1, -1, -1 },
		.start_ms = sl_ctl_now_ms(),
		.placement = &placed,
		.n_placement = 1,
	};
	/* The fuzzer's own group, so that it is served as root or not. */
	if (sl_ctl_server_open(path, gr ? gr->gr_name : NULL, &state, &srv, &diag)) {
		fprintf(stderr, "%s\n", diag.msg);
		abort();
	}
	atexit(cleanup);
}

static void connect_client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (cli >= 0)
		close(cli);
	cli = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (cli < 0 || connect(cli, (struct sockaddr *)&sa, sizeof(sa)))
		abort();
}

/* Lets the server handle what is pending: accept, read, answer. */
static void pump(void)
{
	struct pollfd fds[SL_CTL_MAX_CLIENTS + 1];
	int round;

	for (round = 0; round < 4; round++) {
		size_t n = sl_ctl_server_pollfds(srv, fds, SL_CTL_MAX_CLIENTS + 1);

		if (poll(fds, n, 0) <= 0)
			return;
		sl_ctl_server_dispatch(srv, fds, n);
	}
}

/* Reads every pending reply datagram; each must be well-formed. Returns how many status replies. */
static int drain(void)
{
	int statuses = 0;
	ssize_t n;

	while ((n = recv(cli, reply, sizeof(reply), MSG_DONTWAIT)) > 0) {
		size_t off = 0;

		while (off < (size_t)n) {
			const struct nlmsghdr *nlh;
			struct sl_ctl_error e;
			struct sl_ctl_msg m;
			int step = sl_ctl_frame(reply + off, (size_t)n - off, &nlh, &e);

			if (step < 0)
				abort();
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (sl_ctl_parse_error(nlh, &e) || e.err > 0)
					abort();
			} else if (nlh->nlmsg_type != NLMSG_DONE) {
				if (sl_ctl_parse(nlh, SL_CTL_REPLY, &m, &e))
					abort();
				statuses += m.hdr->cmd == SL_CTL_CMD_STATUS;
			}
			off += (size_t)step;
		}
	}
	return statuses;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t req[64] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	setup_once();
	if (cli < 0)
		connect_client();
	if (size == 0 || size > SL_CTL_MSG_MAX)
		return 0;
	if (send(cli, data, size, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)size) {
		connect_client();
		return 0;
	}
	pump();
	drain();
	/* The connection still works. */
	nlh = sl_ctl_msg_start(req, sizeof(req), SL_CTL_CMD_STATUS, NLM_F_REQUEST, 1, 0);
	if (send(cli, nlh, nlh->nlmsg_len, MSG_NOSIGNAL) != (ssize_t)nlh->nlmsg_len)
		abort();
	pump();
	if (drain() != 1)
		abort();
	return 0;
}
