/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "audit.h"
#include "jsonout.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const source_names[SL_AUDIT_SRC_COUNT] = {
	[SL_AUDIT_SRC_CONTROL] = "control",
	[SL_AUDIT_SRC_SIGNAL] = "signal",
	[SL_AUDIT_SRC_DAEMON] = "daemon",
};

static void __attribute__((format(printf, 2, 3))) put_fmt(struct sl_jout *o, const char *fmt, ...)
{
	char tmp[192]; /* the longest fixed text of a record, with its numbers */
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->err = -EINVAL;
		return;
	}
	sl_jout_mem(o, tmp, (size_t)n);
}

static void put_time(struct sl_jout *o, uint64_t wall_ns)
{
	time_t t = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		o->err = -EINVAL;
		return;
	}
	put_fmt(o, "\"%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(unsigned long long)(wall_ns % 1000000000ull));
}

const char *sl_audit_result_name(int result, char *buf, size_t size)
{
	const char *name;
	int e = result < 0 ? -result : result;

	if (!result)
		return "ok";
	name = strerrorname_np(e);
	if (name)
		return name;
	snprintf(buf, size, "E%d", e);
	return buf;
}

int sl_audit_json(const struct sl_audit_rec *r, const char *user, char *buf, size_t size)
{
	struct sl_jout o = { .p = buf, .size = size };
	char res[16];
	uint8_t i;

	if (r->n_args > SL_AUDIT_ARGS_MAX || r->source >= SL_AUDIT_SRC_COUNT)
		return -EINVAL;
	for (i = 0; i < r->n_args; i++)
		if (r->args[i].kind < SL_AUDIT_ARG_STR || r->args[i].kind > SL_AUDIT_ARG_N)
			return -EINVAL;
	sl_jout_cstr(&o, "{\"time\":");
	put_time(&o, r->wall_ns);
	put_fmt(&o, ",\"ts_ns\":%llu,\"source\":\"%s\",\"type\":\"audit\",\"action\":",
		(unsigned long long)r->wall_ns, source_names[r->source]);
	sl_jout_str(&o, r->action, sizeof(r->action));
	if (r->flags & SL_AUDIT_F_CMD)
		put_fmt(&o, ",\"cmd\":%u", r->cmd);
	else
		sl_jout_cstr(&o, ",\"cmd\":null");
	put_fmt(&o, ",\"uid\":%u", r->uid);
	if (r->flags & SL_AUDIT_F_GID)
		put_fmt(&o, ",\"gid\":%u", r->gid);
	else
		sl_jout_cstr(&o, ",\"gid\":null");
	put_fmt(&o, ",\"pid\":%d,\"user\":", r->pid);
	if (user && user[0])
		sl_jout_str(&o, user, SL_AUDIT_USER_LEN);
	else
		sl_jout_cstr(&o, "null");
	sl_jout_cstr(&o, ",\"args\":{");
	for (i = 0; i < r->n_args; i++) {
		const struct sl_audit_arg *a = &r->args[i];

		if (i)
			sl_jout_cstr(&o, ",");
		sl_jout_str(&o, a->key, sizeof(a->key));
		sl_jout_cstr(&o, ":");
		if (a->kind == SL_AUDIT_ARG_STR)
			sl_jout_str(&o, a->str, sizeof(a->str));
		else
			put_fmt(&o, "%llu", (unsigned long long)a->num);
	}
	put_fmt(&o, "},\"truncated\":%s,\"result\":\"%s\",\"errno\":%d}\n",
		r->flags & SL_AUDIT_F_TRUNCATED ? "true" : "false",
		sl_audit_result_name(r->result, res, sizeof(res)),
		r->result < 0 ? -r->result : r->result);
	return o.err ? o.err : (int)o.len;
}

/* Copies at most len bytes of s (stopping at a NUL) into dst of size bytes; true if cut. */
static bool copy_cut(char *dst, size_t size, const char *s, size_t len)
{
	size_t n = strnlen(s, len);
	bool cut = n >= size;

	if (cut)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return cut;
}

static struct sl_audit_arg *next_arg(struct sl_audit_rec *r, const char *key)
{
	struct sl_audit_arg *a;

	if (r->n_args >= SL_AUDIT_ARGS_MAX) {
		r->flags |= SL_AUDIT_F_TRUNCATED;
		return NULL;
	}
	a = &r->args[r->n_args++];
	memset(a, 0, sizeof(*a));
	if (copy_cut(a->key, sizeof(a->key), key ? key : "", SIZE_MAX))
		r->flags |= SL_AUDIT_F_TRUNCATED;
	return a;
}

void sl_audit_add_str(struct sl_audit_rec *r, const char *key, const char *val, size_t len)
{
	struct sl_audit_arg *a = next_arg(r, key);

	if (!a)
		return;
	a->kind = SL_AUDIT_ARG_STR;
	if (copy_cut(a->str, sizeof(a->str), val ? val : "", len))
		r->flags |= SL_AUDIT_F_TRUNCATED;
}

void sl_audit_add_num(struct sl_audit_rec *r, const char *key, uint8_t kind, uint64_t num)
{
	struct sl_audit_arg *a = next_arg(r, key);

	if (!a)
		return;
	a->kind = kind == SL_AUDIT_ARG_N ? SL_AUDIT_ARG_N : SL_AUDIT_ARG_INT;
	a->num = num;
}

void sl_audit_init(struct sl_audit_rec *r, enum sl_audit_source source, const char *action)
{
	struct timespec ts;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_REALTIME, &ts);
	r->wall_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	r->source = (uint8_t)source;
	if (copy_cut(r->action, sizeof(r->action), action ? action : "", SIZE_MAX))
		r->flags |= SL_AUDIT_F_TRUNCATED;
}

int sl_audit_user_name(uint32_t uid, char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int rc;

	if (size)
		out[0] = '\0';
	rc = getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res);
	if (rc)
		return -rc;
	if (!res || !res->pw_name)
		return -ENOENT;
	if (size)
		copy_cut(out, size, res->pw_name, SIZE_MAX);
	return 0;
}
