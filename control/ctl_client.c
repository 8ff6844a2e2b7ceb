/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "ctl_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct sl_ctl_client {
	int fd;
	uint32_t seq;
	uint8_t *buf; /* SL_CTL_MSG_MAX bytes */
};

int sl_ctl_client_open(const char *path, int timeout_ms, struct sl_ctl_client **out,
		       struct sl_ctl_error *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	struct sl_ctl_client *c;
	int err;

	*out = NULL;
	if (!path)
		path = SL_CTL_SOCKET_PATH;
	if (strlen(path) >= sizeof(sa.sun_path))
		return sl_ctl_errorf(e, -ENAMETOOLONG, 0, "control socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return sl_ctl_errorf(e, -ENOMEM, 0, "out of memory");
	/* Sequence numbers start somewhere new per client, as in libmnl's examples. */
	c->seq = (uint32_t)time(NULL);
	c->buf = aligned_alloc(8, SL_CTL_MSG_MAX);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (!c->buf || c->fd < 0) {
		err = sl_ctl_errorf(e, c->buf ? -errno : -ENOMEM, 0, "cannot create a socket: %s",
				    strerror(c->buf ? errno : ENOMEM));
		goto out;
	}
	/* Bounded waits: SO_SNDTIMEO also bounds connect on a full backlog. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		err = sl_ctl_errorf(e, -errno, 0, "socket timeouts: %s", strerror(errno));
		goto out;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		if (err == -EAGAIN || err == -EINPROGRESS)
			sl_ctl_errorf(e, -ETIMEDOUT, 0, "sluiced does not accept connections on %s",
				      path);
		else if (err == -ENOENT || err == -ECONNREFUSED)
			sl_ctl_errorf(e, err, 0, "sluiced is not running (nothing listens on %s)", path);
		else if (err == -EACCES)
			sl_ctl_errorf(e, err, 0,
				      "permission denied on %s (root or the control group is needed)",
				      path);
		else
			sl_ctl_errorf(e, err, 0, "cannot connect to %s: %s", path, strerror(-err));
		err = e->err;
		goto out;
	}
	*out = c;
	c = NULL;
	err = 0;
out:
	sl_ctl_client_close(c);
	return err;
}

void sl_ctl_client_close(struct sl_ctl_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

int sl_ctl_client_send_raw(struct sl_ctl_client *c, const void *buf, size_t len)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * Handles one reply message: 1 when the request is complete, 0 to keep
 * reading, or a negative errno with e filled.
 */
static int handle_reply(const struct nlmsghdr *nlh, uint8_t cmd, sl_ctl_reply_fn fn, void *arg,
			struct sl_ctl_error *e)
{
	struct sl_ctl_msg m;
	int err;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		if (sl_ctl_parse_error(nlh, e))
			return sl_ctl_errorf(e, -EBADMSG, 0, "malformed error message from sluiced");
		if (e->err && !e->msg[0])
			snprintf(e->msg, sizeof(e->msg), "%s", strerror(-e->err));
		return e->err ? e->err : 1;
	case NLMSG_DONE:
		return 1;
	case NLMSG_NOOP:
		return 0;
	}
	err = sl_ctl_parse(nlh, SL_CTL_REPLY, &m, e);
	if (err) {
		char why[SL_CTL_ERRMSG_LEN];

		snprintf(why, sizeof(why), "%s", e->msg);
		return sl_ctl_errorf(e, -EBADMSG, 0, "malformed reply from sluiced: %s", why);
	}
	if (m.hdr->cmd != cmd)
		return sl_ctl_errorf(e, -EBADMSG, 0, "reply for command %u to a request for %u",
				     m.hdr->cmd, cmd);
	if (fn) {
		err = fn(&m, arg);
		if (err)
			return err < 0 ? err : -EINVAL;
	}
	return 0;
}

int sl_ctl_client_call(struct sl_ctl_client *c, uint8_t cmd, uint16_t flags, sl_ctl_reply_fn fn,
		       void *arg, struct sl_ctl_error *e)
{
	struct nlmsghdr *nlh;

	memset(e, 0, sizeof(*e));
	nlh = sl_ctl_msg_start(c->buf, SL_CTL_MSG_MAX, cmd, NLM_F_REQUEST | NLM_F_ACK | flags, 0, 0);
	if (!nlh)
		return sl_ctl_errorf(e, -EMSGSIZE, 0, "request too large");
	return sl_ctl_client_send(c, nlh, fn, arg, e);
}

/*
 * Reads reply messages and hands each to on() until it returns non-zero:
 * > 0 done (0 is returned), < 0 that error. Local errors go into e.
 */
static int read_replies(struct sl_ctl_client *c,
			int (*on)(const struct nlmsghdr *r, void *arg, struct sl_ctl_error *e),
			void *arg, struct sl_ctl_error *e)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->buf, SL_CTL_MSG_MAX, MSG_TRUNC);
		size_t off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sl_ctl_errorf(e, errno == EAGAIN ? -ETIMEDOUT : -errno, 0,
					     "no reply from sluiced: %s",
					     errno == EAGAIN ? "timed out" : strerror(errno));
		if (n == 0)
			return sl_ctl_errorf(e, -ECONNRESET, 0, "sluiced closed the connection");
		if (n > SL_CTL_MSG_MAX)
			return sl_ctl_errorf(e, -EBADMSG, 0, "reply of %zd bytes is too large", n);
		while (off < (size_t)n) {
			const struct nlmsghdr *r;
			int step = sl_ctl_frame(c->buf + off, (size_t)n - off, &r, e), err;

			if (step < 0) {
				char why[SL_CTL_ERRMSG_LEN];

				snprintf(why, sizeof(why), "%s", e->msg);
				return sl_ctl_errorf(e, -EBADMSG, 0, "malformed reply from sluiced: %s",
						     why);
			}
			off += (size_t)step;
			err = on(r, arg, e);
			if (err)
				return err < 0 ? err : 0;
		}
	}
}

