/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "tls.h"

#include <string.h>

#define TLS_CONTENT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME 0
#define TLS_NAME_HOST 0
#define TLS_RECORD_HDR 5
#define TLS_RANDOM_LEN 32
#define TLS_SESSION_ID_MAX 32
#define TLS_SNI_WIRE_MAX (SL_TLS_NAME_MAX + 1) /* one trailing dot is tolerated */

/*
 * A cursor over the handshake bytes carried by consecutive handshake
 * records of the payload, bounded by the ClientHello's own length once
 * that is known.
 */
struct reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;      /* next byte of buf */
	size_t rec_left; /* bytes of the current record not yet read */
	size_t msg_left; /* bytes of the ClientHello body not yet read */
	int in_msg;      /* msg_left applies */
};

/* Opens the record at r->pos; SL_TLS_OK, NEED_MORE or the error. */
static enum sl_tls_status open_record(struct reader *r)
{
	size_t avail = r->len - r->pos, rlen;
	const uint8_t *h;

	/* Each byte is judged as soon as it is there, so garbage fails fast. */
	if (avail < 1)
		return SL_TLS_NEED_MORE;
	h = r->buf + r->pos; /* not before: buf may be NULL when len is 0 */
	if (h[0] != TLS_CONTENT_HANDSHAKE)
		return SL_TLS_E_NOT_HANDSHAKE;
	if (avail < 2)
		return SL_TLS_NEED_MORE;
	if (h[1] != 3)
		return SL_TLS_E_VERSION;
	if (avail < TLS_RECORD_HDR)
		return SL_TLS_NEED_MORE;
	rlen = ((size_t)h[3] << 8) | h[4];
	if (rlen == 0 || rlen > SL_TLS_RECORD_MAX)
		return SL_TLS_E_RECORD_LEN;
	r->pos += TLS_RECORD_HDR;
	r->rec_left = rlen;
	return SL_TLS_OK;
}

/*
 * Takes n handshake bytes into dst (NULL: skips them). Fails with
 * E_HELLO_LEN when they run past the ClientHello, NEED_MORE when the
 * payload ends first.
 */
static enum sl_tls_status take(struct reader *r, size_t n, uint8_t *dst)
{
	if (r->in_msg) {
		if (n > r->msg_left)
			return SL_TLS_E_HELLO_LEN;
		r->msg_left -= n;
	}
	while (n) {
		size_t chunk;

		if (!r->rec_left) {
			enum sl_tls_status st = open_record(r);

			if (st != SL_TLS_OK)
				return st;
		}
		chunk = r->len - r->pos;
		if (!chunk)
			return SL_TLS_NEED_MORE;
		if (chunk > r->rec_left)
			chunk = r->rec_left;
		if (chunk > n)
			chunk = n;
		if (dst) {
			memcpy(dst, r->buf + r->pos, chunk);
			dst += chunk;
		}
		r->pos += chunk;
		r->rec_left -= chunk;
		n -= chunk;
	}
	return SL_TLS_OK;
}

static enum sl_tls_status take_u8(struct reader *r, size_t *v)
{
	uint8_t b;
	enum sl_tls_status st = take(r, 1, &b);

	*v = b;
	return st;
}

static enum sl_tls_status take_u16(struct reader *r, size_t *v)
{
	uint8_t b[2];
	enum sl_tls_status st = take(r, 2, b);

	*v = ((size_t)b[0] << 8) | b[1];
	return st;
}

/*
 * A host name as sent (n bytes, at most TLS_SNI_WIRE_MAX): dotted labels
 * of 1-63 bytes 0x21-0x7e, one trailing dot dropped; lower-cased into h.
 */
static enum sl_tls_status set_name(struct sl_tls_hello *h, const uint8_t *s, size_t n)
{
	size_t i, label = 0;

	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > SL_TLS_NAME_MAX)
		return SL_TLS_E_SNI;
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == '.') {
			if (label == 0)
				return SL_TLS_E_SNI;
			label = 0;
		} else {
			if (c < 0x21 || c > 0x7e || ++label > 63)
				return SL_TLS_E_SNI;
			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c + ('a' - 'A'));
		}
		h->name[i] = (char)c;
	}
	if (label == 0)
		return SL_TLS_E_SNI; /* ".." at the end, or "." alone */
	h->name[n] = '\0';
	h->name_len = n;
	return SL_TLS_OK;
}

/* The server_name extension's body, elen bytes; OK with a name, NO_SNI, or an error. */
static enum sl_tls_status server_name(struct reader *r, size_t elen, struct sl_tls_hello *h)
{
	uint8_t name[TLS_SNI_WIRE_MAX];
	size_t list, type, nlen;
	enum sl_tls_status st;

