/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one reader of TLS ClientHellos (docs/inspect.md): the server_name
 * (SNI, RFC 6066 section 3) host name of the ClientHello at the start of a
 * TCP payload, as lower-case dotted text.
 *
 * Walked in order, each length checked against its enclosing length and
 * against the payload before use (RFC 8446 section 4.1.2; RFC 5246 for the
 * older versions, which share the layout):
 *   TLSPlaintext records: type 22 (handshake), version 3.x, length 1-16384;
 *     a ClientHello may span several records, which are read in sequence
 *     without copying;
 *   handshake header: type 1 (ClientHello), 24-bit length <= SL_TLS_HELLO_MAX;
 *   legacy_version 3.x, random, legacy_session_id (<= 32 bytes),
 *   cipher_suites (even, >= 2 bytes), legacy_compression_methods (>= 1),
 *   extensions (the block fills the rest of the ClientHello exactly);
 *   server_name (type 0): a ServerNameList whose length fills the
 *     extension; the first entry of name_type 0 (host_name) is the name.
 *
 * The parser stops as soon as it has the host name, so a ClientHello whose
 * tail is in a later TCP segment still yields its name when the
 * server_name extension is in the first one. When the payload ends before
 * the name (or before the end of a ClientHello without one) the result is
 * SL_TLS_NEED_MORE: the inspect stage does not reassemble TCP, it applies
 * the policy's `incomplete` verdict to the flow instead (docs/inspect.md).
 */
#ifndef SLUICE_DATAPLANE_TLS_H
#define SLUICE_DATAPLANE_TLS_H

#include <stddef.h>
#include <stdint.h>

#define SL_TLS_NAME_MAX 253        /* host name characters, no trailing dot */
#define SL_TLS_RECORD_MAX 16384    /* TLSPlaintext.length, 2^14 */
#define SL_TLS_HELLO_MAX 65536     /* ClientHello length accepted (real ones are < 4 KiB) */

/* What the parser found. Values are stable (counters, logs). */
enum sl_tls_status {
	SL_TLS_OK = 0,              /* a host name */
	SL_TLS_NO_SNI = 1,          /* a complete ClientHello without a host_name */
	SL_TLS_NEED_MORE = 2,       /* well formed so far, but the payload ends first */
	SL_TLS_E_NOT_HANDSHAKE = 3, /* a record type other than 22 (or SSLv2) */
	SL_TLS_E_VERSION = 4,       /* a record or legacy_version whose major is not 3 */
	SL_TLS_E_RECORD_LEN = 5,    /* a record length of 0 or over 16384 */
	SL_TLS_E_NOT_CLIENT_HELLO = 6, /* a handshake type other than 1 */
	SL_TLS_E_HELLO_LEN = 7,     /* over SL_TLS_HELLO_MAX, or a field runs past its end */
	SL_TLS_E_SESSION_ID = 8,    /* longer than 32 bytes */
	SL_TLS_E_CIPHER_SUITES = 9, /* odd or empty */
	SL_TLS_E_COMPRESSION = 10,  /* no compression method */
	SL_TLS_E_EXTENSIONS = 11,   /* the extension lengths do not add up */
	SL_TLS_E_SNI = 12,          /* a malformed server_name extension or host name */
	SL_TLS_STATUS_COUNT = 13,
};

struct sl_tls_hello {
	char name[SL_TLS_NAME_MAX + 1]; /* lower case, NUL-terminated; "" unless SL_TLS_OK */
	size_t name_len;
	uint16_t version; /* legacy_version, host order (0 until read) */
};

/*
 * Reads the ClientHello at the start of payload (len bytes; NULL only
 * with len 0). Returns SL_TLS_OK with the name in *h, SL_TLS_NO_SNI,
 * SL_TLS_NEED_MORE, or an SL_TLS_E_x saying what is malformed.
 */
enum sl_tls_status sl_tls_parse_client_hello(const uint8_t *payload, size_t len,
					     struct sl_tls_hello *h);

/* A short English name of a status; never NULL. */
const char *sl_tls_status_str(enum sl_tls_status st);

#endif /* SLUICE_DATAPLANE_TLS_H */
