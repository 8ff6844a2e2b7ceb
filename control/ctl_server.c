/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "ctl_server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dataplane/log.h"
#include "proto.h"
#include "rtnl_status.h"
#include "worker_status.h"
#include "version.h"

#define TX_BUF 32768          /* replies are sent in datagrams of at most this size */
#define SEND_WAIT_MS 1000     /* how long a client may leave its replies unread */
#define MAX_PEER_GROUPS 256

struct client {
	int fd; /* -1: free slot */
	uint32_t id; /* for the state's command hooks: transactions belong to a connection */
	struct sl_ctl_server *srv;
	bool allowed;
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

struct sl_ctl_server {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool made_dir;
	bool has_group;
	gid_t gid;
	const struct sl_ctl_state *state;
	struct client clients[SL_CTL_MAX_CLIENTS];
	uint8_t *rx; /* SL_CTL_MSG_MAX bytes */
	uint8_t *tx; /* TX_BUF bytes */
	size_t tx_len; /* bytes queued in tx for the client being answered */
	int decided;   /* the errno answered to the message being handled (audit hook) */
	uint32_t next_id; /* of the next client */
	struct sl_ctl_peer sig_sender; /* who sent the signal that ended the last run */
};

uint64_t sl_ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ setup */

/*
 * The directory and the socket belong to whoever runs the daemon (root);
 * only their group is set, so that tests can run the server unprivileged.
 */

static int __attribute__((format(printf, 3, 4)))
diagf(struct sl_diag *diag, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	va_end(ap);
	return err;
}

static int resolve_group(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	int rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);

	if (rc)
		return -rc;
	if (!res)
		return -ENOENT;
	*gid = res->gr_gid;
	return 0;
}

/* A socket file nobody listens on is what a killed sluiced leaves. */
static int clear_stale(const char *path, struct sl_diag *diag)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : diagf(diag, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return diagf(diag, -EEXIST, "%s exists and is not a socket", path);
	/* Non-blocking: a live daemon with a full backlog must not stall us (EAGAIN). */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return diagf(diag, -errno, "socket: %s", strerror(errno));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	err = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	close(fd);
	if (!err || err == -EAGAIN)
		return diagf(diag, -EADDRINUSE, "%s: another sluiced is serving this control socket",
			     path);
	if (err != -ECONNREFUSED)
		return diagf(diag, err, "%s: %s", path, strerror(-err));
	if (unlink(path) && errno != ENOENT)
		return diagf(diag, -errno, "cannot remove the stale socket %s: %s", path,
			     strerror(errno));
	return 0;
}

static int make_dir(struct sl_ctl_server *s, struct sl_diag *diag)
{
	char *slash;

	snprintf(s->dir, sizeof(s->dir), "%s", s->path);
	slash = strrchr(s->dir, '/');
	if (!slash || slash == s->dir)
		return 0; /* "/x.sock": the root directory is not ours to change */
	*slash = '\0';
	if (mkdir(s->dir, 0750)) {
		if (errno == EEXIST)
			return 0; /* an existing directory (RuntimeDirectory=) keeps its owner and mode */
		return diagf(diag, -errno, "cannot create %s: %s", s->dir, strerror(errno));
	}
	s->made_dir = true;
	/* mkdir applied the umask: set the mode exactly. */
	if (chmod(s->dir, 0750) || (s->has_group && chown(s->dir, (uid_t)-1, s->gid)))
		return diagf(diag, -errno, "cannot set the owner and mode of %s: %s", s->dir,
			     strerror(errno));
	return 0;
}

