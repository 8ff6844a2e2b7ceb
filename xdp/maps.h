/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the firewall program. Names are at most 15 characters (the
 * kernel's limit) and are the file names under the pin directory.
 */
#ifndef SLUICE_XDP_MAPS_H
#define SLUICE_XDP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sluice/abi.h"
#include "sluice/events.h"

/*
 * Scalar field value -> class id (index of sl_class_bits). Memory-mappable
 * so that the loader writes its 70k entries with one copy, not 70k updates.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_FIELD_INDEX_SIZE);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} sl_field_class SEC(".maps");

/* Class id -> bitmap of the rules that accept the field values of the class. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_MAX_CLASSES);
	__type(key, __u32);
	__type(value, struct sl_rule_bits);
} sl_class_bits SEC(".maps");

/* Class id -> bit i set when word i of its bitmap is non-zero (filled by the loader). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_MAX_CLASSES);
	__type(key, __u32);
	__type(value, __u64);
} sl_class_sum SEC(".maps");

/* Ingress ifindex -> class id; interfaces not listed use iface_default_class. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_MAX_IFACE_CLASSES);
	__type(key, __u32);
	__type(value, __u32);
} sl_iface_class SEC(".maps");

/*
 * IPv4 prefixes as a DIR-24-8 table (abi.h). Memory-mappable so that
 * userspace writes the 64 MiB table with memcpy, not 16M updates; the
 * loader shrinks both to one entry when no IPv4 prefix is in use.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_DIR24_ENTRIES / SL_DIR_PER_ELEM);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} sl_dir24 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_DIR8_GROUP / SL_DIR_PER_ELEM);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} sl_dir8 SEC(".maps");

/* IPv6 prefix -> address class; userspace sizes it to the sets before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_MAX_PREFIXES_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_lpm6_key);
	__type(value, __u32);
} sl_pfx6 SEC(".maps");

/* Address class -> class_bits entries for the source and destination roles. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_MAX_ADDR_CLASSES);
	__type(key, __u32);
	__type(value, struct sl_addr_class);
} sl_addr_class SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_MAX_RULES);
	__type(key, __u32);
	__type(value, struct sl_rule);
} sl_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_MAX_RULES);
	__type(key, __u32);
	__type(value, struct sl_rule_meta);
} sl_rule_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_MAX_RULES);
	__type(key, __u32);
	__type(value, struct sl_counter);
} sl_rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_VERDICT_COUNT);
	__type(key, __u32);
	__type(value, struct sl_counter);
} sl_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, SL_IFACE_STATS_MAX);
	__type(key, __u32);
	__type(value, struct sl_iface_counters);
} sl_iface_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_REASON_COUNT);
	__type(key, __u32);
	__type(value, struct sl_counter);
} sl_reasons SEC(".maps");

/*
 * Events of logging rules (sluice/events.h), drained by the logger. The
 * loader sizes it (logging.ring_bytes) or shrinks it to a page when no
 * rule logs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SL_EVENT_RING_DEFAULT);
} sl_events SEC(".maps");

/* Rule index -> its sampling and rate-limit state on this CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_MAX_RULES);
	__type(key, __u32);
	__type(value, struct sl_log_state);
} sl_log_state SEC(".maps");

/* The logging rules the current packet met (sluice/events.h), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_log_pending);
} sl_log_pending SEC(".maps");

/* enum sl_log_stat -> events emitted, sampled out and lost, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_LOG_STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} sl_log_stats SEC(".maps");

/* The logger's counters, written by sluiced's logger thread, not by the program. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_logger_counters);
} sl_logger_stats SEC(".maps");

/*
 * [0] the generation number, [1] a hash of the policy this instance was
 * built from (control/policy.c). Written by userspace and never read by
 * the program: a restarted sluiced compares it with its saved state.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} sl_generation SEC(".maps");

/*
 * RX queue id -> the AF_XDP socket of the worker serving that queue
 * (docs/dataplane.md). Filled by the workers in sluiced; an empty slot
 * makes steered packets follow the no_socket policy.
 */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SL_XSKS_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} sl_xsks SEC(".maps");

/*
 * Inline pairs (docs/dataplane.md): ingress ifindex -> the peer port a
 * passed packet leaves on (a devmap, so redirects are bulked per NAPI
 * poll). Pure config, filled per generation.
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, SL_MAX_INLINE_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} sl_peers SEC(".maps");

/* Ingress ifindex -> offset of its queues' sockets in sl_xsks (abi.h); absent: 0. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_MAX_INLINE_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} sl_xsk_base SEC(".maps");

/* enum sl_inline_stat -> packets and bytes, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_INLINE_STAT_COUNT);
	__type(key, __u32);
	__type(value, struct sl_counter);
} sl_inline_stats SEC(".maps");

/* enum sl_steer_stat -> packets and bytes, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_STEER_STAT_COUNT);
	__type(key, __u32);
	__type(value, struct sl_counter);
} sl_steer_stats SEC(".maps");

/*
 * Flow 5-tuple -> the inspect stage's verdict on the flow (abi.h,
 * xdp/flowcache.h). Written by the stage in userspace; the least recently
 * used flow makes room when it is full.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_FLOWCACHE_ENTRIES);
	__type(key, struct sl_flow_key);
	__type(value, struct sl_flow_verdict);
} sl_flowcache SEC(".maps");

/* Scratch bitmap, per CPU: too large for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_rule_bits);
} sl_scratch SEC(".maps");

#endif /* SLUICE_XDP_MAPS_H */
