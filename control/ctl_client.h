/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A client of sluiced's control socket (docs/control.md): connects,
 * sends one request at a time with NLM_F_ACK and a fresh sequence number,
 * and hands every reply message, parsed and validated by proto.h, to a
 * callback until the ACK, the error or NLMSG_DONE.
 */
#ifndef SLUICE_CTL_CLIENT_H
#define SLUICE_CTL_CLIENT_H

#include <stdint.h>

#include "proto.h"

struct sl_ctl_client;

/*
 * Connects to path (NULL: SL_CTL_SOCKET_PATH); replies are awaited at
 * most timeout_ms per datagram. 0, or a negative errno with a one-line
 * reason in e->msg (-ENOENT/-ECONNREFUSED: sluiced is not running,
 * -EACCES: the socket's permissions keep this user out).
 */
int sl_ctl_client_open(const char *path, int timeout_ms, struct sl_ctl_client **out,
		       struct sl_ctl_error *e);

/* Called with each reply message of a request; a non-zero return stops and is returned. */
typedef int (*sl_ctl_reply_fn)(const struct sl_ctl_msg *m, void *arg);

/*
 * Sends a request for cmd without attributes; flags may add NLM_F_DUMP.
 * Returns 0 after the ACK (or NLMSG_DONE of a dump), the daemon's
 * negative errno with its extended-ack message in e, or a local error
 * (-ETIMEDOUT, -ECONNRESET, -EBADMSG for a malformed reply) in e.
 */
int sl_ctl_client_call(struct sl_ctl_client *c, uint8_t cmd, uint16_t flags, sl_ctl_reply_fn fn,
		       void *arg, struct sl_ctl_error *e);

/*
 * The same for a request the caller built (sl_ctl_msg_start and
 * mnl_attr_put_*_check, in its own buffer of at most SL_CTL_MSG_MAX
 * bytes): its sequence number, NLM_F_REQUEST and NLM_F_ACK are set here.
 */
int sl_ctl_client_send(struct sl_ctl_client *c, struct nlmsghdr *nlh, sl_ctl_reply_fn fn, void *arg,
		       struct sl_ctl_error *e);

/*
 * Pipelining, for a batch of changes whose answers are plain ACKs: sends
 * nlh (sequence number into *seq, NLM_F_REQUEST | NLM_F_ACK set) without
 * waiting for its answer. The caller keeps a bounded number of requests
 * unanswered (both sockets' queues hold them; a window of a few dozen)
 * and collects the answers with sl_ctl_client_wait_acks. 0 or a local
 * error in e.
 */
int sl_ctl_client_send_nowait(struct sl_ctl_client *c, struct nlmsghdr *nlh, uint32_t *seq,
			      struct sl_ctl_error *e);

/*
 * Reads answers until the ACK of request upto (sent by send_nowait),
 * ignoring data replies. Returns 0, or the first failed request's
 * negative errno with its sequence number in *failed and its message in
 * e, or a local error (*failed 0).
 */
int sl_ctl_client_wait_acks(struct sl_ctl_client *c, uint32_t upto, uint32_t *failed,
			    struct sl_ctl_error *e);

/* The sequence number of the last request sent. */
uint32_t sl_ctl_client_seq(const struct sl_ctl_client *c);

/* Sends raw bytes as one datagram (for tests of the daemon's parser). 0 or -errno. */
int sl_ctl_client_send_raw(struct sl_ctl_client *c, const void *buf, size_t len);

void sl_ctl_client_close(struct sl_ctl_client *c);

#endif /* SLUICE_CTL_CLIENT_H */