int sl_ctl_server_open(const char *path, const char *group, const struct sl_ctl_state *state,
		       struct sl_ctl_server **out, struct sl_diag *diag)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sl_ctl_server *s;
	mode_t old_mask;
	size_t i;
	int err;

	*out = NULL;
	diag->msg[0] = '\0';
	if (!path)
		path = SL_CTL_SOCKET_PATH;
	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
		return diagf(diag, -EINVAL,
			     "control socket '%s' must be an absolute path shorter than %zu bytes", path,
			     sizeof(sa.sun_path));
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->state = state;
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->rx = aligned_alloc(8, SL_CTL_MSG_MAX);
	s->tx = aligned_alloc(8, TX_BUF);
	if (!s->rx || !s->tx) {
		err = -ENOMEM;
		goto out;
	}
	if (group && group[0]) {
		err = resolve_group(group, &s->gid);
		if (err) {
			diagf(diag, err, "control group '%s': %s", group,
			      err == -ENOENT ? "no such group" : strerror(-err));
			goto out;
		}
		s->has_group = true;
	}
	err = make_dir(s, diag);
	if (err)
		goto out;
	err = clear_stale(s->path, diag);
	if (err)
		goto out;
	s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		err = diagf(diag, -errno, "socket: %s", strerror(errno));
		goto out;
	}
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	/* The socket file is never more open than 0660, not even until chmod. */
	old_mask = umask(0117);
	err = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old_mask);
	if (err) {
		diagf(diag, err, "cannot bind %s: %s", s->path, strerror(-err));
		goto out;
	}
	if (chmod(s->path, 0660) || (s->has_group && chown(s->path, (uid_t)-1, s->gid))) {
		err = diagf(diag, -errno, "cannot set the owner and mode of %s: %s", s->path,
			    strerror(errno));
		unlink(s->path);
		goto out;
	}
	if (listen(s->fd, 16)) {
		err = diagf(diag, -errno, "listen on %s: %s", s->path, strerror(errno));
		unlink(s->path);
		goto out;
	}
	*out = s;
	s = NULL;
out:
	if (s) {
		if (s->fd >= 0)
			close(s->fd);
		if (s->made_dir)
			rmdir(s->dir);
		free(s->rx);
		free(s->tx);
		free(s);
	}
	return err;
}

void sl_ctl_server_signal_sender(const struct sl_ctl_server *s, struct sl_ctl_peer *out)
{
	*out = s->sig_sender;
}

void sl_ctl_server_close(struct sl_ctl_server *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			close(s->clients[i].fd);
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	if (s->made_dir)
		rmdir(s->dir);
	free(s->rx);
	free(s->tx);
	free(s);
}

/* ---------------------------------------------------------------- clients */

static void drop_client(struct client *c)
{
	/* What the connection owned (an open transaction) goes with it. */
	if (c->fd >= 0 && c->srv && c->srv->state->client_gone)
		c->srv->state->client_gone(c->srv->state->command_arg, c->id);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Root, or the configured group as primary or supplementary group. */
static bool peer_allowed(const struct sl_ctl_server *s, int fd, const struct ucred *cred)
{
	gid_t groups[MAX_PEER_GROUPS];
	socklen_t len = sizeof(groups);
	size_t i;

	if (cred->uid == 0)
		return true;
	if (!s->has_group)
		return false;
	if (cred->gid == s->gid)
		return true;
	/* SO_PEERGROUPS: the peer's groups when it connected, no NSS lookup. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == s->gid)
			return true;
	return false;
}

static void accept_clients(struct sl_ctl_server *s)
{
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *c = NULL;
		size_t i;
		int fd;

		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				pr_warn("control socket: accept: %s\n", strerror(errno));
			return;
		}
		for (i = 0; i < SL_CTL_MAX_CLIENTS && !c; i++)
			if (s->clients[i].fd < 0)
				c = &s->clients[i];
		if (!c) {
			pr_warn("control socket: more than %d clients, refusing one\n",
				SL_CTL_MAX_CLIENTS);
			close(fd);
			continue;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || len != sizeof(cred)) {
			pr_warn("control socket: SO_PEERCRED: %s\n", strerror(errno));
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = ++s->next_id;
		c->srv = s;
		c->pid = cred.pid;
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->allowed = peer_allowed(s, fd, &cred);
		pr_debug("control socket: client pid %d uid %u%s\n", (int)cred.pid, (unsigned)cred.uid,
			 c->allowed ? "" : " (not allowed)");
	}
}

/* Sends one datagram, waiting a little for a slow reader. 0 or -errno (client dropped). */
static int send_datagram(struct client *c, const void *buf, size_t len)
{
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		int rc;

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0) {
			drop_client(c); /* SEQPACKET sends whole datagrams: cannot happen */
			return -EIO;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			pr_debug("control socket: send: %s\n", strerror(errno));
			drop_client(c);
			return -errno;
		}
		do
			rc = poll(&p, 1, SEND_WAIT_MS);
		while (rc < 0 && errno == EINTR);
		if (rc <= 0 || (p.revents & (POLLERR | POLLHUP))) {
			pr_warn("control socket: client pid %d does not read its replies, dropping it\n",
				(int)c->pid);
			drop_client(c);
			return -ETIMEDOUT;
		}
	}
}

