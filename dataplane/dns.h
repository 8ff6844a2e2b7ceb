/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one reader of DNS queries (docs/inspect.md): the first question's
 * name of a query carried in a UDP payload, as lower-case dotted text.
 *
 * What is accepted (RFC 1035 section 4.1):
 * - a 12-byte header with QR = 0 (a query) and OPCODE = 0 (QUERY) and
 *   QDCOUNT >= 1; the other counts are not read;
 * - the first question: QNAME as length-prefixed labels of 1-63 bytes up to
 *   the zero label, then QTYPE and QCLASS (4 bytes) inside the payload;
 * - at most 253 characters of dotted text (255 bytes on the wire);
 * - label bytes 0x21-0x7e other than '.', so the text names exactly one
 *   wire name (an escaped dot or a NUL would make two names one text);
 * - no compression pointer: a pointer must point backwards (RFC 1035
 *   4.1.4), and before the first question lies only the header, so a
 *   pointer there is always invalid. Refusing it, rather than following
 *   it, also rules out pointer loops.
 *
 * Every length is checked against the payload before it is used; the
 * parser never reads past payload + len and never allocates.
 */
#ifndef SLUICE_DATAPLANE_DNS_H
#define SLUICE_DATAPLANE_DNS_H

#include <stddef.h>
#include <stdint.h>

#define SL_DNS_HEADER_LEN 12
#define SL_DNS_NAME_MAX 253 /* characters of dotted text, no trailing dot */
#define SL_DNS_LABEL_MAX 63

/* Why a payload is not a query we can read. Values are stable (counters, logs). */
enum sl_dns_status {
	SL_DNS_OK = 0,
	SL_DNS_E_SHORT_HEADER = 1, /* fewer than 12 bytes */
	SL_DNS_E_RESPONSE = 2,     /* QR is set: a response, not a query */
	SL_DNS_E_OPCODE = 3,       /* OPCODE is not 0 (QUERY) */
	SL_DNS_E_NO_QUESTION = 4,  /* QDCOUNT is 0 */
	SL_DNS_E_TRUNCATED = 5,    /* the name, QTYPE or QCLASS runs past the payload */
	SL_DNS_E_LABEL_TYPE = 6,   /* a label length byte 0x40-0xbf (extended/reserved types) */
	SL_DNS_E_NAME_TOO_LONG = 7,/* more than 253 characters */
	SL_DNS_E_BAD_POINTER = 8,  /* a compression pointer (never valid in the first question) */
	SL_DNS_E_BAD_CHAR = 9,     /* a label byte outside 0x21-0x7e, or a '.' */
	SL_DNS_STATUS_COUNT = 10,
};

/* The question read from a query. */
struct sl_dns_query {
	char name[SL_DNS_NAME_MAX + 1]; /* lower case, NUL-terminated; "" for the root */
	size_t name_len;
	uint16_t id;     /* host order */
	uint16_t qtype;  /* host order */
	uint16_t qclass; /* host order */
};

/*
 * Reads the first question of the DNS query in payload (len bytes; NULL
 * only with len 0). Returns SL_DNS_OK and fills *q, or an enum
 * sl_dns_status saying exactly what is wrong (q->name is then "").
 */
enum sl_dns_status sl_dns_parse_query(const uint8_t *payload, size_t len, struct sl_dns_query *q);

/* A short English name of a status ("truncated", ...); never NULL. */
const char *sl_dns_status_str(enum sl_dns_status st);

#endif /* SLUICE_DATAPLANE_DNS_H */
