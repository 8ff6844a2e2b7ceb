/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The firewall configuration as loaded from YAML (docs/config.md): the
 * only reader of config files and set files. Loading validates
 * everything; a config that loads is one the compiler can compile.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Where a named set's elements come from (`source:` in the config). */
enum sl_set_source {
	SL_SET_SRC_POLICY = 0,         /* `file`, `prefixes` and the set commands */
	SL_SET_SRC_HOST_ADDRESSES = 1, /* sluiced, from the host's own addresses (hostset.h) */
};

/* A named set, or an anonymous one holding a rule's inline prefixes. */
struct sl_set {
	char name[SL_SET_NAME_LEN]; /* inline sets are named "RULE/src" or "RULE/dst" */
	bool anonymous;
	uint8_t source; /* enum sl_set_source */
	/* SL_SET_SRC_HOST_ADDRESSES: only the addresses of links this glob matches; "": every link */
	char source_iface[IF_NAMESIZE];
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
	bool log;             /* `log` or `capture`: the rule emits events */
	uint32_t log_sample;  /* log 1 in N matches (1: every one) */
	uint32_t log_rate;    /* events per second per CPU, 0: no limit */
	uint16_t capture_len; /* `capture.snaplen`, 0: no capture */
};

enum sl_xdp_mode {
	SL_XDP_MODE_NATIVE = 0, /* native, falling back to generic with a warning */
	SL_XDP_MODE_NATIVE_ONLY = 1,
	SL_XDP_MODE_GENERIC = 2,
};

/*
 * An `interfaces` entry: one interface by name, or a glob pattern
 * (fnmatch(3): '*', '?', '[...]'; no backslash escapes) that sluiced attaches
 * to each matching link as it appears (docs/rtnetlink.md).
 */
struct sl_iface_cfg {
	char name[IF_NAMESIZE]; /* the name, or the pattern */
	uint32_t mode; /* enum sl_xdp_mode */
	bool pattern;  /* name has '*', '?' or '[' */
};

/* Where a memory pool or a large BPF map asks to live (docs/tiers.md). */
enum sl_tier_kind {
	SL_TIER_AUTO = 0,     /* the pool's own default: fast for UMEM, capacity for the rest */
	SL_TIER_FAST = 1,     /* the best-ranked nodes that have CPUs */
	SL_TIER_CAPACITY = 2, /* the next slower rank of memory (CXL) */
	SL_TIER_NODES = 3,    /* exactly the nodes in sl_tier_req.nodes */
};

#define SL_MAX_NODES 64 /* NUMA node ids 0..63: node sets are one 64-bit mask */

struct sl_tier_req {
	uint32_t kind;  /* enum sl_tier_kind */
	uint64_t nodes; /* SL_TIER_NODES: bit n is node n */
};

/* The pools and map groups the memory: section can place. */
enum sl_pool_id {
	SL_POOL_UMEM = 0,       /* AF_XDP packet buffers */
	SL_POOL_FLOW_TABLES,    /* userspace flow tables */
	SL_POOL_LOG_BUFFERS,    /* log staging buffers */
	SL_POOL_CAPTURE_BUFFERS,
	SL_POOL_PREFIX_TABLES,  /* BPF maps sl_dir24, sl_dir8, sl_pfx6 */
	SL_POOL_RULE_TABLES,    /* BPF map sl_class_bits */
	SL_POOL_COUNT,
};

struct sl_pool_cfg {
	struct sl_tier_req tier;
	bool huge_pages;
	bool set; /* named in the config; otherwise tier is AUTO and no huge pages */
};

/* The optional top-level memory: section. */
struct sl_memory_cfg {
	bool strict; /* a missing tier is an error, not a fallback to fast */
	struct sl_pool_cfg pools[SL_POOL_COUNT];
};

/* The config name of a pool ("umem", "prefix_tables", ...), or NULL. */
const char *sl_pool_name(enum sl_pool_id id);

enum sl_fsync_policy {
	SL_FSYNC_NONE = 0,     /* leave it to the kernel */
	SL_FSYNC_INTERVAL = 1, /* fdatasync every fsync_interval_ms */
	SL_FSYNC_BATCH = 2,    /* fdatasync after every write */
};

enum sl_log_io {
	SL_LOG_IO_URING = 0,  /* io_uring, falling back to pwrite when refused */
	SL_LOG_IO_PWRITE = 1, /* pwrite only */
};

