/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes the sysfs parsers of tier discovery (dataplane/tiers.c) with
 * arbitrary bytes: none may read past the length it is given (ASan sees
 * a copy of exactly size bytes), and what they accept must be consistent.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/tiers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t row[SL_MAX_NODES];
	uint64_t nodes, again, v;
	char *buf, text[4 * SL_MAX_NODES];
	size_t n;
	int err;

	/* An exact-size heap copy: one byte too far is an ASan report. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	err = sl_sysfs_parse_nodelist(buf, size, &nodes);
	if (err && err != -EINVAL && err != -ERANGE)
		abort();
	if (!err) {
		/* An accepted list formats to one that parses to the same set. */
		sl_nodes_format(nodes, text, sizeof(text));
		if (sl_sysfs_parse_nodelist(text, strlen(text), &again) || again != nodes)
			abort();
	}
	err = sl_sysfs_parse_u64(buf, size, &v);
	if (err && err != -EINVAL && err != -ERANGE)
		abort();
	err = sl_sysfs_parse_row(buf, size, row, SL_MAX_NODES, &n);
	if (err && err != -EINVAL && err != -ERANGE && err != -E2BIG)
		abort();
	if (!err && (n == 0 || n > SL_MAX_NODES))
		abort();
	err = sl_sysfs_parse_memtotal(buf, size, &v);
	if (err && err != -EINVAL && err != -ERANGE)
		abort();
	if (!err && v % 1024)
		abort();
	free(buf);
	return 0;
}
