/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes the event decoder with arbitrary ring records, and the JSON and
 * pcap encoders with whatever it accepts: an accepted record encodes
 * within SL_JSON_LINE_MAX as one line, and its capture within its bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sl_rule_meta names[2] = { { "first" }, { "second" } };
	struct sl_json_ctx ctx = { .source = "fuzz", .names = names, .n_names = 2 };
	uint8_t pcap[SL_PCAP_REC_HDR_LEN + SL_CAPTURE_MAX];
	char line[SL_JSON_LINE_MAX];
	struct sl_event_view v;
	uint8_t *copy;
	int n;

	/* An exact-size heap copy, so that ASan sees any read past the record. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (sl_event_decode(copy, size, &v) == 0) {
		if (v.ev.cap_len > SL_CAPTURE_MAX || (v.ev.cap_len && !v.cap))
			abort();
		ctx.wall_offset_ns = (int64_t)(v.ev.ts_ns & 0xffffffffu);
		n = sl_event_json(&v, &ctx, line, sizeof(line));
		if (n <= 0 || line[n - 1] != '\n' || memchr(line, '\n', (size_t)n - 1))
			abort();
		n = sl_pcap_record(&v, ctx.wall_offset_ns, pcap, sizeof(pcap));
		if (n != (v.ev.cap_len ? SL_PCAP_REC_HDR_LEN + v.ev.cap_len : 0))
			abort();
	}
	free(copy);
	return 0;
}
