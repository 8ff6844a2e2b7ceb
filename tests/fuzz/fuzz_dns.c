/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes the DNS query parser with arbitrary UDP payloads, and the inspect
 * stage with the same bytes taken as an Ethernet frame: its frame parser,
 * then the whole judgement (sl_inspect_frame) under a small policy.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "dataplane/dns.h"
#include "dataplane/inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy[] =
	"version: 1\n"
	"inspect:\n"
	"  dns: {ports: [53, 5353], malformed: deny, deny: ['*.bad.example', x.example.org]}\n"
	"  tls: {ports: [443, 4433], incomplete: deny, allow: [www.example.com], "
	"deny: ['*.example.com']}\n";

static struct sl_inspect *g_in;

/* Built once: the fuzzer's process lives for the whole run. */
static struct sl_inspect *inspect(void)
{
	struct sl_config *cfg = NULL;
	struct sl_diag diag;

	if (g_in)
		return g_in;
	if (sl_config_load_buffer(policy, sizeof(policy) - 1, "fuzz.yaml", NULL, &cfg, &diag) ||
	    sl_inspect_new(&cfg->inspect, &g_in))
		abort();
	sl_config_free(cfg);
	return g_in;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_flow_key key;
	struct sl_dns_query q;
	const uint8_t *pl;
	size_t i, plen, label = 0;
	enum sl_dns_status st;
	int err;

	st = sl_dns_parse_query(data, size, &q);
	if ((unsigned int)st >= SL_DNS_STATUS_COUNT)
		abort();
	if (st != SL_DNS_OK) {
		if (q.name[0] || q.name_len)
			abort();
	} else {
		/* What is accepted is a name a policy can read: lower case, bounded labels. */
		if (q.name_len > SL_DNS_NAME_MAX || strlen(q.name) != q.name_len)
			abort();
		for (i = 0; i < q.name_len; i++) {
			char c = q.name[i];

			if (c == '.') {
				if (!label)
					abort();
				label = 0;
				continue;
			}
			if ((c >= 'A' && c <= 'Z') || c < 0x21 || c > 0x7e || ++label > SL_DNS_LABEL_MAX)
				abort();
		}
		if (q.name_len && !label)
			abort();
	}

	err = sl_inspect_parse_frame(data, size, &key, &pl, &plen);
	if (err == 0) {
		/* The payload lies inside the frame. */
		if (pl < data || pl > data + size || plen > (size_t)(data + size - pl))
			abort();
		if (key.family != 4 && key.family != 6)
			abort();
		if (key.pad[0] || key.pad[1])
			abort();
	} else if (pl || plen) {
		abort();
	}

	{
		struct sl_inspect_result r;

		if (sl_inspect_frame(inspect(), data, size, &key, &r))
			abort();
		if (r.verdict > SL_INSPECT_DENY || strlen(r.name) > SL_DOMAIN_NAME_MAX)
			abort();
		/* Only a judged TLS flow is cached; a DNS verdict never is. */
		if (r.cache && (r.kind != SL_INSPECT_KIND_TLS ||
				(r.verdict != SL_INSPECT_ALLOW && r.verdict != SL_INSPECT_DENY)))
			abort();
		if (r.why == SL_INSPECT_WHY_ENTRY && !r.name[0])
			abort();
	}
	return 0;
}
