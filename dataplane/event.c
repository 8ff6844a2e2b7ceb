/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "event.h"
#include "jsonout.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../control/stats.h"

int sl_event_decode(const void *rec, size_t len, struct sl_event_view *out)
{
	const struct sl_event *e = &out->ev;

	if (!rec || len < sizeof(struct sl_event))
		return -EINVAL;
	/* A copy: ring records need not be aligned for every field. */
	memcpy(&out->ev, rec, sizeof(out->ev));
	out->cap = NULL;
	if (e->magic != SL_EVENT_MAGIC || e->version != SL_EVENT_VERSION ||
	    e->type != SL_EVENT_PACKET)
		return -EINVAL;
	if (e->verdict > SL_EV_VERDICT_COUNT || (e->family != 4 && e->family != 6) ||
	    (e->flags & ~SL_EVF_ALL) || e->reason >= SL_REASON_COUNT)
		return -EINVAL;
	if (e->cap_len > SL_CAPTURE_MAX || e->cap_len > len - sizeof(struct sl_event) ||
	    e->cap_len > e->pkt_len)
		return -EINVAL;
	if (e->cap_len)
		out->cap = (const uint8_t *)rec + sizeof(struct sl_event);
	return 0;
}

const char *sl_event_verdict_name(uint32_t verdict)
{
	switch (verdict) {
	case SL_EV_VERDICT_PASS:
		return "pass";
	case SL_EV_VERDICT_DROP:
		return "drop";
	case SL_EV_VERDICT_COUNT:
		return "count";
	}
	return "unknown";
}

#define PUT_LIT(o, lit) sl_jout_mem((o), (lit), sizeof(lit) - 1)

static void put_u64(struct sl_jout *o, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sl_jout_mem(o, tmp + sizeof(tmp) - n, n);
}

static void put_i64(struct sl_jout *o, int64_t v)
{
	if (v < 0) {
		PUT_LIT(o, "-");
		put_u64(o, (uint64_t)0 - (uint64_t)v);
		return;
	}
	put_u64(o, (uint64_t)v);
}

/* v in exactly width digits, zero-padded. */
static void put_fixed(struct sl_jout *o, uint64_t v, size_t width)
{
	char tmp[20];
	size_t i;

	for (i = 0; i < width && i < sizeof(tmp); i++) {
		tmp[width - 1 - i] = (char)('0' + v % 10);
		v /= 10;
	}
	sl_jout_mem(o, tmp, width);
}

static void split_ns(int64_t ns, int64_t *sec, long *nsec)
{
	*sec = ns / 1000000000;
	*nsec = (long)(ns % 1000000000);
	if (*nsec < 0) {
		*nsec += 1000000000;
		(*sec)--;
	}
}

/* "YYYY-MM-DDTHH:MM:SS" of sec, cached per thread for the last second asked. */
static void put_date(struct sl_jout *o, int64_t sec)
{
	static __thread int64_t cached_sec = INT64_MIN;
	static __thread char cached[32];
	static __thread size_t cached_len;

	if (sec != cached_sec) {
		struct sl_jout c = { .p = cached, .size = sizeof(cached) };
		time_t t = (time_t)sec;
		struct tm tm;

		if (!gmtime_r(&t, &tm))
			memset(&tm, 0, sizeof(tm));
		put_fixed(&c, (uint64_t)(tm.tm_year + 1900) % 10000, 4);
		PUT_LIT(&c, "-");
		put_fixed(&c, (uint64_t)tm.tm_mon + 1, 2);
		PUT_LIT(&c, "-");
		put_fixed(&c, (uint64_t)tm.tm_mday, 2);
		PUT_LIT(&c, "T");
		put_fixed(&c, (uint64_t)tm.tm_hour, 2);
		PUT_LIT(&c, ":");
		put_fixed(&c, (uint64_t)tm.tm_min, 2);
		PUT_LIT(&c, ":");
		put_fixed(&c, (uint64_t)tm.tm_sec, 2);
		cached_len = c.len;
		cached_sec = sec;
	}
	sl_jout_mem(o, cached, cached_len);
}

static void put_addr(struct sl_jout *o, int family, const uint8_t *a)
{
	char txt[INET6_ADDRSTRLEN];
	int i;

	PUT_LIT(o, "\"");
	if (family == 4) {
		for (i = 0; i < 4; i++) {
			if (i)
				PUT_LIT(o, ".");
			put_u64(o, a[i]);
		}
	} else if (inet_ntop(AF_INET6, a, txt, sizeof(txt))) {
		sl_jout_mem(o, txt, strlen(txt));
	} else {
		o->err = -EINVAL;
	}
	PUT_LIT(o, "\"");
}

