/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluiced's side of the control socket (docs/control.md): an AF_UNIX
 * SOCK_SEQPACKET listener, non-blocking, whose peers are checked with
 * SO_PEERCRED (root, or a member of the configured group; others get
 * EPERM), and the commands it serves from the daemon's state. Every
 * message goes through the one parser in proto.h; a malformed one gets
 * an NLMSG_ERROR and the server keeps serving.
 */
#ifndef SLUICE_CTL_SERVER_H
#define SLUICE_CTL_SERVER_H

#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "proto.h"
#include "stats.h"

#define SL_CTL_MAX_CLIENTS 32

/* An interface the program is attached to. */
struct sl_ctl_iface_info {
	char name[IF_NAMESIZE];
	uint32_t ifindex;
	uint32_t xdp_mode; /* enum sl_ctl_xdp_mode */
};

/*
 * What STATUS and STATS report. Owned by the daemon; the server reads it
 * on every request, so it must outlive the server.
 */
struct sl_ctl_state {
	const char *config_path;
	const char *pin_dir;
	uint32_t n_rules;
	bool keep_enforcing;
	const struct sl_ctl_iface_info *ifaces;
	size_t n_ifaces;
	struct sl_stats_fds stats; /* the program's maps; a negative fd: STATS fails, ENODATA */
	uint64_t start_ms;         /* CLOCK_MONOTONIC when the daemon started */
	/* Where the large maps and pools live (SL_CTL_A_PLACEMENT), one entry each. */
	const struct sl_ctl_place_info *placement;
	size_t n_placement;
	/*
	 * Called (when set) before each STATUS reply is built, so that
	 * placement reports pages as they are now; it may update the entries
	 * placement points to, never the array's length.
	 */
	void (*refresh)(void *arg);
	void *refresh_arg;
};

struct sl_ctl_server;

/* CLOCK_MONOTONIC in milliseconds, for sl_ctl_state.start_ms. */
uint64_t sl_ctl_now_ms(void);

/*
 * Listens on path (NULL: SL_CTL_SOCKET_PATH). A missing directory is
 * created 0750 with group group (an existing one is left as it is); the
 * socket is 0660 with group group; both are owned by the caller (root).
 * group is a group name (NULL or "": root only), -ENOENT if there is no
 * such group. A stale socket file (nobody
 * listening) is replaced; a live one is -EADDRINUSE. Returns 0 or a
 * negative errno with a one-line diag.
 */
int sl_ctl_server_open(const char *path, const char *group, const struct sl_ctl_state *state,
		       struct sl_ctl_server **out, struct sl_diag *diag);

/*
 * Fills fds (at most max, which should be SL_CTL_MAX_CLIENTS + 1) with
 * the listener and the connected clients, for poll(2). Returns how many.
 */
size_t sl_ctl_server_pollfds(const struct sl_ctl_server *s, struct pollfd *fds, size_t max);

/*
 * Serves what poll reported in fds[0..n) as filled by
 * sl_ctl_server_pollfds: accepts, reads, answers, closes. Never blocks
 * for long: a client that does not read its replies within a second is
 * dropped.
 */
void sl_ctl_server_dispatch(struct sl_ctl_server *s, const struct pollfd *fds, size_t n);

/*
 * The daemon's main loop: serves the socket until one of the signals in
 * stop arrives (they must be blocked already; they are read through a
 * signalfd). Returns 0 with *signo set, or a negative errno.
 */
int sl_ctl_server_run(struct sl_ctl_server *s, const sigset_t *stop, int *signo);

/* Closes every client and the listener and removes the socket file. NULL-safe. */
void sl_ctl_server_close(struct sl_ctl_server *s);

#endif /* SLUICE_CTL_SERVER_H */