static int flush(struct sl_ctl_server *s, struct client *c)
{
	int err = 0;

	if (s->tx_len && c->fd >= 0)
		err = send_datagram(c, s->tx, s->tx_len);
	s->tx_len = 0;
	return err;
}

/*
 * Room for a message of at most need bytes at the end of the queued
 * replies, flushing them first when it would not fit.
 */
static void *reserve(struct sl_ctl_server *s, struct client *c, size_t need, size_t *room)
{
	if (TX_BUF - s->tx_len < need && flush(s, c))
		return NULL;
	*room = TX_BUF - s->tx_len;
	return s->tx + s->tx_len;
}

static void queued(struct sl_ctl_server *s, const struct nlmsghdr *nlh)
{
	s->tx_len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Queues an NLMSG_ERROR answering req (req_len bytes of it available). */
static void queue_error(struct sl_ctl_server *s, struct client *c, const void *req, size_t req_len,
			const struct sl_ctl_error *e)
{
	size_t room;
	void *p;
	int n;

	s->decided = e->err;
	p = reserve(s, c, 512, &room);
	if (!p)
		return;
	n = sl_ctl_put_error(p, room, req, req_len, e);
	if (n > 0)
		queued(s, p);
	if (e->err)
		pr_debug("control socket: client pid %d: %s (%s)\n", (int)c->pid, strerror(-e->err),
			 e->msg);
}

/* ---------------------------------------------------------------- commands */

static int do_status(struct sl_ctl_server *s, struct client *c, const struct nlmsghdr *req,
		     struct sl_ctl_error *e)
{
	const struct sl_ctl_state *st = s->state;
	struct nlmsghdr *nlh;
	size_t room, i;
	void *p = reserve(s, c, TX_BUF, &room);

	if (!p)
		return 0;
	if (st->refresh)
		st->refresh(st->refresh_arg);
	nlh = sl_ctl_msg_start(p, room, SL_CTL_CMD_STATUS, 0, req->nlmsg_seq, req->nlmsg_pid);
	if (!nlh ||
	    !mnl_attr_put_strz_check(nlh, room, SL_CTL_A_DAEMON_VERSION, sl_version) ||
	    !mnl_attr_put_u32_check(nlh, room, SL_CTL_A_PID, (uint32_t)getpid()) ||
	    !mnl_attr_put_u64_check(nlh, room, SL_CTL_A_UPTIME_MS, sl_ctl_now_ms() - st->start_ms) ||
	    !mnl_attr_put_strz_check(nlh, room, SL_CTL_A_PIN_DIR, st->pin_dir) ||
	    (st->config_path &&
	     !mnl_attr_put_strz_check(nlh, room, SL_CTL_A_CONFIG, st->config_path)) ||
	    !mnl_attr_put_u32_check(nlh, room, SL_CTL_A_RULE_COUNT, st->n_rules) ||
	    !mnl_attr_put_u8_check(nlh, room, SL_CTL_A_KEEP_ENFORCING, st->keep_enforcing))
		return sl_ctl_errorf(e, -EMSGSIZE, 0, "status does not fit in one message");
	for (i = 0; i < st->n_ifaces; i++) {
		struct nlattr *nest = mnl_attr_nest_start_check(nlh, room, SL_CTL_A_IFACE);

		if (!nest ||
		    !mnl_attr_put_strz_check(nlh, room, SL_CTL_IFACE_A_NAME, st->ifaces[i].name) ||
		    !mnl_attr_put_u32_check(nlh, room, SL_CTL_IFACE_A_INDEX, st->ifaces[i].ifindex) ||
		    !mnl_attr_put_u32_check(nlh, room, SL_CTL_IFACE_A_XDP_MODE, st->ifaces[i].xdp_mode))
			return sl_ctl_errorf(e, -EMSGSIZE, 0, "status does not fit in one message");
		mnl_attr_nest_end(nlh, nest);
	}
	for (i = 0; i < st->n_placement; i++)
		if (sl_ctl_put_placement(nlh, room, &st->placement[i]))
			return sl_ctl_errorf(e, -EMSGSIZE, 0, "status does not fit in one message");
	if (st->rtnl && sl_rtnl_status_put(nlh, room, st->rtnl))
		return sl_ctl_errorf(e, -EMSGSIZE, 0, "status does not fit in one message");
	for (i = 0; i < st->n_workers; i++)
		if (sl_ctl_worker_put(nlh, room, &st->workers[i]))
			return sl_ctl_errorf(e, -EMSGSIZE, 0, "status does not fit in one message");
	queued(s, nlh);
	return 0;
}

/* Starts a multipart STATS message, flushing full datagrams. */
static struct nlmsghdr *stats_msg(struct sl_ctl_server *s, struct client *c,
				  const struct nlmsghdr *req, size_t need, size_t *room)
{
	void *p = reserve(s, c, need, room);

	return p ? sl_ctl_msg_start(p, *room, SL_CTL_CMD_STATS, NLM_F_MULTI, req->nlmsg_seq,
				    req->nlmsg_pid)
		 : NULL;
}

#define RULE_MSG_MAX 256 /* one rule's message: headers, a counter nest, a 48-byte name */
#define IFACE_MSG_MAX 512 /* one interface's: a name and a counter nest per verdict */

static int dump_stats(struct sl_ctl_server *s, struct client *c, const struct nlmsghdr *req,
		      struct sl_ctl_error *e)
{
	struct sl_stats *st = NULL;
	struct nlmsghdr *nlh;
	size_t room;
	uint32_t i;
	int err;

	if (s->state->stats.verdicts < 0)
		return sl_ctl_errorf(e, -ENODATA, 0, "no firewall is loaded");
	st = malloc(sizeof(*st));
	if (!st)
		return sl_ctl_errorf(e, -ENOMEM, 0, "out of memory");
	err = sl_stats_read(&s->state->stats, st);
	if (err) {
		sl_ctl_errorf(e, err, 0, "cannot read the counters: %s", strerror(-err));
		goto out;
	}
	/* First message: every verdict and reason. */
	nlh = stats_msg(s, c, req, 4096, &room);
	if (!nlh)
		goto out;
	for (i = 0; i < SL_VERDICT_COUNT && !err; i++)
		err = sl_ctl_put_counter(nlh, room, SL_CTL_A_VERDICT, i, sl_verdict_name(i),
					 st->verdicts[i].packets, st->verdicts[i].bytes);
	for (i = 0; i < SL_REASON_COUNT && !err; i++)
		err = sl_ctl_put_counter(nlh, room, SL_CTL_A_REASON, i, sl_reason_name(i),
					 st->reasons[i].packets, st->reasons[i].bytes);
	if (err) {
		sl_ctl_errorf(e, err, 0, "the verdict and reason counters do not fit in one message");
		goto out;
	}
	queued(s, nlh);
	/* Then one message per interface that counted a packet (sl_iface_stats). */
	for (i = 0; i < st->n_ifaces; i++) {
		const struct sl_stats_iface *ifs = &st->ifaces[i];
		char name[SL_STATS_IFNAME_LEN];

		if (!sl_stats_iface_seen(ifs))
			continue;
		nlh = stats_msg(s, c, req, IFACE_MSG_MAX, &room);
		if (!nlh)
			goto out;
		err = sl_ctl_put_iface_stats(nlh, room, ifs->ifindex,
					     sl_stats_iface_name(ifs->ifindex, name), ifs->c,
					     SL_VERDICT_COUNT);
		if (err) {
			sl_ctl_errorf(e, err, 0, "interface %u does not fit in a message", ifs->ifindex);
			goto out;
		}
		queued(s, nlh);
	}
	/* Then one message per rule. */
	for (i = 0; i < st->n_rules; i++) {
		nlh = stats_msg(s, c, req, RULE_MSG_MAX, &room);
		if (!nlh)
			goto out;
		err = sl_ctl_put_counter(nlh, room, SL_CTL_A_RULE, i, st->meta[i].name,
					 st->rules[i].packets, st->rules[i].bytes);
		if (err) {
			sl_ctl_errorf(e, err, 0, "rule %u does not fit in a message", i);
			goto out;
		}
		queued(s, nlh);
	}
out:
	free(st);
	return e->err;
}

/* The replies of one request to a command hook (ctl_server.h). */
struct sl_ctl_reply {
	struct sl_ctl_server *s;
	struct client *c;
	const struct nlmsghdr *req;
	uint8_t cmd;
	bool dump;
};

struct nlmsghdr *sl_ctl_reply_start(struct sl_ctl_reply *r, size_t need, size_t *room)
{
	void *p;

	if (need > TX_BUF)
		return NULL;
	p = reserve(r->s, r->c, need, room);
	return p ? sl_ctl_msg_start(p, *room, r->cmd, r->dump ? NLM_F_MULTI : 0, r->req->nlmsg_seq,
				    r->req->nlmsg_pid)
		 : NULL;
}

void sl_ctl_reply_done(struct sl_ctl_reply *r, struct nlmsghdr *nlh)
{
	queued(r->s, nlh);
}

/* Answers one framed message. */
static void handle_msg(struct sl_ctl_server *s, struct client *c, const struct nlmsghdr *nlh)
{
	struct sl_ctl_error e = { 0 };
	struct sl_ctl_msg m;
	size_t room;
	bool dump;
	void *p;
	int n;

	if (nlh->nlmsg_type == NLMSG_NOOP)
		return;
	if (!c->allowed) {
		sl_ctl_errorf(&e, -EPERM, 0,
			      "permission denied: uid %u is not root and not in the control group",
			      (unsigned)c->uid);
		goto reply;
	}
	if (!(nlh->nlmsg_flags & NLM_F_REQUEST)) {
		sl_ctl_errorf(&e, -EINVAL, 0, "not a request: NLM_F_REQUEST is not set");
		goto reply;
	}
	if (sl_ctl_parse(nlh, SL_CTL_REQUEST, &m, &e))
		goto reply;
	dump = nlh->nlmsg_flags & NLM_F_DUMP;
	if (!m.info->doit && !m.info->dumpit) {
		sl_ctl_errorf(&e, -EOPNOTSUPP, 0, "command '%s' is not implemented yet", m.info->name);
		goto reply;
	}
	if (dump && !m.info->dumpit) {
		sl_ctl_errorf(&e, -EOPNOTSUPP, 0, "command '%s' cannot be dumped (NLM_F_DUMP)",
			      m.info->name);
		goto reply;
	}
	if (!dump && !m.info->doit) {
		sl_ctl_errorf(&e, -EOPNOTSUPP, 0, "command '%s' is a dump: set NLM_F_DUMP", m.info->name);
		goto reply;
	}
	switch (m.hdr->cmd) {
	case SL_CTL_CMD_STATUS:
		do_status(s, c, nlh, &e);
		break;
	case SL_CTL_CMD_STATS:
		dump_stats(s, c, nlh, &e);
		break;
	default:
		if (s->state->command) {
			struct sl_ctl_reply r = { s, c, nlh, m.hdr->cmd, dump };

			s->state->command(s->state->command_arg, c->id, &m, &r, &e);
		} else
			sl_ctl_errorf(&e, -EOPNOTSUPP, 0, "command '%s' is not implemented yet",
				      m.info->name);
		break;
	}
	if (c->fd < 0)
		return;
	if (dump && !e.err) {
		p = reserve(s, c, 64, &room);
		if (p && (n = sl_ctl_put_done(p, room, nlh->nlmsg_seq, nlh->nlmsg_pid)) > 0)
			queued(s, p);
		return;
	}
	/* Like the kernel: an error always, an ACK when asked for (not after a dump). */
	if (!e.err && !(nlh->nlmsg_flags & NLM_F_ACK))
		return;
reply:
	queue_error(s, c, nlh, nlh->nlmsg_len, &e);
}

/*
 * Hands a handled request to the state's audit hook with the answer
 * decided for it (s->decided: set by queue_error, 0 when none was sent).
 */
static void audit_msg(struct sl_ctl_server *s, const struct client *c,
		      const struct nlmsghdr *nlh)
{
	const struct sl_ctl_state *st = s->state;
	struct sl_ctl_peer peer = { .uid = c->uid, .gid = c->gid, .pid = c->pid };
	struct sl_ctl_error e = { 0 };
	const struct sl_ctl_hdr *h;
	struct sl_ctl_msg m;

	if (!st->audit || nlh->nlmsg_type != SL_CTL_MSG ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*h))
		return;
	h = mnl_nlmsg_get_payload(nlh);
	st->audit(st->audit_arg, &peer, h->cmd,
		  sl_ctl_parse(nlh, SL_CTL_REQUEST, &m, &e) ? NULL : &m, s->decided);
}

