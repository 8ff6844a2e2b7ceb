/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control protocol's one parser and its builders (wire format:
 * include/sluice/ctl.h, docs/control.md). Both ends use it: sluiced for
 * requests, sluicectl for replies.
 *
 * The parser checks every length (the netlink header against the bytes
 * received, the command header, each attribute against what is left of
 * its message or nest, the nesting depth) before anything is read, and
 * validates attribute types and sizes against a per-command policy into
 * a tb[] table. libmnl is used to build messages and, on buffers that
 * have passed this parser, to read attribute values.
 */
#ifndef SLUICE_PROTO_H
#define SLUICE_PROTO_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/ctl.h"

/* Value types of attributes. */
enum sl_ctl_type {
	SL_CTL_T_NONE = 0, /* not allowed here: an unknown attribute */
	SL_CTL_T_U8,
	SL_CTL_T_U16,
	SL_CTL_T_U32,
	SL_CTL_T_U64,
	SL_CTL_T_STRING, /* NUL-terminated, no NUL inside, at most max_len bytes with the NUL */
	SL_CTL_T_NESTED, /* attributes of policy->nest; NLA_F_NESTED set */
};

#define SL_CTL_F_REQUIRED 0x1 /* must be present */
#define SL_CTL_F_MULTI 0x2    /* may be repeated; tb[] holds the first */

struct sl_ctl_attrset;

/* What an attribute may be. */
struct sl_ctl_policy {
	uint8_t type;     /* enum sl_ctl_type */
	uint8_t flags;    /* SL_CTL_F_x */
	uint16_t max_len; /* SL_CTL_T_STRING: at most this many bytes, 0: SL_CTL_STR_MAX */
	const struct sl_ctl_attrset *nest; /* SL_CTL_T_NESTED */
};

/* The attributes allowed at one level: policy[0..max], indexed by type. */
struct sl_ctl_attrset {
	const char *name; /* of the level, for messages: "message", "interface" */
	const struct sl_ctl_policy *policy;
	const char *const *names; /* attribute names for messages, indexed by type */
	uint16_t max;
};

/* The top-level, interface, counter and placement attribute sets (for nests). */
extern const struct sl_ctl_attrset sl_ctl_iface_attrs;
extern const struct sl_ctl_attrset sl_ctl_counter_attrs;
extern const struct sl_ctl_attrset sl_ctl_ifstats_attrs;
extern const struct sl_ctl_attrset sl_ctl_place_attrs;
extern const struct sl_ctl_attrset sl_ctl_node_pages_attrs;

enum sl_ctl_dir {
	SL_CTL_REQUEST = 0,
	SL_CTL_REPLY = 1,
};

/* What the protocol says about a command. */
struct sl_ctl_cmd_info {
	const char *name;  /* "status", "stats", ...; NULL for an unknown number */
	bool doit;         /* served as a plain request */
	bool dumpit;       /* served as an NLM_F_DUMP request */
	const struct sl_ctl_attrset *request;
	const struct sl_ctl_attrset *reply;
};

/* The command's description; name is NULL when cmd is not a command. */
const struct sl_ctl_cmd_info *sl_ctl_cmd(unsigned int cmd);

#define SL_CTL_ERRMSG_LEN 160

/* Why a message was refused: what an extended ack carries. */
struct sl_ctl_error {
	int err;        /* negative errno; 0 for an ACK */
	uint32_t offset; /* of the attribute at fault from the start of its message; 0: none */
	uint16_t miss_type; /* a required attribute that is missing; 0: none */
	char msg[SL_CTL_ERRMSG_LEN]; /* one line, "" for none */
};

