/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The firewall configuration as loaded from YAML (docs/config.md): the
 * only reader of config files and set files. Loading validates
 * everything; a config that loads is one the compiler can compile.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"

#define SL_SET_NAME_LEN 64
#define SL_RULE_MAX_SETS 16   /* sets (named or inline) per src or dst */
#define SL_RULE_MAX_PORTS 16  /* port ranges per sport or dport */
#define SL_MAX_IFACES 64
#define SL_MAX_SETS 4096      /* named plus inline */
#define SL_DIAG_LEN 512

/* An IPv4 or IPv6 prefix; addr is in network order, host bits are zero. */
struct sl_prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t len;
	uint8_t addr[16]; /* IPv4 in the first four bytes */
};

/* A named set, or an anonymous one holding a rule's inline prefixes. */
struct sl_set {
	char name[SL_SET_NAME_LEN]; /* inline sets are named "RULE/src" or "RULE/dst" */
	bool anonymous;
	struct sl_prefix *prefixes;
	size_t n_prefixes;
	size_t cap_prefixes;
};

struct sl_port_range {
	uint16_t lo;
	uint16_t hi; /* lo <= hi */
};

/* Bits of sl_rule_cfg.match: which fields the rule constrains. */
enum {
	SL_MATCH_SRC = 1u << SL_DIM_SRC,
	SL_MATCH_DST = 1u << SL_DIM_DST,
	SL_MATCH_PROTO = 1u << SL_DIM_PROTO,
	SL_MATCH_SPORT = 1u << SL_DIM_SPORT,
	SL_MATCH_DPORT = 1u << SL_DIM_DPORT,
	SL_MATCH_TCP_FLAGS = 1u << SL_DIM_TCP_FLAGS,
	SL_MATCH_ICMP = 1u << SL_DIM_ICMP,
	SL_MATCH_VLAN = 1u << SL_DIM_VLAN,
	SL_MATCH_IFACE = 1u << SL_DIM_IFACE,
};

/*
 * One rule. A packet matches when every constrained field matches; a
 * list (sets, port ranges) matches when any element does.
 */
struct sl_rule_cfg {
	char name[SL_RULE_NAME_LEN];
	uint32_t line; /* 1-based line in the config, for messages */
	uint32_t match; /* SL_MATCH_x bits */
	uint32_t src_sets[SL_RULE_MAX_SETS]; /* indices into sl_config.sets */
	uint32_t n_src_sets;
	uint32_t dst_sets[SL_RULE_MAX_SETS];
	uint32_t n_dst_sets;
	uint8_t protocol; /* IPPROTO_x */
	struct sl_port_range sport[SL_RULE_MAX_PORTS];
	uint32_t n_sport;
	struct sl_port_range dport[SL_RULE_MAX_PORTS];
	uint32_t n_dport;
	uint8_t tcp_flags_mask;  /* flags that must be as in tcp_flags_value */
	uint8_t tcp_flags_value;
	uint16_t icmp; /* ICMP dimension index: type, or SL_ICMP6_BASE + type */
	uint16_t vlan; /* 0..4095 */
	char iface[IF_NAMESIZE];
	uint32_t action; /* enum sl_action */
};

enum sl_xdp_mode {
	SL_XDP_MODE_NATIVE = 0, /* native, falling back to generic with a warning */
	SL_XDP_MODE_NATIVE_ONLY = 1,
	SL_XDP_MODE_GENERIC = 2,
};

struct sl_iface_cfg {
	char name[IF_NAMESIZE];
	uint32_t mode; /* enum sl_xdp_mode */
};

struct sl_config {
	char *path; /* as given, for messages */
	struct sl_iface_cfg ifaces[SL_MAX_IFACES];
	size_t n_ifaces;
	struct sl_set *sets;
	size_t n_sets;
	struct sl_rule_cfg *rules;
	size_t n_rules;
	uint8_t default_verdict;  /* enum sl_verdict */
	uint8_t malformed_policy; /* enum sl_policy: PASS or DROP */
	uint8_t non_ip_policy;    /* enum sl_policy: PASS or DROP */
	uint8_t frag_policy;      /* enum sl_policy */
	bool keep_enforcing;      /* leave the program attached when sluiced exits */
	char pin_dir[256];        /* default /sys/fs/bpf/sluice */
};

/* A diagnostic, formatted "FILE:LINE:COLUMN: message" (or "FILE:LINE: ..."). */
struct sl_diag {
	char msg[SL_DIAG_LEN];
};

/*
 * Loads and validates the YAML config at path; set files named in it are
 * read relative to the config's directory. Returns 0 and a config owned
 * by the caller (sl_config_free), or a negative errno with diag filled.
 * -EINVAL for anything wrong in the content, -ENOENT etc. for I/O.
 */
int sl_config_load_file(const char *path, struct sl_config **out, struct sl_diag *diag);

/*
 * The same from a buffer: name is used in messages and base_dir resolves
 * set files (NULL: set files are refused). Used by tests and fuzzing.
 */
int sl_config_load_buffer(const char *buf, size_t len, const char *name, const char *base_dir,
			  struct sl_config **out, struct sl_diag *diag);

void sl_config_free(struct sl_config *cfg);

/* Index of the named set, or -1. */
int sl_config_find_set(const struct sl_config *cfg, const char *name);

#endif /* SLUICE_CONFIG_H */