/* Reads and answers one datagram. */
static void serve_client(struct sl_ctl_server *s, struct client *c)
{
	struct sl_ctl_error e = { 0 };
	size_t off = 0, len;
	ssize_t n;

	n = recv(c->fd, s->rx, SL_CTL_MSG_MAX, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			drop_client(c);
		return;
	}
	if (n == 0) {
		drop_client(c); /* the peer closed */
		return;
	}
	s->tx_len = 0;
	if ((size_t)n > SL_CTL_MSG_MAX) {
		sl_ctl_errorf(&e, -EMSGSIZE, 0, "a datagram of %zd bytes exceeds the %d-byte limit", n,
			      SL_CTL_MSG_MAX);
		queue_error(s, c, s->rx, SL_CTL_MSG_MAX, &e);
		flush(s, c);
		return;
	}
	len = (size_t)n;
	while (off < len && c->fd >= 0) {
		const struct nlmsghdr *nlh;
		int step = sl_ctl_frame(s->rx + off, len - off, &nlh, &e);

		if (step < 0) {
			/* The rest cannot be framed: answer once and drop it. */
			queue_error(s, c, s->rx + off, len - off, &e);
			break;
		}
		s->decided = 0;
		handle_msg(s, c, nlh);
		audit_msg(s, c, nlh);
		off += (size_t)step;
	}
	if (c->fd >= 0)
		flush(s, c);
}