#define SL_LOG_PATH_LEN 256

/* The top-level `logging` section (docs/logs.md). */
struct sl_logging_cfg {
	bool enabled;                    /* the section is present */
	char json_path[SL_LOG_PATH_LEN]; /* JSON lines, "" for none */
	char pcap_path[SL_LOG_PATH_LEN]; /* captures, "" for none */
	char audit_path[SL_LOG_PATH_LEN]; /* audit trail, JSON lines, "" for none */
	uint64_t rotate_bytes;           /* rotate a file past this size, 0: never */
	uint32_t rotate_seconds;         /* rotate a file this old, 0: never */
	uint32_t max_files;              /* rotated files kept per output, 0: all */
	uint32_t fsync;                  /* enum sl_fsync_policy */
	uint32_t fsync_interval_ms;
	uint32_t flush_ms;               /* a partly filled buffer is written after this */
	uint32_t ring_bytes;             /* BPF ring buffer: a power of two, >= 4096 */
	uint32_t buffer_bytes;           /* one write buffer */
	uint32_t buffers;                /* write buffers, so the most writes in flight */
	uint32_t worker_ring_slots;      /* slots of each worker's ring, a power of two */
	uint32_t io;                     /* enum sl_log_io */
};

#define SL_CONTROL_GROUP_LEN 64
#define SL_CONTROL_SOCKET_LEN 108 /* sun_path */

/* The optional top-level `control` section: the control socket (docs/control.md). */
struct sl_control_cfg {
	char group[SL_CONTROL_GROUP_LEN];   /* may use the socket besides root; "" for root only */
	char socket[SL_CONTROL_SOCKET_LEN]; /* default /run/sluice/control.sock */
};

#define SL_METRICS_LISTEN_LEN 64

/*
 * The optional top-level `metrics` section: the Prometheus endpoint
 * (docs/metrics.md). Without the section there is no endpoint; with it,
 * enabled defaults to true and listen to 127.0.0.1:9469.
 */
struct sl_metrics_cfg {
	bool enabled;
	char listen[SL_METRICS_LISTEN_LEN]; /* as written: "127.0.0.1:9469", "[::1]:9469" */
	uint8_t family;                     /* AF_INET or AF_INET6 */
	uint8_t addr[16];                   /* network order; IPv4 in the first four bytes */
	uint16_t port;                      /* host order, 1-65535 */
};

/* The optional top-level `steering` section (docs/dataplane.md). */
struct sl_steering_cfg {
	uint8_t no_socket; /* enum sl_policy: PASS (fail-open, the default) or DROP (fail-closed) */
};

#define SL_DP_MAX_IFACES 4    /* entries of dataplane.interfaces (one may have workers today) */
#define SL_DP_MAX_STAGES 8
#define SL_DP_MAX_WORKERS 64  /* per interface */
#define SL_STAGE_NAME_LEN 16

/* A worker: the RX queue it serves and the CPU it is pinned to. */
struct sl_dp_worker_cfg {
	uint32_t queue;
	uint32_t cpu;
};

/*
 * A `dataplane.interfaces` entry: the stages its steered packets run
 * through, and its workers. With a peer it is an inline pair (the forward
 * stage): each worker serves its queue on both ports, the peer's steered
 * packets running through the same stages (docs/dataplane.md).
 */
struct sl_dp_iface_cfg {
	char name[IF_NAMESIZE];
	char peer[IF_NAMESIZE]; /* the other port of an inline pair, "" for none */
	char stages[SL_DP_MAX_STAGES][SL_STAGE_NAME_LEN]; /* in order: "reflect", "drop" */
	uint32_t n_stages;
	struct sl_dp_worker_cfg workers[SL_DP_MAX_WORKERS];
	uint32_t n_workers;
};

/* dataplane.ports: what serves the workers' packets. */
enum sl_dp_ports {
	SL_PORTS_AF_XDP = 0, /* AF_XDP sockets on queues XDP steers to (the default) */
	SL_PORTS_DPDK = 1,   /* DPDK ethdev ports (a build with the meson option dpdk) */
};

#define SL_DPDK_MAX_EAL 32      /* entries of dataplane.dpdk.eal */
#define SL_DPDK_EAL_ARG_LEN 256 /* bytes of one, with its NUL */

enum sl_zero_copy {
	SL_ZC_AUTO = 0, /* zero-copy where the driver has it, else copy */
	SL_ZC_ON = 1,   /* zero-copy or fail */
	SL_ZC_OFF = 2,  /* copy mode */
};

