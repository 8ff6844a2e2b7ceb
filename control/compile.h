/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rule compiler: turns a loaded config into the classification tables
 * of include/sluice/abi.h (docs/classifier.md). Pure computation, no
 * system calls, so it is unit-tested and fuzzed without privileges.
 */
#ifndef SLUICE_COMPILE_H
#define SLUICE_COMPILE_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sluice/abi.h"
#include "sluice/events.h"

struct sl_pfx4_entry {
	struct sl_lpm4_key key;
	uint32_t addr_class;
};

struct sl_pfx6_entry {
	struct sl_lpm6_key key;
	uint32_t addr_class;
};

/* A port of an inline pair (docs/dataplane.md): sl_peers and sl_xsk_base. */
struct sl_inline_entry {
	char name[IF_NAMESIZE]; /* the ingress port, resolved to an ifindex by the loader */
	char peer[IF_NAMESIZE]; /* where its passed packets leave */
	uint32_t xsk_base;      /* offset of its queues' sockets in sl_xsks */
};

struct sl_iface_class_entry {
	char name[IF_NAMESIZE]; /* resolved to an ifindex by the loader */
	uint32_t class_id;
};

/*
 * Everything the loader writes into the maps, and the rodata config.
 * Arrays are owned by the tables (sl_tables_free).
 */
struct sl_tables {
	struct sl_prog_cfg prog_cfg;
	uint32_t field_class[SL_FIELD_INDEX_SIZE]; /* sl_field_class */
	struct sl_rule_bits *class_bits;           /* sl_class_bits */
	uint32_t n_class_bits;
	struct sl_addr_class *addr_classes;        /* sl_addr_class */
	uint32_t n_addr_classes;
	struct sl_pfx4_entry *pfx4;                /* sl_pfx4 */
	size_t n_pfx4;
	struct sl_pfx6_entry *pfx6;                /* sl_pfx6 */
	size_t n_pfx6;
	struct sl_iface_class_entry *ifaces;       /* sl_iface_class */
	size_t n_ifaces;
	struct sl_rule rules[SL_MAX_RULES];        /* sl_rules */
	struct sl_rule_meta meta[SL_MAX_RULES];    /* sl_rule_meta */
	uint32_t n_rules;
	uint32_t event_ring_bytes;                 /* size of sl_events when a rule logs */
	struct sl_inline_entry inline_ports[SL_MAX_INLINE_PORTS]; /* sl_peers, sl_xsk_base */
	uint32_t n_inline;
};

/*
 * Compiles cfg. Returns 0 and tables owned by the caller, -E2BIG with
 * diag when a limit of abi.h is exceeded (rules, classes, address
 * classes, interfaces), -EINVAL with diag for a config the loader would
 * have refused (bad set index, action, port range, prefix), or -ENOMEM.
 * pfx4 and pfx6 come out sorted by (address, prefixlen), one entry per
 * distinct prefix; address class 0 is the class of addresses in no set.
 */
int sl_compile(const struct sl_config *cfg, struct sl_tables **out, struct sl_diag *diag);

void sl_tables_free(struct sl_tables *t);

/*
 * Reference classifier over the compiled tables, for tests: the verdict
 * and the index of the deciding rule (-1 for the default policy) of a
 * packet described by its field values, exactly as the XDP program
 * computes it (xdp/rules.h). addr are 4 or 16 bytes by family; the
 * values are dimension indices (SL_PORT_NONE, SL_TCP_FLAGS_NONE,
 * SL_ICMP6_BASE + type, ...); iface NULL is an interface no rule names.
 * Needs pfx4/pfx6 in sl_compile's order (binary search).
 */
struct sl_match_input {
	int family; /* AF_INET or AF_INET6 */
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t proto, sport, dport, tcp_flags, icmp, vlan; /* dimension values */
	const char *iface;
};

int sl_tables_classify(const struct sl_tables *t, const struct sl_match_input *in, int *rule);

#endif /* SLUICE_COMPILE_H */
