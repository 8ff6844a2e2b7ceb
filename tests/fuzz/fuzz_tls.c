/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes the ClientHello SNI parser with arbitrary TCP payloads. Besides
 * not crashing: a name it returns is lower-case dotted labels, and a
 * prefix of the input never gives an error where the whole input was fine
 * (a ClientHello cut by a segment boundary is "need more", not malformed).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const struct sl_tls_hello *h)
{
	size_t i, label = 0;

	if (h->name_len == 0 || h->name_len > SL_TLS_NAME_MAX || strlen(h->name) != h->name_len)
		abort();
	for (i = 0; i < h->name_len; i++) {
		char c = h->name[i];

		if (c == '.') {
			if (!label)
				abort();
			label = 0;
			continue;
		}
		if ((c >= 'A' && c <= 'Z') || c < 0x21 || c > 0x7e || ++label > 63)
			abort();
	}
	if (!label)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_tls_hello h, hp;
	enum sl_tls_status st, sp;

	st = sl_tls_parse_client_hello(data, size, &h);
	if ((unsigned int)st >= SL_TLS_STATUS_COUNT)
		abort();
	if (st == SL_TLS_OK)
		check_name(&h);
	else if (h.name[0] || h.name_len)
		abort();
	if (size) {
		sp = sl_tls_parse_client_hello(data, size / 2, &hp);
		/* A prefix of a readable ClientHello is readable or needs more. */
		if ((st == SL_TLS_OK || st == SL_TLS_NO_SNI || st == SL_TLS_NEED_MORE) &&
		    sp != SL_TLS_OK && sp != SL_TLS_NEED_MORE && sp != SL_TLS_NO_SNI)
			abort();
		/* A name found in the prefix is the name of the whole. */
		if (sp == SL_TLS_OK && (st != SL_TLS_OK || strcmp(h.name, hp.name)))
			abort();
	}
	return 0;
}
