/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Audit records (docs/logs.md, "Audit trail"): one per change of the
 * daemon's state, refused attempts included: who (SO_PEERCRED of the
 * control client, or the sender of a signal, or the daemon itself), what
 * (the command and a bounded summary of its attributes) and the result.
 *
 * A record is a fixed-size, self-contained struct: the control thread
 * fills one and hands it to the logger through a single-producer ring
 * (sl_logger_audit), the logger thread resolves the user name and
 * encodes it as one JSON line into the `audit` output. The encoder is a
 * pure function on caller buffers, unit-tested without privileges.
 */
#ifndef SLUICE_AUDIT_H
#define SLUICE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_AUDIT_ACTION_LEN 32 /* "interface attach", "start": with the NUL */
#define SL_AUDIT_KEY_LEN 24    /* an attribute's name in "args", with the NUL */
#define SL_AUDIT_VAL_LEN 64    /* a string value's bytes kept, with the NUL */
#define SL_AUDIT_ARGS_MAX 6    /* "args" entries kept; the rest set args_truncated */
#define SL_AUDIT_USER_LEN 64   /* a resolved user name, with the NUL */

/* Where a record comes from: the JSON "source". Never renumbered. */
enum sl_audit_source {
	SL_AUDIT_SRC_CONTROL = 0, /* a request on the control socket */
	SL_AUDIT_SRC_SIGNAL = 1,  /* a signal sent to sluiced (SIGHUP: reload) */
	SL_AUDIT_SRC_DAEMON = 2,  /* sluiced itself: start, stop */
	SL_AUDIT_SRC_COUNT,
};

/* What an "args" entry holds. */
enum sl_audit_arg_kind {
	SL_AUDIT_ARG_STR = 1, /* str: a string attribute */
	SL_AUDIT_ARG_INT = 2, /* num: an integer attribute */
	SL_AUDIT_ARG_N = 3,   /* num: how many times a repeated or nested attribute came */
};

struct sl_audit_arg {
	char key[SL_AUDIT_KEY_LEN];
	uint8_t kind;               /* enum sl_audit_arg_kind */
	uint8_t pad[7];
	uint64_t num;
	char str[SL_AUDIT_VAL_LEN]; /* NUL-terminated; any bytes but NUL */
};

/* sl_audit_rec.flags */
#define SL_AUDIT_F_GID 0x1       /* gid is known (not for a signal's sender) */
#define SL_AUDIT_F_CMD 0x2       /* cmd holds a control protocol command number */
#define SL_AUDIT_F_TRUNCATED 0x4 /* an attribute or a string value did not fit */

struct sl_audit_rec {
	uint64_t wall_ns;  /* CLOCK_REALTIME when the result was decided */
	uint32_t uid;
	uint32_t gid;      /* with SL_AUDIT_F_GID */
	int32_t pid;
	int32_t result;    /* 0, or the negative errno answered */
	uint32_t cmd;      /* with SL_AUDIT_F_CMD: enum sl_ctl_cmd */
	uint8_t source;    /* enum sl_audit_source */
	uint8_t flags;     /* SL_AUDIT_F_x */
	uint8_t n_args;    /* args[0..n_args) are set, at most SL_AUDIT_ARGS_MAX */
	uint8_t pad;
	char action[SL_AUDIT_ACTION_LEN]; /* NUL-terminated */
	struct sl_audit_arg args[SL_AUDIT_ARGS_MAX];
};

/* The longest line sl_audit_json writes, newline included. */
#define SL_AUDIT_LINE_MAX 4096

/*
 * Writes r as one JSON object and a newline (no NUL) into buf; user is
 * the resolved name of r->uid, or NULL (written as null). Strings are
 * bounded by their fields' sizes whether or not they hold a NUL; bytes
 * outside printable ASCII are escaped. Returns the bytes written,
 * -ENOSPC when size is too small (SL_AUDIT_LINE_MAX always suffices), or
 * -EINVAL for a record that breaks its own bounds (n_args, source, an
 * argument's kind).
 */
int sl_audit_json(const struct sl_audit_rec *r, const char *user, char *buf, size_t size);

/*
 * Adds an "args" entry (key and a string value, both cut to their
 * fields, cutting sets SL_AUDIT_F_TRUNCATED). When the record is full it
 * only sets SL_AUDIT_F_TRUNCATED. Never fails.
 */
void sl_audit_add_str(struct sl_audit_rec *r, const char *key, const char *val, size_t len);

/* Adds an integer entry, or a count entry with kind SL_AUDIT_ARG_N. Never fails. */
void sl_audit_add_num(struct sl_audit_rec *r, const char *key, uint8_t kind, uint64_t num);

/*
 * Starts a record: zeroes r, stamps the wall clock, sets source and
 * action (cut to its field).
 */
void sl_audit_init(struct sl_audit_rec *r, enum sl_audit_source source, const char *action);

/* "ok" for 0, else the errno's symbolic name ("EPERM"), "E" and the number when unknown. */
const char *sl_audit_result_name(int result, char *buf, size_t size);

/*
 * The user name of uid into out (size bytes), through NSS. 0, or
 * -ENOENT when uid has no name (out is then ""). May block on NSS: call
 * it from the logger thread, never from the control loop.
 */
int sl_audit_user_name(uint32_t uid, char *out, size_t size);

#endif /* SLUICE_AUDIT_H */