/* The optional top-level `dataplane` section: AF_XDP workers (docs/dataplane.md). */
struct sl_dataplane_cfg {
	uint32_t frame_size; /* UMEM frame bytes: 2048 or 4096 */
	uint32_t frames;     /* UMEM frames per interface, a power of two */
	uint32_t ring_size;  /* rx, tx, fill and completion ring entries, a power of two */
	uint32_t batch;      /* frames per burst */
	uint32_t max_frame;  /* the longest frame; above frame_size asks for multi-buffer */
	uint32_t zero_copy;  /* enum sl_zero_copy */
	bool busy_poll;      /* SO_PREFER_BUSY_POLL with the budget and timeout below */
	uint32_t busy_poll_budget;
	uint32_t busy_poll_usecs;
	struct sl_dp_iface_cfg ifaces[SL_DP_MAX_IFACES];
	size_t n_ifaces;
	/*
	 * `ports: dpdk`: the interfaces' names are DPDK ports (net_pcap0) made
	 * by the EAL from `dpdk: {eal: [...]}`, not kernel links; their workers
	 * use queues 0..n-1 (docs/dataplane.md, "DPDK ports").
	 */
	uint32_t ports; /* enum sl_dp_ports */
	char eal[SL_DPDK_MAX_EAL][SL_DPDK_EAL_ARG_LEN];
	uint32_t n_eal;
};

/* The defaults of the dataplane section, also for a config without one. */
void sl_dataplane_defaults(struct sl_dataplane_cfg *d);

#define SL_INSPECT_MAX_PORTS 16
#define SL_INSPECT_TTL_DEFAULT 300 /* seconds */
#define SL_INSPECT_TTL_MAX 86400

/* One `allow` or `deny` list item of inspect.dns or inspect.tls. */
struct sl_domain_rule_cfg {
	char *pattern;  /* normal form: lower case, no trailing dot, "name" or "*.suffix" */
	uint8_t action; /* enum sl_domain_action (dataplane/domain_policy.h) */
	int line;       /* 1-based position in the config, for messages */
	int col;
};

/* inspect.dns or inspect.tls: which packets, and the domain policy they meet. */
struct sl_domain_policy_cfg {
	bool enabled;             /* the key is present */
	uint16_t ports[SL_INSPECT_MAX_PORTS]; /* destination ports, host order */
	uint32_t n_ports;
	uint8_t default_action;   /* enum sl_domain_action: names no entry matches */
	uint8_t malformed_action; /* unreadable query or ClientHello; default: default_action */
	uint8_t incomplete_action; /* tls: a ClientHello that does not fit its first segment */
	struct sl_domain_rule_cfg *rules; /* in config order, allow and deny lists interleaved */
	size_t n_rules;
};

/* The optional top-level `inspect` section (docs/inspect.md). */
struct sl_inspect_cfg {
	bool enabled;         /* the section is present */
	uint32_t verdict_ttl; /* seconds a cached flow verdict outlives the flow's last packet */
	struct sl_domain_policy_cfg dns;
	struct sl_domain_policy_cfg tls;
};

struct sl_config {
	char *path; /* as given, for messages */
	struct sl_memory_cfg memory;
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
	struct sl_logging_cfg logging;
	struct sl_control_cfg control;
	struct sl_metrics_cfg metrics;
	struct sl_steering_cfg steering;
	struct sl_dataplane_cfg dataplane;
	struct sl_inspect_cfg inspect;
};

/* The defaults of the logging section, also for a config without one. */
void sl_logging_defaults(struct sl_logging_cfg *l);

/* A diagnostic, formatted "FILE:LINE:COLUMN: message" (or "FILE:LINE: ..."). */
struct sl_diag {
	char msg[SL_DIAG_LEN];
};

/* Formats a one-line message into diag; a NULL diag is ignored. */
static inline __attribute__((format(printf, 2, 3))) void sl_diagf(struct sl_diag *diag,
								   const char *fmt, ...)
{
	va_list ap;

	if (!diag)
		return;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	va_end(ap);
}

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

/*
 * The `interfaces` entry an interface called ifname falls under: an entry
 * naming it exactly, else the first pattern matching it; -1 for none.
 */
int sl_config_match_iface(const struct sl_config *cfg, const char *ifname);

#endif /* SLUICE_CONFIG_H */
