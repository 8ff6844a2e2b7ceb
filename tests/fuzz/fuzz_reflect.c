/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The reflect stage's frame walk (dataplane/reflect.c) on arbitrary
 * frames: it never reads or writes past the frame (ASan watches an exact
 * copy), and a frame it reflects comes back to the same bytes when
 * reflected again; one it refuses has only its MACs swapped, if anything.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/stage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f;

	if (size > 65535)
		return 0;
	/* An allocation of exactly size bytes: one byte too far is a report. */
	f = malloc(size ? size : 1);
	if (!f)
		return 0;
	memcpy(f, data, size);
	if (sl_reflect_frame(f, (uint32_t)size) == 0) {
		if (sl_reflect_frame(f, (uint32_t)size) != 0 || memcmp(f, data, size))
			abort();
	} else if (size >= 14) {
		/* Refused: the MACs are swapped (first), nothing after the Ethernet header moved. */
		if (memcmp(f, data + 6, 6) || memcmp(f + 6, data, 6) || memcmp(f + 12, data + 12, size - 12))
			abort();
	} else if (memcmp(f, data, size)) {
		abort();
	}
	free(f);
	return 0;
}
