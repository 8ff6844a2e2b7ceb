/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "pcap_read.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

int pr_read(const char *path, struct pr_rec *out, size_t max, int *linktype, char *err,
	    size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	size_t n = 0;
	pcap_t *pc;
	int r;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		snprintf(err, errlen, "%s", errbuf);
		return -1;
	}
	*linktype = pcap_datalink(pc);
	while (n < max && (r = pcap_next_ex(pc, &ph, &data)) == 1) {
		out[n].ts_ns = (uint64_t)ph->ts.tv_sec * 1000000000ull + (uint64_t)ph->ts.tv_usec;
		out[n].caplen = ph->caplen;
		out[n].len = ph->len;
		memcpy(out[n].data, data, ph->caplen < sizeof(out[n].data) ? ph->caplen
									 : sizeof(out[n].data));
		n++;
	}
	if (n < max && r == -1) {
		snprintf(err, errlen, "%s", pcap_geterr(pc));
		pcap_close(pc);
		return -1;
	}
	pcap_close(pc);
	return (int)n;
}
