/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes sluice-gen's capture reader (gen/pcapsrc.c) with arbitrary bytes,
 * read through libpcap from a FILE made with fmemopen. Small limits, so
 * that the "too big" paths run too. Whatever it accepts must hold
 * together: offsets and lengths inside the data, within the limits,
 * timestamps never decreasing; a refusal comes with one line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen/pcapsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sl_gen_pcap_limits lim = { .max_frame = 2048, .mtu = 1500, .max_bytes = 1 << 20,
						.max_packets = 4096 };
	struct sl_gen_pcap p;
	uint64_t sum = 0, prev = 0;
	char why[256] = "";
	size_t i;
	int err;

	err = sl_gen_pcap_read_mem(data, size, &lim, &p, why, sizeof(why));
	if (err) {
		if (!why[0] || strchr(why, '\n') || p.n)
			abort();
		sl_gen_pcap_free(&p);
		return 0;
	}
	if (!p.n || p.n > lim.max_packets || p.bytes > lim.max_bytes ||
	    p.records < p.n + p.skipped_long + p.skipped_short + p.skipped_snapped)
		abort();
	for (i = 0; i < p.n; i++) {
		const struct sl_gen_pcap_pkt *k = &p.pkts[i];

		if (k->off != sum || k->len < 14 || k->len > lim.max_frame || k->ts_ns < prev)
			abort();
		sum += k->len;
		prev = k->ts_ns;
	}
	if (sum != p.bytes || prev != p.span_ns || p.pkts[0].ts_ns != 0)
		abort();
	sl_gen_pcap_free(&p);
	return 0;
}