/* Fills e and returns e->err (a negative errno). */
int sl_ctl_errorf(struct sl_ctl_error *e, int err, uint32_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A parsed SL_CTL_MSG message; points into the caller's buffer. */
struct sl_ctl_msg {
	const struct nlmsghdr *nlh;
	const struct sl_ctl_hdr *hdr;
	const struct sl_ctl_cmd_info *info;
	const struct nlattr *tb[SL_CTL_A_MAX + 1];
};

/*
 * Frames the netlink message at the start of buf (len bytes received):
 * checks that a whole header is there and that nlmsg_len lies between
 * the header size and len. Returns the bytes to step to the next message
 * (nlmsg_len aligned, at most len) and sets *nlh, or a negative errno
 * with e filled (then the rest of buf cannot be framed).
 */
int sl_ctl_frame(const void *buf, size_t len, const struct nlmsghdr **nlh, struct sl_ctl_error *e);

/*
 * Parses a framed SL_CTL_MSG message: the command header (known command,
 * SL_CTL_VERSION, else -EPROTONOSUPPORT; reserved zero), then every
 * attribute, nests included, against the command's request or reply
 * policy. An attribute type the policy does not know is an error in a
 * request and skipped in a reply (a newer daemon may add some). Returns 0
 * with m filled, or a negative errno with e filled (e->offset names the
 * attribute at fault, e->miss_type a missing one).
 */
int sl_ctl_parse(const struct nlmsghdr *nlh, enum sl_ctl_dir dir, struct sl_ctl_msg *m,
		 struct sl_ctl_error *e);

/*
 * Parses the attributes inside nest against set into tb[0..set->max]
 * (cleared first). The same checks as sl_ctl_parse, unknown types
 * skipped; base is the start of the message, for offsets in e. 0 or a
 * negative errno.
 */
int sl_ctl_parse_nest(const struct nlmsghdr *base, const struct nlattr *nest,
		      const struct sl_ctl_attrset *set, const struct nlattr **tb,
		      struct sl_ctl_error *e);

/*
 * Iterates the top-level attributes of type in a parsed message: pass
 * NULL first, then the previous result; NULL at the end. Only types in
 * the message's policy were validated: iterate no other.
 */
const struct nlattr *sl_ctl_next_attr(const struct sl_ctl_msg *m, const struct nlattr *prev,
				      uint16_t type);

/*
 * Reads an NLMSG_ERROR message (framed by sl_ctl_frame): out->err is its
 * errno (0 for an ACK), and msg, offset and miss_type its extended-ack
 * attributes when present. 0, or -EBADMSG when it is malformed.
 */
int sl_ctl_parse_error(const struct nlmsghdr *nlh, struct sl_ctl_error *out);

/*
 * Starts an SL_CTL_MSG message for cmd in buf (size bytes) with the
 * current SL_CTL_VERSION. NULL when size cannot hold the two headers.
 * Attributes are added with libmnl's mnl_attr_put_*_check(nlh, size, ...).
 */
struct nlmsghdr *sl_ctl_msg_start(void *buf, size_t size, uint8_t cmd, uint16_t flags,
				  uint32_t seq, uint32_t pid);

/*
 * Adds a counter nest (SL_CTL_A_VERDICT, _REASON or _RULE) to nlh, whose
 * buffer is size bytes. 0 or -EMSGSIZE (nothing added).
 */
int sl_ctl_put_counter(struct nlmsghdr *nlh, size_t size, uint16_t type, uint32_t id,
		       const char *name, uint64_t packets, uint64_t bytes);

/*
 * Adds an SL_CTL_A_IFACE_STATS nest to nlh (buffer of size bytes): slot
 * (the ingress ifindex), its name (NULL: none) and one counter per
 * verdict, c[0..n). 0 or -EMSGSIZE (nothing added).
 */
struct sl_counter;
int sl_ctl_put_iface_stats(struct nlmsghdr *nlh, size_t size, uint32_t slot, const char *name,
			   const struct sl_counter *c, uint32_t n);

/*
 * Reads an SL_CTL_A_IFACE_STATS nest of a parsed message (base): *slot,
 * and into c[id] the counter of each verdict id < n (ids of n or more, a
 * newer daemon's verdicts, are skipped). 0, or -EBADMSG when it breaks
 * its policy.
 */
int sl_ctl_get_iface_stats(const struct nlmsghdr *base, const struct nlattr *nest, uint32_t *slot,
			   struct sl_counter *c, uint32_t n);

#define SL_CTL_PLACE_NODES 64 /* node ids 0..63: node sets are one 64-bit mask */

/* One SL_CTL_A_PLACEMENT nest: where a large map or a pool lives. */
struct sl_ctl_place_info {
	char name[64];
	uint32_t kind;       /* enum sl_ctl_place_kind */
	char pool[32];       /* "" when none */
	char tier[16];       /* "fast", "capacity", "auto", "nodes" */
	uint64_t req_nodes;  /* tier "nodes" */
	uint64_t nodes;      /* resolved */
	bool fell_back;
	int numa_flag;       /* maps: 0 or 1; -1: not a map (not sent) */
	uint64_t bytes;
	bool measured;       /* the four below are meaningful */
	uint64_t page_size;
	uint64_t pages;
	uint64_t absent;
	uint64_t node_pages[SL_CTL_PLACE_NODES]; /* measured; sent for nodes with pages */
};

/*
 * Adds pi as an SL_CTL_A_PLACEMENT nest to nlh, whose buffer is size
 * bytes. 0 or -EMSGSIZE (nothing added).
 */
int sl_ctl_put_placement(struct nlmsghdr *nlh, size_t size, const struct sl_ctl_place_info *pi);

/*
 * Reads an SL_CTL_A_PLACEMENT nest of a parsed message (base) into out.
 * 0, or -EBADMSG when it breaks its policy or names a node id of
 * SL_CTL_PLACE_NODES or more.
 */
int sl_ctl_get_placement(const struct nlmsghdr *base, const struct nlattr *nest,
			 struct sl_ctl_place_info *out);

/*
 * Writes an NLMSG_ERROR answering the request whose first req_len bytes
 * are req (fewer than a header is fine: the echo is zero-filled). The echo
 * is the request's header only (NLM_F_CAPPED); a non-empty e->msg,
 * e->offset and e->miss_type become extended-ack attributes
 * (NLM_F_ACK_TLVS). Returns the message length or -EMSGSIZE.
 */
int sl_ctl_put_error(void *buf, size_t size, const void *req, size_t req_len,
		     const struct sl_ctl_error *e);

/* Writes an NLMSG_DONE (payload: the int 0). Returns its length or -EMSGSIZE. */
int sl_ctl_put_done(void *buf, size_t size, uint32_t seq, uint32_t pid);

/* Names for messages and JSON: "status", "native". Never NULL. */
const char *sl_ctl_cmd_name(unsigned int cmd);
const char *sl_ctl_xdp_mode_name(uint32_t mode);
const char *sl_ctl_place_kind_name(uint32_t kind); /* "map", "pool" */

#endif /* SLUICE_PROTO_H */
