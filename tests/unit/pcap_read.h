/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reads a pcap file back with libpcap, for the tests of the logger's
 * captures. Kept apart because libpcap's headers and the kernel's
 * linux/bpf.h both define struct bpf_insn.
 */
#ifndef SLUICE_TESTS_PCAP_READ_H
#define SLUICE_TESTS_PCAP_READ_H

#include <stddef.h>
#include <stdint.h>

struct pr_rec {
	uint64_t ts_ns; /* nanosecond precision */
	uint32_t caplen;
	uint32_t len;
	uint8_t data[256]; /* the first min(caplen, 256) bytes */
};

/*
 * Reads at most max records of the file at path into out and its link
 * type into *linktype. Returns the records read, or -1 with a message in
 * err when libpcap cannot open or read the file.
 */
int pr_read(const char *path, struct pr_rec *out, size_t max, int *linktype, char *err,
	    size_t errlen);

#endif /* SLUICE_TESTS_PCAP_READ_H */
