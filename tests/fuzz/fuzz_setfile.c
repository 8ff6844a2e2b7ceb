/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fuzzes the set-file parser with arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "control/prefix.h"
#include "control/setfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_diag diag;
	struct sl_set set;
	size_t i;
	int err;

	memset(&set, 0, sizeof(set));
	diag.msg[0] = '\0';
	err = sl_setfile_parse((const char *)data, size, "fuzz.txt", &set, &diag);
	if (err && (!diag.msg[0] || strchr(diag.msg, '\n')))
		abort();
	/* Whatever was accepted is a well-formed prefix with zero host bits. */
	for (i = 0; i < set.n_prefixes; i++) {
		const struct sl_prefix *p = &set.prefixes[i];
		unsigned int max = p->family == AF_INET ? 32 : 128, b;

		if ((p->family != AF_INET && p->family != AF_INET6) || p->len > max)
			abort();
		for (b = p->len; b < max; b++)
			if (p->addr[b / 8] & (0x80 >> (b % 8)))
				abort();
	}
	sl_set_clear(&set);
	return 0;
}
