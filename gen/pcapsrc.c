/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Captures to replay (pcapsrc.h). */
#include "gen/pcapsrc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define ETH_HDR_LEN 14
#define MAX_FRAME 65535

void sl_gen_pcap_free(struct sl_gen_pcap *p)
{
	if (!p)
		return;
	free(p->pkts);
	free(p->data);
	memset(p, 0, sizeof(*p));
}

/* True when an Ethernet frame (caplen >= 14) carries more than mtu bytes after its L2 header. */
static bool too_big(const u_char *b, uint32_t len, unsigned mtu)
{
	uint16_t type = (uint16_t)(b[12] << 8 | b[13]);
	uint32_t l2 = ETH_HDR_LEN + (type == 0x8100 || type == 0x88a8 ? 4 : 0);

	return len > l2 + mtu;
}

/* Makes room for one more packet of len bytes; capacities double. 0 or -ENOMEM. */
static int reserve(struct sl_gen_pcap *p, size_t *pkts_cap, uint64_t *data_cap, uint32_t len)
{
	if (p->n == *pkts_cap) {
		size_t cap = *pkts_cap ? *pkts_cap * 2 : 256;
		struct sl_gen_pcap_pkt *n = reallocarray(p->pkts, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->pkts = n;
		*pkts_cap = cap;
	}
	if (p->bytes + len > *data_cap) {
		uint64_t cap = *data_cap ? *data_cap * 2 : 65536;
		uint8_t *n;

		while (cap < p->bytes + len)
			cap *= 2;
		if (cap > SIZE_MAX)
			return -ENOMEM;
		n = realloc(p->data, (size_t)cap);
		if (!n)
			return -ENOMEM;
		p->data = n;
		*data_cap = cap;
	}
	return 0;
}

int sl_gen_pcap_read(FILE *f, const struct sl_gen_pcap_limits *lim, struct sl_gen_pcap *out,
		     char *why, size_t why_len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	size_t max_frame = lim && lim->max_frame ? lim->max_frame : MAX_FRAME;
	uint64_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : SL_GEN_PCAP_MAX_BYTES;
	uint32_t max_packets = lim && lim->max_packets ? lim->max_packets : SL_GEN_PCAP_MAX_PACKETS;
	uint64_t data_cap = 0, first_ns = 0, last_ns = 0;
	size_t pkts_cap = 0;
	struct pcap_pkthdr *ph;
	const u_char *bytes;
	pcap_t *pc;
	int err = 0, r, dlt;

	memset(out, 0, sizeof(*out));
	/* Offsets are 32-bit: the limit can never let them wrap. */
	if (max_bytes > UINT32_MAX)
		max_bytes = UINT32_MAX;
	if (max_frame > MAX_FRAME)
		max_frame = MAX_FRAME;
	pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		/* On failure the FILE is still ours. */
		fclose(f);
		snprintf(why, why_len, "not a capture libpcap can read: %s", errbuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(pc);
	if (dlt != DLT_EN10MB) {
		snprintf(why, why_len, "link type %d (%s): only Ethernet captures can be replayed", dlt,
			 pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "unknown");
		err = -EINVAL;
		goto out;
	}
	while ((r = pcap_next_ex(pc, &ph, &bytes)) == 1) {
		uint64_t ts = (uint64_t)ph->ts.tv_sec * 1000000000ull + (uint64_t)ph->ts.tv_usec;
		struct sl_gen_pcap_pkt *pk;

		out->records++;
		if (ph->caplen < ph->len) {
			out->skipped_snapped++;
			continue;
		}
		if (ph->caplen < ETH_HDR_LEN) {
			out->skipped_short++;
			continue;
		}
		if (ph->caplen > max_frame || (lim && lim->mtu && too_big(bytes, ph->caplen, lim->mtu))) {
			out->skipped_long++;
			continue;
		}
		if (out->n >= max_packets || out->bytes + ph->caplen > max_bytes) {
			snprintf(why, why_len, "the capture holds more than %u packets or %llu bytes",
				 max_packets, (unsigned long long)max_bytes);
			err = -EFBIG;
			goto out;
		}
		err = reserve(out, &pkts_cap, &data_cap, ph->caplen);
		if (err) {
			snprintf(why, why_len, "out of memory after %zu packets", out->n);
			goto out;
		}
		if (!out->n)
			first_ns = last_ns = ts;
		if (ts < last_ns) {
			out->backwards++;
			ts = last_ns;
		}
		last_ns = ts;
		pk = &out->pkts[out->n++];
		pk->ts_ns = ts - first_ns;
		pk->off = (uint32_t)out->bytes;
		pk->len = ph->caplen;
		memcpy(out->data + out->bytes, bytes, ph->caplen);
		out->bytes += ph->caplen;
		out->span_ns = pk->ts_ns;
	}
	if (r == PCAP_ERROR) {
		snprintf(why, why_len, "record %llu: %s", (unsigned long long)out->records + 1,
			 pcap_geterr(pc));
		err = -EINVAL;
		goto out;
	}
	if (!out->n) {
		snprintf(why, why_len,
			 "no packet to replay (%llu records; %llu too long, %llu too short, %llu cut short)",
			 (unsigned long long)out->records, (unsigned long long)out->skipped_long,
			 (unsigned long long)out->skipped_short, (unsigned long long)out->skipped_snapped);
		err = -ENODATA;
	}
out:
	pcap_close(pc);
	/* Never a partial capture. */
	if (err)
		sl_gen_pcap_free(out);
	return err;
}

int sl_gen_pcap_load(const char *path, const struct sl_gen_pcap_limits *lim,
		     struct sl_gen_pcap *out, char *why, size_t why_len)
{
	FILE *f = fopen(path, "rb");
	int err;

	memset(out, 0, sizeof(*out));
	if (!f) {
		err = -errno;
		snprintf(why, why_len, "%s: %s", path, strerror(-err));
		return err;
	}
	err = sl_gen_pcap_read(f, lim, out, why, why_len);
	if (err) {
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", why);
		snprintf(why, why_len, "%s: %s", path, tmp);
	}
	return err;
}

int sl_gen_pcap_read_mem(const void *buf, size_t len, const struct sl_gen_pcap_limits *lim,
			 struct sl_gen_pcap *out, char *why, size_t why_len)
{
	FILE *f;

	memset(out, 0, sizeof(*out));
	/* fmemopen refuses an empty buffer; libpcap would say the same in its words. */
	if (!len) {
		snprintf(why, why_len, "not a capture libpcap can read: empty file");
		return -EINVAL;
	}
	f = fmemopen((void *)buf, len, "rb");
	if (!f) {
		int err = -errno;

		snprintf(why, why_len, "fmemopen: %s", strerror(-err));
		return err;
	}
	return sl_gen_pcap_read(f, lim, out, why, why_len);
}