	if (elen < 2)
		return SL_TLS_E_SNI;
	st = take_u16(r, &list);
	if (st != SL_TLS_OK)
		return st;
	/* The list fills the extension and holds at least one entry header. */
	if (list != elen - 2 || list < 3)
		return SL_TLS_E_SNI;
	while (list) {
		if (list < 3)
			return SL_TLS_E_SNI;
		st = take_u8(r, &type);
		if (st == SL_TLS_OK)
			st = take_u16(r, &nlen);
		if (st != SL_TLS_OK)
			return st;
		list -= 3;
		if (nlen > list)
			return SL_TLS_E_SNI;
		if (type == TLS_NAME_HOST) {
			if (nlen > sizeof(name))
				return SL_TLS_E_SNI;
			st = take(r, nlen, name);
			if (st != SL_TLS_OK)
				return st;
			return set_name(h, name, nlen);
		}
		/* Other name types (none is defined) are skipped by their length. */
		st = take(r, nlen, NULL);
		if (st != SL_TLS_OK)
			return st;
		list -= nlen;
	}
	return SL_TLS_NO_SNI;
}

static enum sl_tls_status parse(struct reader *r, struct sl_tls_hello *h)
{
	uint8_t hs[4];
	size_t v, n, ext_left;
	enum sl_tls_status st;

	st = take(r, 4, hs);
	if (st != SL_TLS_OK)
		return st;
	if (hs[0] != TLS_HS_CLIENT_HELLO)
		return SL_TLS_E_NOT_CLIENT_HELLO;
	n = ((size_t)hs[1] << 16) | ((size_t)hs[2] << 8) | hs[3];
	if (n > SL_TLS_HELLO_MAX)
		return SL_TLS_E_HELLO_LEN;
	r->in_msg = 1;
	r->msg_left = n;

	st = take_u16(r, &v);
	if (st != SL_TLS_OK)
		return st;
	h->version = (uint16_t)v;
	if ((v >> 8) != 3)
		return SL_TLS_E_VERSION;
	st = take(r, TLS_RANDOM_LEN, NULL);
	if (st != SL_TLS_OK)
		return st;

	st = take_u8(r, &n);
	if (st != SL_TLS_OK)
		return st;
	if (n > TLS_SESSION_ID_MAX)
		return SL_TLS_E_SESSION_ID;
	st = take(r, n, NULL);
	if (st != SL_TLS_OK)
		return st;

	st = take_u16(r, &n);
	if (st != SL_TLS_OK)
		return st;
	if (n == 0 || (n & 1))
		return SL_TLS_E_CIPHER_SUITES;
	st = take(r, n, NULL);
	if (st != SL_TLS_OK)
		return st;

	st = take_u8(r, &n);
	if (st != SL_TLS_OK)
		return st;
	if (n == 0)
		return SL_TLS_E_COMPRESSION;
	st = take(r, n, NULL);
	if (st != SL_TLS_OK)
		return st;

	/* Extensions are optional before TLS 1.3; without them there is no name. */
	if (r->msg_left == 0)
		return SL_TLS_NO_SNI;
	st = take_u16(r, &ext_left);
	if (st != SL_TLS_OK)
		return st;
	if (ext_left != r->msg_left)
		return SL_TLS_E_EXTENSIONS;
	while (ext_left) {
		size_t type, elen;

		if (ext_left < 4)
			return SL_TLS_E_EXTENSIONS;
		st = take_u16(r, &type);
		if (st == SL_TLS_OK)
			st = take_u16(r, &elen);
		if (st != SL_TLS_OK)
			return st;
		ext_left -= 4;
		if (elen > ext_left)
			return SL_TLS_E_EXTENSIONS;
		if (type == TLS_EXT_SERVER_NAME)
			return server_name(r, elen, h);
		st = take(r, elen, NULL);
		if (st != SL_TLS_OK)
			return st;
		ext_left -= elen;
	}
	return SL_TLS_NO_SNI;
}

enum sl_tls_status sl_tls_parse_client_hello(const uint8_t *payload, size_t len,
					     struct sl_tls_hello *h)
{
	struct reader r = { .buf = payload, .len = payload ? len : 0 };
	enum sl_tls_status st;

	memset(h, 0, sizeof(*h));
	st = parse(&r, h);
	if (st != SL_TLS_OK) {
		h->name[0] = '\0';
		h->name_len = 0;
	}
	return st;
}

const char *sl_tls_status_str(enum sl_tls_status st)
{
	static const char *const names[SL_TLS_STATUS_COUNT] = {
		[SL_TLS_OK] = "ok",
		[SL_TLS_NO_SNI] = "no server name",
		[SL_TLS_NEED_MORE] = "ClientHello continues in a later segment",
		[SL_TLS_E_NOT_HANDSHAKE] = "not a TLS handshake record",
		[SL_TLS_E_VERSION] = "not TLS version 3.x",
		[SL_TLS_E_RECORD_LEN] = "bad record length",
		[SL_TLS_E_NOT_CLIENT_HELLO] = "not a ClientHello",
		[SL_TLS_E_HELLO_LEN] = "bad ClientHello length",
		[SL_TLS_E_SESSION_ID] = "session id longer than 32 bytes",
		[SL_TLS_E_CIPHER_SUITES] = "bad cipher suites length",
		[SL_TLS_E_COMPRESSION] = "no compression method",
		[SL_TLS_E_EXTENSIONS] = "bad extensions length",
		[SL_TLS_E_SNI] = "malformed server_name",
	};

	if ((unsigned int)st >= SL_TLS_STATUS_COUNT)
		return "unknown";
	return names[st];
}