int sl_ctl_client_send_nowait(struct sl_ctl_client *c, struct nlmsghdr *nlh, uint32_t *seq,
			      struct sl_ctl_error *e)
{
	int err;

	memset(e, 0, sizeof(*e));
	nlh->nlmsg_seq = ++c->seq;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	err = sl_ctl_client_send_raw(c, nlh, nlh->nlmsg_len);
	if (err)
		return sl_ctl_errorf(e, err, 0, "cannot send to sluiced: %s", strerror(-err));
	*seq = c->seq;
	return 0;
}

/* One request's answers: its data replies to fn, then its ACK or error. */
struct call {
	uint32_t seq;
	uint8_t cmd;
	sl_ctl_reply_fn fn;
	void *arg;
};

static int on_call_reply(const struct nlmsghdr *r, void *arg, struct sl_ctl_error *e)
{
	const struct call *k = arg;

	if (r->nlmsg_seq != k->seq)
		return 0; /* an answer to an earlier request */
	return handle_reply(r, k->cmd, k->fn, k->arg, e);
}

int sl_ctl_client_send(struct sl_ctl_client *c, struct nlmsghdr *nlh, sl_ctl_reply_fn fn, void *arg,
		       struct sl_ctl_error *e)
{
	const struct sl_ctl_hdr *h = mnl_nlmsg_get_payload(nlh);
	struct call k = { .cmd = h->cmd, .fn = fn, .arg = arg };
	int err = sl_ctl_client_send_nowait(c, nlh, &k.seq, e);

	return err ? err : read_replies(c, on_call_reply, &k, e);
}

/* A pipeline's answers: only the ACKs count, up to request upto. */
struct acks {
	uint32_t upto;
	uint32_t *failed;
};

static int on_ack(const struct nlmsghdr *r, void *arg, struct sl_ctl_error *e)
{
	const struct acks *k = arg;

	if (r->nlmsg_type != NLMSG_ERROR)
		return 0; /* a change's data reply is not needed here */
	if (sl_ctl_parse_error(r, e))
		return sl_ctl_errorf(e, -EBADMSG, 0, "malformed error message from sluiced");
	if (e->err) {
		if (!e->msg[0])
			snprintf(e->msg, sizeof(e->msg), "%s", strerror(-e->err));
		*k->failed = r->nlmsg_seq;
		return e->err;
	}
	return r->nlmsg_seq == k->upto;
}

int sl_ctl_client_wait_acks(struct sl_ctl_client *c, uint32_t upto, uint32_t *failed,
			    struct sl_ctl_error *e)
{
	struct acks k = { .upto = upto, .failed = failed };

	memset(e, 0, sizeof(*e));
	*failed = 0;
	return read_replies(c, on_ack, &k, e);
}

uint32_t sl_ctl_client_seq(const struct sl_ctl_client *c)
{
	return c->seq;
}
