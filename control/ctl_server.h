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

struct sl_ctl_reply;

/* Who sent a request: the client's SO_PEERCRED when it connected. */
struct sl_ctl_peer {
	uint32_t uid;
	uint32_t gid;
	int32_t pid;
};

/*
 * The audit hook (docs/logs.md, "Audit trail"): called after the answer
 * to each SL_CTL_MSG request is decided, refusals included (EPERM, a
 * malformed message, EOPNOTSUPP). cmd is the request's command number;
 * m is the parsed request (attributes validated) or NULL when it did
 * not parse; result is 0 or the negative errno answered. Runs on the
 * control loop: it must not block.
 */
typedef void (*sl_ctl_audit_fn)(void *arg, const struct sl_ctl_peer *peer, unsigned int cmd,
				const struct sl_ctl_msg *m, int result);

/*
 * The cmd the daemon passes to the audit hook for a reload by SIGHUP
 * (peer: the sender's uid and pid from the signal, gid unknown); above
 * every protocol command number.
 */
#define SL_CTL_AUDIT_SIGHUP_RELOAD 0x10000u

struct sl_rtnl_status;
struct sl_ctl_worker;

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
	/*
	 * Serves a request for a command the server does not serve itself
	 * (the policy commands: rules, sets, interfaces, reload,
	 * transactions): replies through r (sl_ctl_reply_start), then 0, or
	 * a negative errno with e filled. client identifies the connection.
	 * NULL: such commands are EOPNOTSUPP.
	 */
	int (*command)(void *arg, uint32_t client, const struct sl_ctl_msg *m,
		       struct sl_ctl_reply *r, struct sl_ctl_error *e);
	/* Called with command_arg when connection client closes or is dropped. */
	void (*client_gone)(void *arg, uint32_t client);
	void *command_arg;
	sl_ctl_audit_fn audit; /* when set: the audit hook above */
	void *audit_arg;
	/*
	 * Called (when set) by sl_ctl_server_run's loop at least every
	 * tick_ms milliseconds, also while no client talks: the systemd
	 * watchdog's keep-alive, which proves the loop still turns.
	 */
	void (*tick)(void *arg);
	void *tick_arg;
	int tick_ms;
	/*
	 * Another fd sl_ctl_server_run's loop polls for POLLIN beside the
	 * clients (the rtnetlink watcher's); watch(watch_arg) is called when
	 * it is readable. Ignored while watch is NULL.
	 */
	int watch_fd;
	void (*watch)(void *arg);
	void *watch_arg;
	/* The rtnetlink watcher's part of STATUS (rtnl_status.h); NULL: not sent. */
	const struct sl_rtnl_status *rtnl;
	/* The dataplane workers' part of STATUS (worker_status.h), refreshed by refresh. */
	const struct sl_ctl_worker *workers;
	size_t n_workers;
};

struct sl_ctl_server;

/*
 * Starts a reply message (NLM_F_MULTI for a dump) of at most need bytes
 * (<= 32768) to the request being served by a command hook; *room is the
 * buffer size for mnl_attr_put_*_check. NULL when the client is gone.
 * Queue it with sl_ctl_reply_done once its attributes are in.
 */
struct nlmsghdr *sl_ctl_reply_start(struct sl_ctl_reply *r, size_t need, size_t *room);
void sl_ctl_reply_done(struct sl_ctl_reply *r, struct nlmsghdr *nlh);

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

/*
 * Who sent the signal that ended the last sl_ctl_server_run (uid and
 * pid from the signal; gid 0: a signal does not carry it).
 */
void sl_ctl_server_signal_sender(const struct sl_ctl_server *s, struct sl_ctl_peer *out);

/* Closes every client and the listener and removes the socket file. NULL-safe. */
void sl_ctl_server_close(struct sl_ctl_server *s);

#endif /* SLUICE_CTL_SERVER_H */
