/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Captures to replay (sluice-gen tx --pcap): a pcap or pcapng file of
 * Ethernet frames, read with libpcap into memory whole and checked, so
 * that a replay loops over it without touching the file again. The
 * reader is bounded: a capture larger than the limit in bytes or packets
 * is refused, and a record libpcap cannot read (truncated, a length
 * beyond its maximum) ends the read with an error, never a partial
 * capture.
 *
 * Records that cannot be replayed as they are, are skipped and counted:
 * frames longer than max_frame (the UMEM frame) or than the MTU allows,
 * frames shorter than an Ethernet header, and frames the capture cut
 * short (caplen < len: their end is not in the file).
 */
#ifndef SLUICE_GEN_PCAPSRC_H
#define SLUICE_GEN_PCAPSRC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SL_GEN_PCAP_MAX_BYTES (1ull << 30) /* default limit of the frame bytes kept */
#define SL_GEN_PCAP_MAX_PACKETS (1u << 24)

struct sl_gen_pcap_limits {
	size_t max_frame;    /* longer frames are skipped; 0: 65535 */
	unsigned mtu;        /* 0: none; else frames longer than mtu + 14 (+ 4 with an
				802.1Q or 802.1ad tag) are skipped as too long */
	uint64_t max_bytes;  /* frame bytes kept; 0: SL_GEN_PCAP_MAX_BYTES; at most 4 GiB */
	uint32_t max_packets;/* 0: SL_GEN_PCAP_MAX_PACKETS */
};

struct sl_gen_pcap_pkt {
	uint64_t ts_ns;  /* from the first kept packet; never decreasing (see sl_gen_pcap_read) */
	uint32_t off;    /* into data */
	uint32_t len;
};

struct sl_gen_pcap {
	size_t n;                      /* packets kept */
	struct sl_gen_pcap_pkt *pkts;
	uint8_t *data;                 /* their frames, back to back */
	uint64_t bytes;                /* frame bytes kept (FCS excluded) */
	uint64_t records;              /* records in the file */
	uint64_t skipped_long;         /* longer than max_frame */
	uint64_t skipped_short;        /* shorter than 14 bytes */
	uint64_t skipped_snapped;      /* caplen < len */
	uint64_t backwards;            /* timestamps earlier than the previous one's */
	uint64_t span_ns;              /* the last kept packet's ts_ns */
};

/*
 * Reads the capture in f, which it takes over (closed on return, also on
 * error), into out (zeroed first; on error left empty; free it with
 * sl_gen_pcap_free). Timestamps are taken in ns (microsecond files are
 * scaled); one earlier than the previous packet's is taken as equal to it
 * (and counted in backwards). Returns 0, or a negative errno with a
 * one-line reason in why:
 *   -EINVAL   not a capture libpcap reads (bad magic, truncated file
 *             header), a link type other than Ethernet, or a record
 *             libpcap refuses (truncated, a length above its maximum);
 *   -ENODATA  no packet left to replay (empty, or every one skipped);
 *   -EFBIG    more than the limits allow;
 *   -ENOMEM.
 */
int sl_gen_pcap_read(FILE *f, const struct sl_gen_pcap_limits *lim, struct sl_gen_pcap *out,
		     char *why, size_t why_len);

/* The same from a file path (-ENOENT and the like when it cannot be opened). */
int sl_gen_pcap_load(const char *path, const struct sl_gen_pcap_limits *lim,
		     struct sl_gen_pcap *out, char *why, size_t why_len);

/* The same from len bytes in memory (tests, the fuzz target). */
int sl_gen_pcap_read_mem(const void *buf, size_t len, const struct sl_gen_pcap_limits *lim,
			 struct sl_gen_pcap *out, char *why, size_t why_len);

/* Frees what a read allocated and zeroes p. NULL is fine. */
void sl_gen_pcap_free(struct sl_gen_pcap *p);

#endif /* SLUICE_GEN_PCAPSRC_H */