size_t sl_ctl_server_pollfds(const struct sl_ctl_server *s, struct pollfd *fds, size_t max)
{
	size_t n = 0, i;

	if (max == 0)
		return 0;
	fds[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	for (i = 0; i < SL_CTL_MAX_CLIENTS && n < max; i++)
		if (s->clients[i].fd >= 0)
			fds[n++] = (struct pollfd){ .fd = s->clients[i].fd, .events = POLLIN };
	return n;
}

void sl_ctl_server_dispatch(struct sl_ctl_server *s, const struct pollfd *fds, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == s->fd) {
			accept_clients(s);
			continue;
		}
		for (j = 0; j < SL_CTL_MAX_CLIENTS; j++) {
			struct client *c = &s->clients[j];

			if (c->fd != fds[i].fd)
				continue;
			if (fds[i].revents & POLLIN)
				serve_client(s, c);
			else if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL))
				drop_client(c);
			break;
		}
	}
}

int sl_ctl_server_run(struct sl_ctl_server *s, const sigset_t *stop, int *signo)
{
	struct pollfd fds[SL_CTL_MAX_CLIENTS + 3];
	const struct sl_ctl_state *st = s->state;
	int tick_ms = st->tick && st->tick_ms > 0 ? st->tick_ms : -1;
	uint64_t last_tick = sl_ctl_now_ms();
	int sfd, err = 0;

	sfd = signalfd(-1, stop, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	for (;;) {
		size_t n = sl_ctl_server_pollfds(s, fds, SL_CTL_MAX_CLIENTS + 1);
		uint64_t since = sl_ctl_now_ms() - last_tick;
		/* Wake for the next tick: due tick_ms after the last one, whatever came between. */
		int timeout = tick_ms < 0 ? -1 : since >= (uint64_t)tick_ms ? 0 : tick_ms - (int)since;
		struct signalfd_siginfo si;

		nfds_t nw = 0;

		fds[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (st->watch)
			fds[n + 1 + nw++] = (struct pollfd){ .fd = st->watch_fd, .events = POLLIN };
		if (poll(fds, n + 1 + nw, timeout) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (tick_ms > 0 && sl_ctl_now_ms() - last_tick >= (uint64_t)tick_ms) {
			last_tick = sl_ctl_now_ms();
			st->tick(st->tick_arg);
		}
		if (fds[n].revents & POLLIN) {
			ssize_t r = read(sfd, &si, sizeof(si));

			if (r == (ssize_t)sizeof(si)) {
				*signo = (int)si.ssi_signo;
				s->sig_sender = (struct sl_ctl_peer){ .uid = si.ssi_uid,
								      .pid = (int32_t)si.ssi_pid };
				break;
			}
		}
		sl_ctl_server_dispatch(s, fds, n);
		if (nw && fds[n + 1].revents)
			st->watch(st->watch_arg);
	}
	close(sfd);
	return err;
}