int sl_event_json(const struct sl_event_view *v, const struct sl_json_ctx *ctx, char *buf,
		  size_t size)
{
	const struct sl_event *e = &v->ev;
	struct sl_jout o = { .p = buf, .size = size };
	int64_t wall = (int64_t)(e->ts_ns + (uint64_t)ctx->wall_offset_ns), sec;
	long nsec;

	if (!size)
		return -ENOSPC;
	split_ns(wall, &sec, &nsec);
	PUT_LIT(&o, "{\"time\":\"");
	put_date(&o, sec);
	PUT_LIT(&o, ".");
	put_fixed(&o, (uint64_t)nsec, 9);
	PUT_LIT(&o, "Z\",\"ts_ns\":");
	put_i64(&o, wall);
	PUT_LIT(&o, ",\"source\":");
	sl_jout_str(&o, ctx->source ? ctx->source : "unknown", 32);
	PUT_LIT(&o, ",\"type\":\"packet\",\"verdict\":\"");
	sl_jout_cstr(&o, sl_event_verdict_name(e->verdict));
	PUT_LIT(&o, "\",\"reason\":\"");
	sl_jout_cstr(&o, sl_reason_name(e->reason));
	PUT_LIT(&o, "\",");
	if (e->rule == SL_EVENT_NO_RULE) {
		PUT_LIT(&o, "\"rule\":null,\"rule_name\":null,");
	} else {
		PUT_LIT(&o, "\"rule\":");
		put_u64(&o, e->rule);
		PUT_LIT(&o, ",\"rule_name\":");
		if (ctx->names && e->rule < ctx->n_names)
			sl_jout_str(&o, ctx->names[e->rule].name, SL_RULE_NAME_LEN);
		else
			PUT_LIT(&o, "null");
		PUT_LIT(&o, ",");
	}
	PUT_LIT(&o, "\"ifindex\":");
	put_u64(&o, e->ifindex);
	PUT_LIT(&o, ",\"rx_queue\":");
	put_u64(&o, e->rx_queue);
	PUT_LIT(&o, ",\"len\":");
	put_u64(&o, e->pkt_len);
	PUT_LIT(&o, ",\"family\":");
	put_u64(&o, e->family);
	PUT_LIT(&o, ",\"proto\":");
	put_u64(&o, e->l4_proto);
	PUT_LIT(&o, ",\"src\":");
	put_addr(&o, e->family, e->src);
	PUT_LIT(&o, ",\"dst\":");
	put_addr(&o, e->family, e->dst);
	if (e->flags & SL_EVF_PORTS) {
		PUT_LIT(&o, ",\"sport\":");
		put_u64(&o, e->sport);
		PUT_LIT(&o, ",\"dport\":");
		put_u64(&o, e->dport);
	}
	if (e->flags & SL_EVF_TCP_FLAGS) {
		PUT_LIT(&o, ",\"tcp_flags\":");
		put_u64(&o, e->tcp_flags);
	}
	if (e->flags & SL_EVF_ICMP) {
		PUT_LIT(&o, ",\"icmp_type\":");
		put_u64(&o, e->icmp);
	}
	if (e->flags & SL_EVF_VLAN) {
		PUT_LIT(&o, ",\"vlan\":");
		put_u64(&o, e->vlan);
	}
	if (e->flags & SL_EVF_FRAG)
		PUT_LIT(&o, ",\"frag\":true,\"captured\":");
	else
		PUT_LIT(&o, ",\"frag\":false,\"captured\":");
	put_u64(&o, e->cap_len);
	PUT_LIT(&o, "}\n");
	return o.err ? o.err : (int)o.len;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

int sl_pcap_file_header(void *buf, size_t size)
{
	uint8_t *p = buf;
	uint16_t major = 2, minor = 4;

	if (size < SL_PCAP_FILE_HDR_LEN)
		return -ENOSPC;
	put_u32(p, SL_PCAP_MAGIC_NS);
	memcpy(p + 4, &major, 2);
	memcpy(p + 6, &minor, 2);
	put_u32(p + 8, 0);  /* thiszone: UTC */
	put_u32(p + 12, 0); /* sigfigs */
	put_u32(p + 16, SL_CAPTURE_MAX);
	put_u32(p + 20, SL_PCAP_LINKTYPE_ETHERNET);
	return SL_PCAP_FILE_HDR_LEN;
}

int sl_pcap_record(const struct sl_event_view *v, int64_t wall_offset_ns, void *buf, size_t size)
{
	const struct sl_event *e = &v->ev;
	uint8_t *p = buf;
	int64_t sec;
	long nsec;

	if (!e->cap_len || !v->cap)
		return 0;
	if (size < SL_PCAP_REC_HDR_LEN + (size_t)e->cap_len)
		return -ENOSPC;
	/* Unsigned: a wild timestamp wraps instead of overflowing. */
	split_ns((int64_t)(e->ts_ns + (uint64_t)wall_offset_ns), &sec, &nsec);
	put_u32(p, (uint32_t)sec);
	put_u32(p + 4, (uint32_t)nsec);
	put_u32(p + 8, e->cap_len);
	put_u32(p + 12, e->pkt_len);
	memcpy(p + SL_PCAP_REC_HDR_LEN, v->cap, e->cap_len);
	return SL_PCAP_REC_HDR_LEN + e->cap_len;
}
