/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "inspect.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "tls.h"

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88a8
#define IP6_HLEN 40

/* One protocol's policy and ports, built from a struct sl_domain_policy_cfg. */
struct side {
	bool enabled;
	struct sl_domain_policy *policy;
	uint16_t ports[SL_INSPECT_MAX_PORTS];
	uint32_t n_ports;
	uint8_t malformed;
	uint8_t incomplete;
};

struct sl_inspect {
	struct side dns;
	struct side tls;
	uint32_t ttl_s;
};

static int build_side(const struct sl_domain_policy_cfg *pc, struct side *s)
{
	struct sl_domain_entry *e = NULL;
	size_t i;
	int err;

	s->enabled = pc->enabled;
	if (!pc->enabled)
		return 0;
	if (pc->n_ports > SL_INSPECT_MAX_PORTS)
		return -EINVAL;
	memcpy(s->ports, pc->ports, sizeof(s->ports));
	s->n_ports = pc->n_ports;
	s->malformed = pc->malformed_action;
	s->incomplete = pc->incomplete_action;
	if (pc->n_rules) {
		e = calloc(pc->n_rules, sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	for (i = 0; i < pc->n_rules; i++) {
		e[i].pattern = pc->rules[i].pattern;
		e[i].action = pc->rules[i].action;
	}
	err = sl_domain_policy_build(e, pc->n_rules, pc->default_action, &s->policy, NULL, NULL);
	/* The loader refused duplicates and bad patterns already. */
	if (err == -EEXIST || err == -E2BIG)
		err = -EINVAL;
	free(e);
	return err;
}

int sl_inspect_new(const struct sl_inspect_cfg *cfg, struct sl_inspect **out)
{
	struct sl_inspect *in;
	int err;

	*out = NULL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->ttl_s = cfg->verdict_ttl ? cfg->verdict_ttl : SL_INSPECT_TTL_DEFAULT;
	err = build_side(&cfg->dns, &in->dns);
	if (!err)
		err = build_side(&cfg->tls, &in->tls);
	if (err) {
		sl_inspect_free(in);
		return err;
	}
	*out = in;
	return 0;
}

void sl_inspect_free(struct sl_inspect *in)
{
	if (!in)
		return;
	sl_domain_policy_free(in->dns.policy);
	sl_domain_policy_free(in->tls.policy);
	free(in);
}

static bool side_wants(const struct side *s, uint16_t dport)
{
	uint32_t i;

	if (!s->enabled)
		return false;
	for (i = 0; i < s->n_ports; i++)
		if (s->ports[i] == dport)
			return true;
	return false;
}

bool sl_inspect_wants(const struct sl_inspect *in, uint8_t proto, uint16_t dport)
{
	if (proto == IPPROTO_UDP)
		return side_wants(&in->dns, dport);
	if (proto == IPPROTO_TCP)
		return side_wants(&in->tls, dport);
	return false;
}

static enum sl_inspect_verdict to_verdict(uint8_t action)
{
	return action == SL_DOMAIN_DENY ? SL_INSPECT_DENY : SL_INSPECT_ALLOW;
}

/* The policy's verdict on name (a parser's output: lower case, <= 253 characters). */
static void judge_name(const struct side *s, const char *name, size_t len,
		       struct sl_inspect_result *res)
{
	struct sl_domain_match m;

	sl_domain_policy_lookup(s->policy, name, len, &m);
	res->verdict = to_verdict(m.action);
	res->why = m.matched ? SL_INSPECT_WHY_ENTRY : SL_INSPECT_WHY_DEFAULT;
	res->rule = m.entry;
	memcpy(res->name, name, len);
	res->name[len] = '\0';
}

int sl_inspect_packet(const struct sl_inspect *in, const uint8_t *l4_payload, size_t len,
		      uint8_t proto, uint16_t dport, struct sl_inspect_result *res)
{
	if (!in || !res || (!l4_payload && len))
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->verdict = SL_INSPECT_NOT_INSPECTED;
	if (!sl_inspect_wants(in, proto, dport))
		return 0;

	if (proto == IPPROTO_UDP) {
		struct sl_dns_query q;

		res->kind = SL_INSPECT_KIND_DNS;
		res->status = sl_dns_parse_query(l4_payload, len, &q);
		if (res->status == SL_DNS_OK) {
			judge_name(&in->dns, q.name, q.name_len, res);
		} else {
			res->verdict = to_verdict(in->dns.malformed);
			res->why = SL_INSPECT_WHY_MALFORMED;
		}
		/* Per query, never per flow: see struct sl_inspect_result.cache. */
		return 0;
	}

	res->kind = SL_INSPECT_KIND_TLS;
	if (len == 0) {
		/* SYN, SYN-ACK, bare ACKs: the ClientHello is still to come. */
		res->verdict = SL_INSPECT_UNDECIDED;
		return 0;
	}
	{
		struct sl_tls_hello h;

		res->status = sl_tls_parse_client_hello(l4_payload, len, &h);
		switch (res->status) {
		case SL_TLS_OK:
			judge_name(&in->tls, h.name, h.name_len, res);
			break;
		case SL_TLS_NO_SNI:
			/* No name to look up: the default decides, as for an unmatched name. */
			res->verdict = to_verdict(sl_domain_policy_lookup(in->tls.policy, "", 0,
								  &(struct sl_domain_match){0}));
			res->why = SL_INSPECT_WHY_DEFAULT;
			break;
		case SL_TLS_NEED_MORE:
			res->verdict = to_verdict(in->tls.incomplete);
			res->why = SL_INSPECT_WHY_INCOMPLETE;
			break;
		default:
			res->verdict = to_verdict(in->tls.malformed);
			res->why = SL_INSPECT_WHY_MALFORMED;
			break;
		}
	}
	res->cache = true;
	return 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

int sl_inspect_parse_frame(const uint8_t *frame, size_t len, struct sl_flow_key *key,
			   const uint8_t **l4_payload, size_t *l4_len)
{
	size_t off = ETH_HLEN_, l3_end, l4_off;
	uint16_t type;
	uint8_t proto;
	int i;

	memset(key, 0, sizeof(*key));
	*l4_payload = NULL;
	*l4_len = 0;
	if (!frame || len < ETH_HLEN_)
		return -EINVAL;
	type = get16(frame + 12);
	for (i = 0; i < SL_MAX_VLAN_DEPTH && (type == ETH_P_8021Q_ || type == ETH_P_8021AD_); i++) {
		if (len - off < 4)
			return -EINVAL;
		type = get16(frame + off + 2);
		off += 4;
	}
	if (type == ETH_P_IP_) {
		const uint8_t *ip = frame + off;
		size_t ihl, tot;

		if (len - off < 20 || (ip[0] >> 4) != 4)
			return -EINVAL;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		tot = get16(ip + 2);
		if (ihl < 20 || tot < ihl || tot > len - off)
			return -EINVAL;
		/* A non-first fragment carries no L4 header. */
		if (get16(ip + 6) & 0x1fff)
			return -ENOENT;
		proto = ip[9];
		key->family = 4;
		memcpy(key->src, ip + 12, 4);
		memcpy(key->dst, ip + 16, 4);
		l3_end = off + tot;
		l4_off = off + ihl;
	} else if (type == ETH_P_IPV6_) {
		const uint8_t *ip = frame + off;
		size_t plen;

		if (len - off < IP6_HLEN || (ip[0] >> 4) != 6)
			return -EINVAL;
		plen = get16(ip + 4);
		if (plen > len - off - IP6_HLEN)
			return -EINVAL;
		proto = ip[6];
		key->family = 6;
		memcpy(key->src, ip + 8, 16);
		memcpy(key->dst, ip + 24, 16);
		l3_end = off + IP6_HLEN + plen;
		l4_off = off + IP6_HLEN;
		for (i = 0; i < SL_MAX_IP6_EXT; i++) {
			size_t elen;

			if (proto != 0 && proto != 43 && proto != 60)
				break;
			if (l3_end - l4_off < 8)
				return -EINVAL;
			elen = ((size_t)frame[l4_off + 1] + 1) * 8;
			if (elen > l3_end - l4_off)
				return -EINVAL;
			proto = frame[l4_off];
			l4_off += elen;
		}
		if (proto == 0 || proto == 43 || proto == 60 || proto == 44)
			return proto == 44 ? -ENOENT : -EINVAL;
	} else {
		return -ENOENT;
	}
	key->proto = proto;
	if (proto == IPPROTO_UDP) {
		size_t ulen;

		if (l3_end - l4_off < 8)
			return -EINVAL;
		ulen = get16(frame + l4_off + 4);
		if (ulen < 8 || ulen > l3_end - l4_off)
			return -EINVAL;
		key->sport = get16(frame + l4_off);
		key->dport = get16(frame + l4_off + 2);
		*l4_payload = frame + l4_off + 8;
		*l4_len = ulen - 8;
		return 0;
	}
	if (proto == IPPROTO_TCP) {
		size_t doff;

		if (l3_end - l4_off < 20)
			return -EINVAL;
		doff = (size_t)(frame[l4_off + 12] >> 4) * 4;
		if (doff < 20 || doff > l3_end - l4_off)
			return -EINVAL;
		key->sport = get16(frame + l4_off);
		key->dport = get16(frame + l4_off + 2);
		*l4_payload = frame + l4_off + doff;
		*l4_len = l3_end - l4_off - doff;
		return 0;
	}
	return -ENOENT;
}

int sl_inspect_frame(const struct sl_inspect *in, const uint8_t *frame, size_t len,
		     struct sl_flow_key *key, struct sl_inspect_result *res)
{
	const uint8_t *payload;
	size_t plen;

	if (!in || !key || !res)
		return -EINVAL;
	if (sl_inspect_parse_frame(frame, len, key, &payload, &plen)) {
		memset(res, 0, sizeof(*res));
		res->verdict = SL_INSPECT_NOT_INSPECTED;
		return 0;
	}
	return sl_inspect_packet(in, payload, plen, key->proto, key->dport, res);
}

void sl_inspect_cache_entry(const struct sl_inspect *in, const struct sl_inspect_result *res,
			    uint64_t now_ns, struct sl_flow_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->ttl_s = in->ttl_s;
	v->expires_ns = now_ns + (uint64_t)in->ttl_s * 1000000000ull;
	v->verdict = res->verdict == SL_INSPECT_DENY ? SL_FLOW_DROP : SL_FLOW_PASS;
	v->source = res->kind;
}

int sl_inspect_cache_write(int map_fd, const struct sl_flow_key *key,
			   const struct sl_flow_verdict *v)
{
	if (bpf_map_update_elem(map_fd, key, v, BPF_ANY))
		return -errno;
	return 0;
}

const char *sl_inspect_verdict_str(enum sl_inspect_verdict v)
{
	switch (v) {
	case SL_INSPECT_NOT_INSPECTED:
		return "not inspected";
	case SL_INSPECT_UNDECIDED:
		return "undecided";
	case SL_INSPECT_ALLOW:
		return "allow";
	case SL_INSPECT_DENY:
		return "deny";
	}
	return "unknown";
}

const char *sl_inspect_why_str(enum sl_inspect_why w)
{
	switch (w) {
	case SL_INSPECT_WHY_NONE:
		return "none";
	case SL_INSPECT_WHY_ENTRY:
		return "entry";
	case SL_INSPECT_WHY_DEFAULT:
		return "default";
	case SL_INSPECT_WHY_MALFORMED:
		return "malformed";
	case SL_INSPECT_WHY_INCOMPLETE:
		return "incomplete";
	}
	return "unknown";
}
