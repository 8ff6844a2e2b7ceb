/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Packet templates of sluice-gen (template.h). */
#include "gen/template.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

uint32_t sl_gen_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	/* Fold as we go so that long buffers never overflow. */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t sl_gen_csum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int sl_gen_layout(const struct sl_gen_spec *spec, struct sl_gen_layout *lay)
{
	unsigned l4_len;

	memset(lay, 0, sizeof(*lay));
	if (spec->has_vlan && spec->vlan > 4095)
		return -EINVAL;
	lay->l3_off = 14 + (spec->has_vlan ? 4 : 0);
	if (spec->family == AF_INET)
		lay->l4_off = lay->l3_off + 20;
	else if (spec->family == AF_INET6)
		lay->l4_off = lay->l3_off + 40;
	else
		return -EINVAL;
	switch (spec->l4) {
	case IPPROTO_UDP:
		l4_len = 8;
		lay->l4 = IPPROTO_UDP;
		break;
	case IPPROTO_TCP:
		l4_len = 20;
		lay->l4 = IPPROTO_TCP;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4_len = 8;
		lay->l4 = spec->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		break;
	default:
		return -EINVAL;
	}
	lay->payload_off = (uint16_t)(lay->l4_off + l4_len);
	lay->min_size = (uint16_t)(lay->payload_off + sizeof(struct sl_gen_payload) + SL_GEN_FCS_LEN);
	if (lay->min_size < SL_GEN_MIN_SIZE)
		lay->min_size = SL_GEN_MIN_SIZE;
	lay->max_size = SL_GEN_MAX_SIZE + (spec->has_vlan ? 4 : 0);
	return 0;
}

int sl_gen_template_build(const struct sl_gen_spec *spec, unsigned size, uint8_t *buf, size_t cap)
{
	struct sl_gen_layout lay;
	uint8_t *l3, *l4;
	size_t len, ip_len, l4_len;
	uint32_t sum;
	int err;

	err = sl_gen_layout(spec, &lay);
	if (err)
		return err;
	if (size < lay.min_size || size > lay.max_size)
		return -EINVAL;
	len = size - SL_GEN_FCS_LEN;
	if (cap < len)
		return -ENOSPC;
	memset(buf, 0, len);
	l3 = buf + lay.l3_off;
	l4 = buf + lay.l4_off;
	ip_len = len - lay.l3_off;
	l4_len = len - lay.l4_off;

	memcpy(buf, spec->dst_mac, 6);
	memcpy(buf + 6, spec->src_mac, 6);
	if (spec->has_vlan) {
		put16(buf + 12, 0x8100);
		put16(buf + 14, spec->vlan);
	}
	put16(l3 - 2, spec->family == AF_INET ? 0x0800 : 0x86dd);

	if (spec->family == AF_INET) {
		l3[0] = 0x45;
		put16(l3 + 2, (uint16_t)ip_len);
		put16(l3 + 6, 0x4000); /* DF: a load test never wants fragments */
		l3[8] = spec->ttl ? spec->ttl : 64;
		l3[9] = lay.l4;
		memcpy(l3 + 12, spec->src, 4);
		memcpy(l3 + 16, spec->dst, 4);
		put16(l3 + 10, sl_gen_csum_finish(sl_gen_csum_add(0, l3, 20)));
	} else {
		l3[0] = 0x60;
		put16(l3 + 4, (uint16_t)l4_len);
		l3[6] = lay.l4;
		l3[7] = spec->ttl ? spec->ttl : 64;
		memcpy(l3 + 8, spec->src, 16);
		memcpy(l3 + 24, spec->dst, 16);
	}

	switch (lay.l4) {
	case IPPROTO_UDP:
		put16(l4, spec->sport);
		put16(l4 + 2, spec->dport);
		put16(l4 + 4, (uint16_t)l4_len);
		break;
	case IPPROTO_TCP:
		put16(l4, spec->sport);
		put16(l4 + 2, spec->dport);
		put16(l4 + 4, 0x736c); /* a fixed sequence number: "sl" "ge" */
		put16(l4 + 6, 0x6765);
		if (spec->tcp_flags & 0x10)
			put16(l4 + 10, 1); /* acknowledgment number 1 */
		l4[12] = 5 << 4;
		l4[13] = spec->tcp_flags ? spec->tcp_flags : SL_GEN_TCP_SYN;
		put16(l4 + 14, 65535);
		break;
	default:
		l4[0] = lay.l4 == IPPROTO_ICMP ? 8 : 128; /* echo request */
		put16(l4 + 4, spec->sport);
		break;
	}
	put16(buf + lay.payload_off, SL_GEN_MAGIC);
	put16(buf + lay.payload_off + 2, spec->stream_base);

	/* The L4 checksum: every protocol but ICMPv4 covers a pseudo header. */
	sum = 0;
	if (lay.l4 != IPPROTO_ICMP) {
		uint8_t ph[4];

		if (spec->family == AF_INET) {
			sum = sl_gen_csum_add(sum, l3 + 12, 8);
		} else {
			sum = sl_gen_csum_add(sum, l3 + 8, 32);
		}
		put16(ph, 0);
		ph[2] = 0;
		ph[3] = lay.l4;
		sum = sl_gen_csum_add(sum, ph, 4);
		put16(ph, (uint16_t)(l4_len >> 16));
		put16(ph + 2, (uint16_t)l4_len);
		sum = sl_gen_csum_add(sum, ph, 4);
	}
	sum = sl_gen_csum_add(sum, l4, l4_len);
	{
		uint16_t c = sl_gen_csum_finish(sum);
		size_t at = lay.l4 == IPPROTO_UDP ? 6 : lay.l4 == IPPROTO_TCP ? 16 : 2;

		if (lay.l4 == IPPROTO_UDP && c == 0)
			c = 0xffff;
		put16(l4 + at, c);
	}
	return (int)len;
}
