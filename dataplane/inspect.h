/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The inspect stage's logic (docs/inspect.md), without the worker around
 * it: DNS query names (UDP) and TLS ClientHello server names (TCP) checked
 * against the domain policies of the config's `inspect` section, and the
 * flow verdicts the stage writes into the program's sl_flowcache map.
 *
 * How a worker stage uses it, per received frame:
 *
 *     struct sl_inspect_result r;
 *     struct sl_flow_key key;
 *
 *     sl_inspect_frame(in, frame, len, &key, &r);   // or sl_inspect_packet
 *     switch (r.verdict) {
 *     case SL_INSPECT_DENY:  drop the frame; break;
 *     default:               hand the frame on as the stage would without
 *                            inspection (NOT_INSPECTED, UNDECIDED, ALLOW);
 *     }
 *     if (r.cache) {
 *         struct sl_flow_verdict v;
 *         sl_inspect_cache_entry(in, &r, now_monotonic_ns, &v);
 *         sl_inspect_cache_write(flowcache_fd, &key, &v);
 *     }
 *
 * A built struct sl_inspect is read-only: workers on several threads may
 * share one. Nothing here allocates after sl_inspect_new.
 */
#ifndef SLUICE_DATAPLANE_INSPECT_H
#define SLUICE_DATAPLANE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../control/config.h"
#include "domain_policy.h"
#include "sluice/abi.h"

/* Which parser judged a packet; also sl_flow_verdict.source. Never renumber. */
enum sl_inspect_kind {
	SL_INSPECT_KIND_NONE = 0,
	SL_INSPECT_KIND_DNS = 1,
	SL_INSPECT_KIND_TLS = 2,
};

enum sl_inspect_verdict {
	SL_INSPECT_NOT_INSPECTED = 0, /* no policy for its protocol and port: not the stage's */
	SL_INSPECT_UNDECIDED = 1,     /* TCP without payload (handshake, ACK): let it through */
	SL_INSPECT_ALLOW = 2,
	SL_INSPECT_DENY = 3,
};

/* Why the verdict is what it is. */
enum sl_inspect_why {
	SL_INSPECT_WHY_NONE = 0,       /* NOT_INSPECTED or UNDECIDED */
	SL_INSPECT_WHY_ENTRY = 1,      /* an allow or deny entry matched the name */
	SL_INSPECT_WHY_DEFAULT = 2,    /* a name (or no SNI) that no entry matches */
	SL_INSPECT_WHY_MALFORMED = 3,  /* the policy's `malformed` */
	SL_INSPECT_WHY_INCOMPLETE = 4, /* tls: the ClientHello continues in a later segment */
};

struct sl_inspect_result {
	enum sl_inspect_verdict verdict;
	uint8_t kind;  /* enum sl_inspect_kind */
	uint8_t why;   /* enum sl_inspect_why */
	int status;    /* enum sl_dns_status (dns.h) or enum sl_tls_status (tls.h) */
	/*
	 * Write the verdict into the flow cache. True for TLS verdicts: a
	 * connection has one ClientHello. Never for DNS: a client may send
	 * many queries from one socket, and each needs its own verdict.
	 */
	bool cache;
	size_t rule;   /* WHY_ENTRY: index in the config's dns.rules or tls.rules */
	char name[SL_DOMAIN_NAME_MAX + 1]; /* the name judged, "" if none */
};

struct sl_inspect;

/*
 * Builds the policies of cfg (a loaded config's `inspect` section; the
 * loader has checked it). Returns 0 and *out (sl_inspect_free), -EINVAL
 * for a section that did not come from the loader, or -ENOMEM.
 */
int sl_inspect_new(const struct sl_inspect_cfg *cfg, struct sl_inspect **out);

/* NULL-safe. */
void sl_inspect_free(struct sl_inspect *in);

/* True when a packet of IP protocol proto to dport (host order) is inspected. */
bool sl_inspect_wants(const struct sl_inspect *in, uint8_t proto, uint16_t dport);

/*
 * Judges one packet by its L4 payload (after the UDP or TCP header; len
 * bytes, bounded by the IP length, not the frame: Ethernet padding is not
 * payload). proto is IPPROTO_UDP or IPPROTO_TCP, dport the destination port
 * in host order. Fills *res; returns 0, or -EINVAL for a NULL in or res, or
 * a NULL payload with len > 0.
 */
int sl_inspect_packet(const struct sl_inspect *in, const uint8_t *l4_payload, size_t len,
		      uint8_t proto, uint16_t dport, struct sl_inspect_result *res);

/*
 * Finds the flow key and the L4 payload of an Ethernet frame: up to two
 * VLAN tags, IPv4 (options; a non-first fragment has no ports: -ENOENT),
 * IPv6 (hop-by-hop, routing and destination options headers, at most
 * SL_MAX_IP6_EXT; a fragment header: -ENOENT), then TCP or UDP. The payload
 * is bounded by the IP and UDP lengths. Returns 0, -ENOENT for a frame
 * without TCP or UDP ports, -EINVAL for a malformed one.
 */
int sl_inspect_parse_frame(const uint8_t *frame, size_t len, struct sl_flow_key *key,
			   const uint8_t **l4_payload, size_t *l4_len);

/*
 * sl_inspect_parse_frame, then sl_inspect_packet. A frame that has no
 * ports or is malformed below L4 is SL_INSPECT_NOT_INSPECTED (the XDP
 * program has its own policy for malformed packets). Returns 0 or -EINVAL
 * for NULL arguments; *key is filled whenever res->cache is true.
 */
int sl_inspect_frame(const struct sl_inspect *in, const uint8_t *frame, size_t len,
		     struct sl_flow_key *key, struct sl_inspect_result *res);

/*
 * The sl_flowcache value for a result with res->cache set: its verdict,
 * expiring verdict_ttl seconds after now_ns (CLOCK_MONOTONIC, the clock of
 * bpf_ktime_get_ns).
 */
void sl_inspect_cache_entry(const struct sl_inspect *in, const struct sl_inspect_result *res,
			    uint64_t now_ns, struct sl_flow_verdict *v);

/*
 * Writes one entry into the sl_flowcache map (an LRU hash: a full map
 * evicts the least recently used flow). Returns 0 or a negative errno
 * from the kernel.
 */
int sl_inspect_cache_write(int map_fd, const struct sl_flow_key *key,
			   const struct sl_flow_verdict *v);

/* A short English name of a verdict and of a reason; never NULL. */
const char *sl_inspect_verdict_str(enum sl_inspect_verdict v);
const char *sl_inspect_why_str(enum sl_inspect_why w);

#endif /* SLUICE_DATAPLANE_INSPECT_H */
