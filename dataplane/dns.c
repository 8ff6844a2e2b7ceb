/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "dns.h"

#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static char lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

enum sl_dns_status sl_dns_parse_query(const uint8_t *payload, size_t len, struct sl_dns_query *q)
{
	enum sl_dns_status st;
	size_t pos, out = 0;

	memset(q, 0, sizeof(*q));
	if (!payload || len < SL_DNS_HEADER_LEN)
		return SL_DNS_E_SHORT_HEADER;
	if (payload[2] & 0x80)
		return SL_DNS_E_RESPONSE;
	if ((payload[2] >> 3) & 0x0f)
		return SL_DNS_E_OPCODE;
	if (get16(payload + 4) == 0)
		return SL_DNS_E_NO_QUESTION;

	pos = SL_DNS_HEADER_LEN;
	for (;;) {
		uint8_t l;
		size_t i;

		if (pos >= len) {
			st = SL_DNS_E_TRUNCATED;
			goto fail;
		}
		l = payload[pos];
		if ((l & 0xc0) == 0xc0) {
			/*
			 * A pointer must point backwards, and before the first
			 * question there is only the header: no pointer is valid
			 * here, so none is followed and no loop can arise.
			 */
			st = SL_DNS_E_BAD_POINTER;
			goto fail;
		}
		if (l & 0xc0) {
			st = SL_DNS_E_LABEL_TYPE;
			goto fail;
		}
		if (l == 0)
			break;
		/* l <= 63 here; the whole label must be in the payload. */
		if (len - pos - 1 < l) {
			st = SL_DNS_E_TRUNCATED;
			goto fail;
		}
		/* A dot before every label but the first, then the label. */
		if (out + (out ? 1u : 0u) + l > SL_DNS_NAME_MAX) {
			st = SL_DNS_E_NAME_TOO_LONG;
			goto fail;
		}
		if (out)
			q->name[out++] = '.';
		for (i = 0; i < l; i++) {
			uint8_t c = payload[pos + 1 + i];

			if (c < 0x21 || c > 0x7e || c == '.') {
				st = SL_DNS_E_BAD_CHAR;
				goto fail;
			}
			q->name[out++] = lower(c);
		}
		pos += 1u + l;
	}
	/* QTYPE and QCLASS follow the zero label. */
	if (len - pos - 1 < 4) {
		st = SL_DNS_E_TRUNCATED;
		goto fail;
	}
	q->name[out] = '\0';
	q->name_len = out;
	q->id = get16(payload);
	q->qtype = get16(payload + pos + 1);
	q->qclass = get16(payload + pos + 3);
	return SL_DNS_OK;
fail:
	memset(q, 0, sizeof(*q));
	return st;
}

const char *sl_dns_status_str(enum sl_dns_status st)
{
	static const char *const names[SL_DNS_STATUS_COUNT] = {
		[SL_DNS_OK] = "ok",
		[SL_DNS_E_SHORT_HEADER] = "shorter than a DNS header",
		[SL_DNS_E_RESPONSE] = "a response, not a query",
		[SL_DNS_E_OPCODE] = "not a standard query (opcode)",
		[SL_DNS_E_NO_QUESTION] = "no question",
		[SL_DNS_E_TRUNCATED] = "truncated question",
		[SL_DNS_E_LABEL_TYPE] = "unsupported label type",
		[SL_DNS_E_NAME_TOO_LONG] = "name longer than 253 characters",
		[SL_DNS_E_BAD_POINTER] = "compression pointer in the first question",
		[SL_DNS_E_BAD_CHAR] = "label character refused",
	};

	if ((unsigned int)st >= SL_DNS_STATUS_COUNT)
		return "unknown";
	return names[st];
}
