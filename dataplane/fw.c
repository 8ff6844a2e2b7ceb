/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "fw.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../control/dir24.h"
#include "sluice/events.h"
#include "log.h"
#include "mapnode.h"
#include "sluice.skel.h"

/* LPM tries get room beyond the compiled prefixes for later updates. */
#define SL_PREFIX_HEADROOM 1024

struct sl_attachment {
	char ifname[IF_NAMESIZE];
	int ifindex;
	int link_fd;
	bool link_pinned;
};

struct sl_fw {
	struct sluice *skel;
	struct sl_attachment att[SL_MAX_IFACES];
	size_t n_att;
	char pin_dir[256];
	bool maps_pinned;
	struct sl_fw_placed placed[4]; /* one per entry of placed_maps */
	size_t n_placed;
	/* Maps taken over from a live instance or from pins (sl_fw_opts). */
	const struct bpf_map *reused[32];
	size_t n_reused;
	bool filled_elsewhere; /* every policy map was reused: nothing to fill */
	/* While sl_fw_refill runs: the tables the maps hold, for the trie's diff. */
	const struct sl_tables *refill_old;
	/*
	 * What sl_fw_map_fd answers for each shared map: fds of our own
	 * (dups), handed from generation to generation by sl_fw_switch, so
	 * that a reader given one (logger, workers, metrics) keeps a valid fd
	 * whatever generation runs. Closed by the instance that owns them.
	 */
	int shared_fd[SL_FW_SHARED_MAPS];
	bool owns_shared;
};

/*
 * The maps one generation hands to the next (fw.h): counters, the event
 * ring and log state, and the maps of state that userspace fills at run
 * time. A map added to xdp/maps.h that keeps state across policy changes
 * belongs here.
 */
static const char *const shared_maps[SL_FW_SHARED_MAPS] = {
	"sl_rule_stats", "sl_verdicts",	 "sl_reasons",	    "sl_events",
	"sl_log_state",	 "sl_log_stats", "sl_logger_stats", "sl_steer_stats",
	"sl_iface_stats",
	/* The workers' sockets: a new generation steers to them at once. */
	"sl_xsks",
	/* The inspect stage's verdicts on flows. */
	"sl_flowcache",
	/* Inline forward's counters (the pairs themselves are config: per generation). */
	"sl_inline_stats",
};

static int shared_index(const char *name)
{
	int i;

	for (i = 0; i < SL_FW_SHARED_MAPS; i++)
		if (!strcmp(shared_maps[i], name))
			return i;
	return -1;
}

/*
 * The stable fds of the shared maps: dups of a fresh instance's (it owns
 * them), or the live instance's numbers for a new generation (owned once
 * sl_fw_switch hands them over).
 */
static int init_shared_fds(struct sl_fw *fw, const struct sl_fw *share)
{
	int i;

	for (i = 0; i < SL_FW_SHARED_MAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(fw->skel->obj, shared_maps[i]);

		fw->shared_fd[i] = -1;
		if (!map)
			continue;
		if (share && share->shared_fd[i] >= 0) {
			fw->shared_fd[i] = share->shared_fd[i];
			continue;
		}
		fw->shared_fd[i] = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3);
		if (fw->shared_fd[i] < 0)
			return -errno;
	}
	fw->owns_shared = !share;
	return 0;
}

static void close_shared_fds(struct sl_fw *fw)
{
	int i;

	for (i = 0; i < SL_FW_SHARED_MAPS && fw->owns_shared; i++)
		if (fw->shared_fd[i] >= 0)
			close(fw->shared_fd[i]);
	fw->owns_shared = false;
}

bool sl_fw_map_is_shared(const char *name)
{
	return shared_index(name) >= 0;
}

static bool is_reused(const struct sl_fw *fw, const struct bpf_map *map)
{
	size_t i;

	for (i = 0; i < fw->n_reused; i++)
		if (fw->reused[i] == map)
			return true;
	return false;
}


/*
 * Writes count consecutive array entries starting at key 0. Uses one
 * batch call where the kernel has it, else one update per entry.
 */
static int fill_array(int fd, const void *values, size_t value_size, uint32_t count)
{
	uint32_t *keys;
	uint32_t i, n = count;
	int err;

	if (!count)
		return 0;
	keys = malloc(sizeof(*keys) * count);
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < count; i++)
		keys[i] = i;
	err = bpf_map_update_batch(fd, keys, values, &n, NULL);
	if (err && (err == -EINVAL || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */)) {
		err = 0;
		for (i = 0; i < count && !err; i++)
			err = bpf_map_update_elem(fd, &i, (const char *)values + (size_t)i * value_size,
						  BPF_ANY);
	}
	free(keys);
	return err;
}

/* Entries per batch call into an LPM trie: bounds the key and value copies. */
#define SL_LPM_BATCH 65536

/*
 * Inserts count trie entries (a key then a __u32 value each). Batched
 * where the kernel has batch updates for tries (one system call per
 * SL_LPM_BATCH entries instead of one per entry: a million-prefix set
 * spends most of its load in system calls otherwise), else one by one.
 */
static int fill_lpm(int fd, const void *entries, size_t entry_size, size_t key_size, size_t count)
{
	size_t i, done = 0, chunk = count < SL_LPM_BATCH ? count : SL_LPM_BATCH;
	char *keys = NULL;
	uint32_t *vals = NULL;
	int err = 0;

	if (!count)
		return 0;
	keys = malloc(chunk * key_size);
	vals = malloc(chunk * sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (done < count) {
		size_t n = count - done < chunk ? count - done : chunk;
		uint32_t todo = (uint32_t)n;

		for (i = 0; i < n; i++) {
			const char *e = (const char *)entries + (done + i) * entry_size;

			memcpy(keys + i * key_size, e, key_size);
			memcpy(&vals[i], e + key_size, sizeof(vals[i]));
		}
		err = bpf_map_update_batch(fd, keys, vals, &todo, NULL);
		if (err == -EINVAL || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */)
			break; /* no batch for tries here: one by one below */
		if (err)
			goto out;
		done += n;
	}
	for (err = 0; done < count; done++) {
		const char *e = (const char *)entries + done * entry_size;

		err = bpf_map_update_elem(fd, e, e + key_size, BPF_ANY);
		if (err)
			break;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/*
 * Writes count __u32 values at keys 0..count-1 of a fresh mmapable array
 * through its memory: each value sits at the start of an 8-byte element
 * (array maps round values up to 8 bytes). -EOPNOTSUPP when the map is
 * not mmapable (pins of an older build): the caller falls back to updates.
 */
static int fill_array_mmap_u32(struct bpf_map *map, const uint32_t *values, uint32_t count)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len, stride = ((size_t)bpf_map__value_size(map) + 7) / 8 * 8, i;
	char *mem;

	if (!(bpf_map__map_flags(map) & BPF_F_MMAPABLE) || bpf_map__value_size(map) != sizeof(*values) ||
	    count > bpf_map__max_entries(map))
		return -EOPNOTSUPP;
	len = ((size_t)bpf_map__max_entries(map) * stride + page - 1) / page * page;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	if (mem == MAP_FAILED)
		return -EOPNOTSUPP;
	for (i = 0; i < count; i++)
		memcpy(mem + i * stride, &values[i], sizeof(values[i]));
	munmap(mem, len);
	return 0;
}

/* The summary of each class bitmap: which of its words are non-zero. */
static int fill_class_sum(int fd, const struct sl_tables *t)
{
	uint64_t *sum = calloc(t->n_class_bits ? t->n_class_bits : 1, sizeof(*sum));
	uint32_t c, i;
	int err;

	if (!sum)
		return -ENOMEM;
	for (c = 0; c < t->n_class_bits; c++)
		for (i = 0; i < SL_RULE_WORDS; i++)
			if (t->class_bits[c].w[i])
				sum[c] |= 1ULL << i;
	err = fill_array(fd, sum, sizeof(*sum), t->n_class_bits);
	free(sum);
	return err;
}

/* Maps an mmapable array map for writing; a DIR table is a u32 array there (abi.h). */
static uint32_t *map_array(struct bpf_map *map, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *mem;

	*len = ((size_t)bpf_map__max_entries(map) * bpf_map__value_size(map) + page - 1) / page * page;
	mem = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	return mem == MAP_FAILED ? NULL : mem;
}

/* Writes the IPv4 DIR-24-8 table straight into the maps' memory. */
static int fill_dir24(struct sl_fw *fw, const struct sl_tables *t)
{
	size_t len24 = 0, len8 = 0;
	uint32_t *tbl24, *tbl8;
	int err;

	if (!(t->prog_cfg.flags & SL_CFG_IP4_TABLE))
		return 0;
	tbl24 = map_array(fw->skel->maps.sl_dir24, &len24);
	tbl8 = map_array(fw->skel->maps.sl_dir8, &len8);
	if (!tbl24 || !tbl8)
		err = -errno;
	else
		err = sl_dir24_build(t->pfx4, t->n_pfx4, t->prog_cfg.addr_default_class, tbl24, tbl8,
				     bpf_map__max_entries(fw->skel->maps.sl_dir8) * SL_DIR_PER_ELEM /
					     SL_DIR8_GROUP);
	if (tbl24)
		munmap(tbl24, len24);
	if (tbl8)
		munmap(tbl8, len8);
	return err;
}

/*
 * One port of an inline pair: its peer in sl_peers, its sockets' offset
 * in sl_xsk_base (docs/dataplane.md). A veth peer refuses redirects
 * (EOPNOTSUPP) unless the veth at its other end has an XDP program or
 * GRO on, which the message says.
 */
static int fill_inline(struct sl_fw *fw, const struct sl_inline_entry *e, struct sl_diag *diag)
{
	uint32_t ifindex = if_nametoindex(e->name), peer = if_nametoindex(e->peer);
	int err;

	if (!ifindex || !peer) {
		sl_diagf(diag, "inline pair %s - %s: interface %s does not exist", e->name, e->peer,
			 ifindex ? e->peer : e->name);
		return -ENODEV;
	}
	err = bpf_map_update_elem(bpf_map__fd(fw->skel->maps.sl_peers), &ifindex, &peer, BPF_ANY);
	if (err) {
		sl_diagf(diag, "inline pair: cannot make %s the peer of %s in sl_peers: %s%s", e->peer,
			 e->name, strerror(-err),
			 err == -EOPNOTSUPP ? " (a veth takes redirects only when the veth at its other "
					      "end has an XDP program or GRO on)"
					    : "");
		return err;
	}
	if (!e->xsk_base)
		return 0;
	err = bpf_map_update_elem(bpf_map__fd(fw->skel->maps.sl_xsk_base), &ifindex, &e->xsk_base,
				  BPF_ANY);
	if (err)
		sl_diagf(diag, "cannot fill map sl_xsk_base: %s", strerror(-err));
	return err;
}

/* The order of sl_compile's IPv6 prefixes: address, then length. */
static int pfx6_cmp(const struct sl_pfx6_entry *a, const struct sl_pfx6_entry *b)
{
	int c = memcmp(a->key.addr, b->key.addr, sizeof(a->key.addr));

	if (c)
		return c;
	return a->key.prefixlen < b->key.prefixlen ? -1 : a->key.prefixlen > b->key.prefixlen;
}

static bool pfx6_sorted(const struct sl_pfx6_entry *e, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (pfx6_cmp(&e[i - 1], &e[i]) >= 0)
			return false;
	return true;
}

/* Deletes trie keys: batched where the kernel can, else one by one. */
static int delete_keys(int fd, const void *keys, size_t key_size, size_t count)
{
	size_t i;
	uint32_t n = (uint32_t)count;
	int err;

	if (!count)
		return 0;
	err = bpf_map_delete_batch(fd, keys, &n, NULL);
	if (err != -EINVAL && err != -EOPNOTSUPP && err != -524 /* ENOTSUPP */)
		return err;
	for (i = 0; i < count; i++)
		if (bpf_map_delete_elem(fd, (const char *)keys + i * key_size) && errno != ENOENT)
			return -errno;
	return 0;
}

/*
 * sl_pfx6 from t. A fresh trie gets every entry; a refilled one
 * (sl_fw_refill) only the difference from the tables it holds: the keys
 * t lacks deleted, the new or changed ones written. Both lists are in
 * sl_compile's order, so the difference is one merge.
 */
static int fill_pfx6(struct sl_fw *fw, const struct sl_tables *t)
{
	int fd = bpf_map__fd(fw->skel->maps.sl_pfx6);
	const struct sl_tables *old = fw->refill_old;
	struct sl_pfx6_entry *put = NULL;
	struct sl_lpm6_key *del = NULL;
	size_t i = 0, j = 0, n_put = 0, n_del = 0;
	int err;

	if (!old)
		return fill_lpm(fd, t->pfx6, sizeof(t->pfx6[0]), sizeof(t->pfx6[0].key), t->n_pfx6);
	put = malloc((t->n_pfx6 ? t->n_pfx6 : 1) * sizeof(*put));
	del = malloc((old->n_pfx6 ? old->n_pfx6 : 1) * sizeof(*del));
	if (!put || !del) {
		err = -ENOMEM;
		goto out;
	}
	if (!pfx6_sorted(old->pfx6, old->n_pfx6) || !pfx6_sorted(t->pfx6, t->n_pfx6)) {
		/* Not in order (never from sl_compile): everything out, everything in. */
		for (i = 0; i < old->n_pfx6; i++)
			del[n_del++] = old->pfx6[i].key;
		memcpy(put, t->pfx6, t->n_pfx6 * sizeof(*put));
		n_put = t->n_pfx6;
	} else {
		while (i < old->n_pfx6 || j < t->n_pfx6) {
			int c = i == old->n_pfx6 ? 1
				: j == t->n_pfx6 ? -1
						 : pfx6_cmp(&old->pfx6[i], &t->pfx6[j]);

			if (c < 0) {
				del[n_del++] = old->pfx6[i++].key;
			} else if (c > 0) {
				put[n_put++] = t->pfx6[j++];
			} else {
				if (old->pfx6[i].addr_class != t->pfx6[j].addr_class)
					put[n_put++] = t->pfx6[j];
				i++;
				j++;
			}
		}
	}
	/* Deletions first: the trie never holds more than t's entries. */
	err = delete_keys(fd, del, sizeof(*del), n_del);
	if (!err)
		err = fill_lpm(fd, put, sizeof(*put), sizeof(put->key), n_put);
out:
	free(put);
	free(del);
	return err;
}

static int fill_maps(struct sl_fw *fw, const struct sl_tables *t, struct sl_diag *diag)
{
	typeof(fw->skel->maps) *m = &fw->skel->maps;
	const char *what;
	size_t i;
	int err;

	what = "sl_field_class";
	err = fill_array_mmap_u32(m->sl_field_class, t->field_class, SL_FIELD_INDEX_SIZE);
	if (err == -EOPNOTSUPP)
		err = fill_array(bpf_map__fd(m->sl_field_class), t->field_class,
				 sizeof(t->field_class[0]), SL_FIELD_INDEX_SIZE);
	if (err)
		goto fail;
	what = "sl_class_bits";
	err = fill_array(bpf_map__fd(m->sl_class_bits), t->class_bits, sizeof(t->class_bits[0]),
			 t->n_class_bits);
	if (err)
		goto fail;
	what = "sl_class_sum";
	err = fill_class_sum(bpf_map__fd(m->sl_class_sum), t);
	if (err)
		goto fail;
	what = "sl_addr_class";
	err = fill_array(bpf_map__fd(m->sl_addr_class), t->addr_classes, sizeof(t->addr_classes[0]),
			 t->n_addr_classes);
	if (err)
		goto fail;
	what = "sl_rules";
	err = fill_array(bpf_map__fd(m->sl_rules), t->rules, sizeof(t->rules[0]), t->n_rules);
	if (err)
		goto fail;
	what = "sl_rule_meta";
	err = fill_array(bpf_map__fd(m->sl_rule_meta), t->meta, sizeof(t->meta[0]), t->n_rules);
	if (err)
		goto fail;
	what = "sl_dir24";
	err = fill_dir24(fw, t);
	if (err)
		goto fail;
	what = "sl_pfx6";
	err = fill_pfx6(fw, t);
	if (err)
		goto fail;

	for (i = 0; i < t->n_ifaces; i++) {
		uint32_t ifindex = if_nametoindex(t->ifaces[i].name);

		if (!ifindex) {
			sl_diagf(diag, "interface %s named by a rule does not exist", t->ifaces[i].name);
			return -ENODEV;
		}
		err = bpf_map_update_elem(bpf_map__fd(m->sl_iface_class), &ifindex, &t->ifaces[i].class_id,
					  BPF_ANY);
		if (err) {
			what = "sl_iface_class";
			goto fail;
		}
	}
	for (i = 0; i < t->n_inline; i++) {
		err = fill_inline(fw, &t->inline_ports[i], diag);
		if (err)
			return err;
	}
	return 0;
fail:
	sl_diagf(diag, "cannot fill map %s: %s", what, strerror(-err));
	return err;
}

/*
 * The IPv4 table takes 64 MiB when some rule uses IPv4 prefixes, one
 * entry otherwise; sl_dir8 gets the groups the prefixes need and a
 * quarter more (at least 16, 1 KiB each), so that a later change adding
 * prefixes longer than /24 can still refill this instance (sl_fw_refill).
 */
static int size_dir24(struct sl_fw *fw, const struct sl_tables *t)
{
	size_t groups = 1;
	int err;

	if (t->prog_cfg.flags & SL_CFG_IP4_TABLE) {
		groups = sl_dir24_groups(t->pfx4, t->n_pfx4);
		if (groups == SIZE_MAX)
			return -ENOMEM;
		groups += groups / 4 + 16;
	} else {
		err = bpf_map__set_max_entries(fw->skel->maps.sl_dir24, 1);
		if (err)
			return err;
	}
	if (groups > UINT32_MAX / SL_DIR8_GROUP)
		return -E2BIG;
	return bpf_map__set_max_entries(fw->skel->maps.sl_dir8,
					(uint32_t)groups * (SL_DIR8_GROUP / SL_DIR_PER_ELEM));
}

/* The large maps and the memory pool that places each. */
static const struct {
	enum sl_pool_id pool;
	const char *map;
} placed_maps[] = {
	{SL_POOL_PREFIX_TABLES, "sl_dir24"},
	{SL_POOL_PREFIX_TABLES, "sl_dir8"},
	{SL_POOL_PREFIX_TABLES, "sl_pfx6"},
	{SL_POOL_RULE_TABLES, "sl_class_bits"},
};

_Static_assert(sizeof(placed_maps) / sizeof(placed_maps[0]) ==
		       sizeof(((struct sl_fw *)0)->placed) / sizeof(((struct sl_fw *)0)->placed[0]),
	       "one placement record per placed map");

static int place_maps(struct sl_fw *fw, const struct sl_fw_opts *o, struct sl_diag *diag)
{
	uint64_t resolved[SL_POOL_COUNT] = {0};
	bool pool_fell_back[SL_POOL_COUNT] = {0};
	size_t i;
	bool fell_back;
	int err, node;

	if (!o || !o->topo || !o->memory)
		return 0;
	for (i = 0; i < sizeof(placed_maps) / sizeof(placed_maps[0]); i++) {
		enum sl_pool_id pool = placed_maps[i].pool;
		const struct sl_pool_cfg *pc = &o->memory->pools[pool];
		struct bpf_map *map = bpf_object__find_map_by_name(fw->skel->obj, placed_maps[i].map);
		struct sl_tier_req req = pc->tier;

		if (!pc->set || !map)
			continue;
		/* The pool's first map resolves (and warns once); the rest follow it. */
		if (resolved[pool]) {
			req.kind = SL_TIER_NODES;
			req.nodes = resolved[pool];
		}
		err = sl_tier_map_node(map, o->topo, &req, o->memory->strict, &node, &fell_back, diag);
		if (err)
			return err;
		/* Only the pool's first map resolves: it says whether the pool fell back. */
		if (!resolved[pool])
			pool_fell_back[pool] = fell_back;
		fw->placed[fw->n_placed] = (struct sl_fw_placed){ placed_maps[i].map, pool, node,
								 pool_fell_back[pool] };
		fw->n_placed++;
		resolved[pool] = 1ULL << node;
		pr_debug("%s (%s): tier %s -> node %d\n", placed_maps[i].map, sl_pool_name(pool),
			 sl_tier_kind_name(pc->tier.kind), node);
	}
	return 0;
}

int sl_fw_placed_map(const struct sl_fw *fw, size_t i, struct sl_fw_placed *out)
{
	if (i >= fw->n_placed)
		return -ENOENT;
	*out = fw->placed[i];
	return 0;
}

int sl_fw_map_node(const struct sl_fw *fw, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(fw->skel->obj, name);

	return map && (bpf_map__map_flags(map) & BPF_F_NUMA_NODE) ? (int)bpf_map__numa_node(map) : -1;
}

static int pin_path(char *buf, size_t size, const char *dir, const char *prefix, const char *name)
{
	int n = snprintf(buf, size, "%s/%s%s", dir, prefix, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * Whether the pinned map fd (at path) has the shape this build declares
 * for map: bpf_map__reuse_fd takes the pinned map's type and sizes, so a
 * map that changed shape between builds (sl_iface_stats was a per-CPU
 * array before it was an LRU hash) would load under a program that
 * misreads it, or fail in the verifier without a word of why. The number
 * of entries and the flags may differ (sized per policy; older pins).
 */
static int check_pinned_shape(const struct bpf_map *map, int fd, const char *path,
			      struct sl_diag *diag)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		sl_diagf(diag, "cannot inspect the pinned map %s: %s", path, strerror(-err));
		return err;
	}
	if (info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
	    info.value_size == bpf_map__value_size(map))
		return 0;
	sl_diagf(diag,
		 "the pinned map %s is a %s with %u-byte keys and %u-byte values, this sluiced "
		 "wants a %s with %u-byte keys and %u-byte values: pinned by an incompatible "
		 "build (end it with its own sluiced --detach, or remove the pins)",
		 path, libbpf_bpf_map_type_str(info.type) ?: "map", info.key_size, info.value_size,
		 libbpf_bpf_map_type_str(bpf_map__type(map)) ?: "map", bpf_map__key_size(map),
		 bpf_map__value_size(map));
	return -EPROTO;
}

/*
 * Points the maps that a new generation or an adopting sluiced takes over
 * at the existing ones, before the load. bpf_map__reuse_fd takes the
 * existing map's type and sizes, so the sizing above does not matter for
 * them.
 */
static int reuse_maps(struct sl_fw *fw, const struct sl_fw_opts *o, struct sl_diag *diag)
{
	struct bpf_map *map;
	char path[512];

	if (!o || (!o->share && !o->reuse_dir))
		return 0;
	bpf_object__for_each_map(map, fw->skel->obj) {
		const char *name = bpf_map__name(map);
		bool shared = sl_fw_map_is_shared(name);
		int fd, err;

		if (bpf_map__is_internal(map))
			continue;
		if (o->share) {
			if (!shared)
				continue;
			fd = sl_fw_map_fd(o->share, name);
			if (fd < 0) {
				sl_diagf(diag, "the live instance has no map %s", name);
				return fd;
			}
			err = bpf_map__reuse_fd(map, fd);
		} else {
			if (!shared && !o->reuse_policy)
				continue;
			err = pin_path(path, sizeof(path), o->reuse_dir, "", name);
			if (err)
				return err;
			fd = bpf_obj_get(path);
			if (fd < 0 && errno == ENOENT && shared && !o->reuse_policy) {
				/* A map this sluiced has and the previous one did not: a new one. */
				pr_info("%s is not pinned: it starts empty\n", name);
				continue;
			}
			if (fd < 0) {
				err = -errno;
				sl_diagf(diag, "cannot open the pinned map %s: %s", path, strerror(-err));
				return err;
			}
			err = check_pinned_shape(map, fd, path, diag);
			if (!err)
				err = bpf_map__reuse_fd(map, fd);
			close(fd);
			if (err == -EPROTO)
				return err;
		}
		if (err) {
			sl_diagf(diag, "cannot take over map %s: %s", name, strerror(-err));
			return err;
		}
		if (fw->n_reused >= sizeof(fw->reused) / sizeof(fw->reused[0]))
			return -E2BIG;
		fw->reused[fw->n_reused++] = map;
	}
	fw->filled_elsewhere = !o->share && o->reuse_policy;
	return 0;
}

/*
 * The rodata a program is loaded with for tables t: t's prog_cfg with the
 * values the program cannot observe made canonical, so that tables that
 * differ only in their contents load the same program and a spare
 * instance can take them (sl_fw_refill). n_rules is rounded up to whole
 * bitmap words when some dimension is used: the candidates are then an
 * AND of class bitmaps, none of which has a bit at or beyond t's rule
 * count, so the walk's bound is never what stops it. (With no dimension
 * used every bit is a candidate and the bound is exact.) The default
 * classes of dimensions no rule uses are never read and are zero.
 */
static void prog_cfg_of(const struct sl_tables *t, struct sl_prog_cfg *c)
{
	*c = t->prog_cfg;
	if (c->dims_used)
		c->n_rules = c->rule_words * 64;
	if (!(c->dims_used & (1u << SL_DIM_IFACE)))
		c->iface_default_class = 0;
	if (!(c->dims_used & (1u << SL_DIM_SRC | 1u << SL_DIM_DST)))
		c->addr_default_class = 0;
	c->pad = 0;
}

/* Sets count entries of an array map from key first on to zeros. */
static int zero_array(int fd, size_t value_size, uint32_t first, uint32_t count)
{
	uint32_t *keys, i, n = count;
	void *zero;
	int err;

	if (!count)
		return 0;
	keys = malloc(sizeof(*keys) * count);
	zero = calloc(count, (value_size + 7) / 8 * 8);
	if (!keys || !zero) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++)
		keys[i] = first + i;
	err = bpf_map_update_batch(fd, keys, zero, &n, NULL);
	if (err == -EINVAL || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */)
		for (err = 0, i = 0; i < count && !err; i++)
			if (bpf_map_update_elem(fd, &keys[i], zero, BPF_ANY))
				err = -errno;
out:
	free(keys);
	free(zero);
	return err;
}

/* Deletes every key of a hash-like map. */
static int clear_keys(int fd, size_t key_size)
{
	char key[256];

	if (key_size > sizeof(key))
		return -E2BIG;
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

static int zero_percpu(int fd, uint32_t key, size_t value_size);

/*
 * How refilling treats each policy map. Every map of the program that is
 * neither shared nor internal must be named here or be of a type that
 * can be emptied generically; otherwise the instance cannot be refilled.
 */
enum refill_kind {
	RF_SKIP,      /* rewritten whole by fill_maps, or not policy */
	RF_TAIL,      /* an array fill_maps writes from key 0: zero what it leaves */
	RF_ARRAY,     /* an array of another kind: zero every entry */
	RF_PERCPU,    /* a per-CPU scratch array: zero every entry */
	RF_KEYS,      /* a hash-like map: delete every key */
	RF_UNKNOWN,
};

static enum refill_kind refill_kind(const struct bpf_map *map, const struct sl_tables *old,
				    const struct sl_tables *t, uint32_t *from, uint32_t *to)
{
	const char *name = bpf_map__name(map);
	uint32_t o = 0, n = 0;

	if (bpf_map__is_internal(map) || sl_fw_map_is_shared(name) || !strcmp(name, "sl_generation") ||
	    !strcmp(name, "sl_field_class") || !strcmp(name, "sl_dir24") ||
	    !strcmp(name, "sl_dir8") || !strcmp(name, "sl_pfx6"))
		return RF_SKIP; /* dir8: the groups a new dir24 uses are rewritten whole */
	if (!strcmp(name, "sl_class_bits") || !strcmp(name, "sl_class_sum")) {
		o = old->n_class_bits;
		n = t->n_class_bits;
	} else if (!strcmp(name, "sl_addr_class")) {
		o = old->n_addr_classes;
		n = t->n_addr_classes;
	} else if (!strcmp(name, "sl_rules") || !strcmp(name, "sl_rule_meta")) {
		o = old->n_rules;
		n = t->n_rules;
	} else {
		switch (bpf_map__type(map)) {
		case BPF_MAP_TYPE_ARRAY:
			return RF_ARRAY;
		case BPF_MAP_TYPE_PERCPU_ARRAY:
			return RF_PERCPU;
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_LRU_HASH:
		case BPF_MAP_TYPE_DEVMAP_HASH:
			return RF_KEYS;
		default:
			return RF_UNKNOWN;
		}
	}
	*from = n;
	*to = o > n ? o : n;
	return RF_TAIL;
}

int sl_fw_refill(struct sl_fw *fw, const struct sl_tables *old, const struct sl_tables *t,
		 struct sl_diag *diag)
{
	struct sl_prog_cfg want;
	struct bpf_map *map;
	uint32_t from = 0, to = 0, k;
	int err;

	if (!fw || !old || fw->n_att || fw->maps_pinned || fw->filled_elsewhere)
		return -EAGAIN;
	prog_cfg_of(t, &want);
	if (memcmp(&want, (const void *)&fw->skel->rodata->sl_cfg, sizeof(want)))
		return -EAGAIN;
	if (t->n_pfx6 > bpf_map__max_entries(fw->skel->maps.sl_pfx6))
		return -EAGAIN;
	if (want.flags & SL_CFG_IP4_TABLE) {
		size_t groups = sl_dir24_groups(t->pfx4, t->n_pfx4);

		if (groups == SIZE_MAX)
			return -ENOMEM;
		if (groups > (size_t)bpf_map__max_entries(fw->skel->maps.sl_dir8) * SL_DIR_PER_ELEM /
				     SL_DIR8_GROUP)
			return -EAGAIN;
	}
	/* Every map is understood before any is touched. */
	bpf_object__for_each_map(map, fw->skel->obj)
		if (refill_kind(map, old, t, &from, &to) == RF_UNKNOWN)
			return -EAGAIN;
	/* Now the maps become what a fresh load's are before fill_maps. */
	bpf_object__for_each_map(map, fw->skel->obj) {
		int fd = bpf_map__fd(map);

		err = 0;
		switch (refill_kind(map, old, t, &from, &to)) {
		case RF_TAIL:
			err = zero_array(fd, bpf_map__value_size(map), from, to - from);
			break;
		case RF_ARRAY:
			err = zero_array(fd, bpf_map__value_size(map), 0, bpf_map__max_entries(map));
			break;
		case RF_PERCPU:
			for (k = 0; k < bpf_map__max_entries(map) && !err; k++)
				err = zero_percpu(fd, k, bpf_map__value_size(map));
			break;
		case RF_KEYS:
			err = clear_keys(fd, bpf_map__key_size(map));
			break;
		default:
			break;
		}
		if (err) {
			sl_diagf(diag, "cannot empty map %s for new tables: %s", bpf_map__name(map),
				 strerror(-err));
			return err;
		}
	}
	fw->refill_old = old;
	err = fill_maps(fw, t, diag);
	fw->refill_old = NULL;
	return err;
}

int sl_fw_load(const struct sl_tables *t, struct sl_fw **out, struct sl_diag *diag)
{
	return sl_fw_load_opts(t, NULL, out, diag);
}

int sl_fw_load_opts(const struct sl_tables *t, const struct sl_fw_opts *opts, struct sl_fw **out,
		    struct sl_diag *diag)
{
	struct sl_fw *fw;
	int err;

	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->skel = sluice__open();
	if (!fw->skel) {
		err = -errno;
		sl_diagf(diag, "cannot open the XDP program: %s", strerror(-err));
		goto fail;
	}
	prog_cfg_of(t, (struct sl_prog_cfg *)&fw->skel->rodata->sl_cfg);
	err = size_dir24(fw, t);
	if (!err)
		err = bpf_map__set_max_entries(fw->skel->maps.sl_pfx6, t->n_pfx6 + SL_PREFIX_HEADROOM);
	/* The event ring is locked memory: a page when no rule logs. */
	if (!err)
		err = bpf_map__set_max_entries(fw->skel->maps.sl_events,
					       (t->prog_cfg.flags & SL_CFG_LOG) && t->event_ring_bytes
						       ? t->event_ring_bytes
						       : (uint32_t)sysconf(_SC_PAGESIZE));
	if (err) {
		sl_diagf(diag, "cannot size the prefix tables: %s", strerror(-err));
		goto fail;
	}
	err = place_maps(fw, opts, diag);
	if (err)
		goto fail;
	err = reuse_maps(fw, opts, diag);
	if (err)
		goto fail;
	err = sluice__load(fw->skel);
	if (err) {
		sl_diagf(diag, "the kernel refused the XDP program: %s%s", strerror(-err),
		      err == -EPERM ? " (run as root, with CAP_BPF and CAP_NET_ADMIN)" : "");
		goto fail;
	}
	err = init_shared_fds(fw, opts ? opts->share : NULL);
	if (err) {
		sl_diagf(diag, "cannot keep the shared maps: %s", strerror(-err));
		goto fail;
	}
	if (!fw->filled_elsewhere) {
		err = fill_maps(fw, t, diag);
		if (err)
			goto fail;
	}
	*out = fw;
	return 0;
fail:
	sl_fw_destroy(fw, false);
	return err;
}

int sl_fw_prog_fd(const struct sl_fw *fw)
{
	return bpf_program__fd(fw->skel->progs.sluice_xdp);
}

int sl_fw_map_fd(const struct sl_fw *fw, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(fw->skel->obj, name);
	int i = shared_index(name);

	if (map && i >= 0 && fw->shared_fd[i] >= 0)
		return fw->shared_fd[i];
	return map ? bpf_map__fd(map) : -ENOENT;
}

static int link_xdp(int prog_fd, int ifindex, uint32_t flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

int sl_fw_attach(struct sl_fw *fw, const char *ifname, enum sl_xdp_mode mode,
		 enum sl_xdp_mode *used, struct sl_diag *diag)
{
	struct sl_attachment *a;
	int ifindex, fd, prog_fd = sl_fw_prog_fd(fw);

	if (fw->n_att >= SL_MAX_IFACES) {
		sl_diagf(diag, "too many interfaces (at most %d)", SL_MAX_IFACES);
		return -E2BIG;
	}
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		sl_diagf(diag, "no interface named %s", ifname);
		return -ENODEV;
	}
	if (mode == SL_XDP_MODE_GENERIC) {
		fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
		*used = SL_XDP_MODE_GENERIC;
	} else {
		fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
		*used = SL_XDP_MODE_NATIVE_ONLY;
		if (fd < 0 && fd != -EBUSY && fd != -EEXIST && mode == SL_XDP_MODE_NATIVE) {
			pr_warn("%s: native XDP failed (%s), falling back to generic mode\n", ifname,
				strerror(-fd));
			fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
			*used = SL_XDP_MODE_GENERIC;
		}
	}
	if (fd < 0) {
		sl_diagf(diag, "cannot attach to %s: %s%s", ifname, strerror(-fd),
		      fd == -EBUSY || fd == -EEXIST
			      ? " (another XDP program is attached; a previous sluiced may have kept enforcing)"
			      : "");
		return fd;
	}
	a = &fw->att[fw->n_att++];
	memset(a, 0, sizeof(*a));
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->ifindex = ifindex;
	a->link_fd = fd;
	return 0;
}


/*
 * Pins fd as dir/name without a moment where the name is missing or
 * half-made: under a temporary name first (tmp_new_NAME: bpffs refuses
 * names with a dot), then rename(2) over the old pin (bpffs renames like
 * any file system). A temporary left by a crash is removed first.
 */
static int pin_replace(int fd, const char *dir, const char *prefix, const char *name,
		       struct sl_diag *diag)
{
	char path[512], tmp[512];
	int err;

	err = pin_path(path, sizeof(path), dir, prefix, name);
	if (!err && snprintf(tmp, sizeof(tmp), "%s/tmp_new_%s%s", dir, prefix, name) >= (int)sizeof(tmp))
		err = -ENAMETOOLONG;
	if (err) {
		sl_diagf(diag, "pin path under %s too long", dir);
		return err;
	}
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp)) {
		err = -errno;
		sl_diagf(diag, "cannot pin %s: %s", tmp, strerror(-err));
		return err;
	}
	if (rename(tmp, path)) {
		err = -errno;
		sl_diagf(diag, "cannot rename %s to %s: %s", tmp, path, strerror(-err));
		unlink(tmp);
		return err;
	}
	return 0;
}

static int pin_one_link(struct sl_fw *fw, struct sl_attachment *a, struct sl_diag *diag)
{
	int err = pin_replace(a->link_fd, fw->pin_dir, "link_", a->ifname, diag);

	if (!err)
		a->link_pinned = true;
	return err;
}

int sl_fw_pin(struct sl_fw *fw, const char *dir, bool links, struct sl_diag *diag)
{
	struct bpf_map *map, *gen = NULL;
	char path[512];
	size_t i;
	int err;

	if (snprintf(fw->pin_dir, sizeof(fw->pin_dir), "%s", dir) >= (int)sizeof(fw->pin_dir)) {
		sl_diagf(diag, "pin directory %s: name too long", dir);
		return -ENAMETOOLONG;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		sl_diagf(diag, "cannot create %s: %s (is bpffs mounted on /sys/fs/bpf?)", dir, strerror(-err));
		return err;
	}
	/* sl_generation last: a restarted sluiced trusts the pins only when it matches. */
	bpf_object__for_each_map(map, fw->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		if (!strcmp(bpf_map__name(map), "sl_generation")) {
			gen = map;
			continue;
		}
		/* A map taken over is already pinned as itself. */
		if (is_reused(fw, map) && !pin_path(path, sizeof(path), dir, "", bpf_map__name(map)) &&
		    !access(path, F_OK))
			continue;
		err = pin_replace(bpf_map__fd(map), dir, "", bpf_map__name(map), diag);
		if (err)
			return err;
	}
	if (gen) {
		err = pin_replace(bpf_map__fd(gen), dir, "", bpf_map__name(gen), diag);
		if (err)
			return err;
	}
	fw->maps_pinned = true;
	if (!links)
		return 0;
	for (i = 0; i < fw->n_att; i++) {
		if (fw->att[i].link_pinned)
			continue;
		err = pin_one_link(fw, &fw->att[i], diag);
		if (err)
			return err;
	}
	return 0;
}

static struct sl_attachment *find_att(struct sl_fw *fw, const char *ifname)
{
	size_t i;

	for (i = 0; i < fw->n_att; i++)
		if (!strcmp(fw->att[i].ifname, ifname))
			return &fw->att[i];
	return NULL;
}

int sl_fw_pin_link(struct sl_fw *fw, const char *ifname, struct sl_diag *diag)
{
	struct sl_attachment *a = find_att(fw, ifname);

	if (!a) {
		sl_diagf(diag, "not attached to %s", ifname);
		return -ENOENT;
	}
	if (!fw->pin_dir[0]) {
		sl_diagf(diag, "nothing is pinned yet");
		return -EINVAL;
	}
	return a->link_pinned ? 0 : pin_one_link(fw, a, diag);
}

int sl_fw_switch(struct sl_fw *old, struct sl_fw *new, struct sl_diag *diag)
{
	int nfd = sl_fw_prog_fd(new), ofd = sl_fw_prog_fd(old), err;
	size_t i, j;

	if (new->n_att) {
		sl_diagf(diag, "the new program is attached already");
		return -EBUSY;
	}
	for (i = 0; i < old->n_att; i++) {
		if (!bpf_link_update(old->att[i].link_fd, nfd, NULL))
			continue;
		err = -errno;
		sl_diagf(diag, "cannot switch %s to the new program: %s", old->att[i].ifname,
			 strerror(-err));
		/* Back to one generation everywhere. */
		for (j = 0; j < i; j++)
			if (bpf_link_update(old->att[j].link_fd, ofd, NULL))
				pr_warn("%s: cannot switch back to the old program: %s\n",
					old->att[j].ifname, strerror(errno));
		return err;
	}
	memcpy(new->att, old->att, sizeof(old->att[0]) * old->n_att);
	new->n_att = old->n_att;
	old->n_att = 0;
	/* The stable fds of the shared maps go with the program. */
	if (old->owns_shared && !memcmp(old->shared_fd, new->shared_fd, sizeof(old->shared_fd))) {
		old->owns_shared = false;
		new->owns_shared = true;
	}
	if (old->maps_pinned)
		snprintf(new->pin_dir, sizeof(new->pin_dir), "%s", old->pin_dir);
	/* The pins are new's now (sl_fw_pin replaces the map pins). */
	old->maps_pinned = false;
	return 0;
}

/* What a pinned link is: its id, program and interface. */
static int link_info(int fd, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

int sl_fw_adopt_links(struct sl_fw *fw, const char *dir, struct sl_diag *diag)
{
	uint32_t old_prog[SL_MAX_IFACES];
	int nfd = sl_fw_prog_fd(fw), err = 0;
	struct dirent *e;
	char path[512];
	size_t first = fw->n_att, i;
	DIR *d;

	if (snprintf(fw->pin_dir, sizeof(fw->pin_dir), "%s", dir) >= (int)sizeof(fw->pin_dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		struct bpf_link_info info;
		struct sl_attachment *a;
		int fd;

		if (strncmp(e->d_name, "link_", 5) || !e->d_name[5])
			continue;
		if (fw->n_att >= SL_MAX_IFACES || strlen(e->d_name + 5) >= IF_NAMESIZE) {
			err = -E2BIG;
			sl_diagf(diag, "%s/%s: too many or too long link pins", dir, e->d_name);
			break;
		}
		if (pin_path(path, sizeof(path), dir, "", e->d_name) || (fd = bpf_obj_get(path)) < 0) {
			err = -errno;
			sl_diagf(diag, "cannot open the pinned link %s: %s", path, strerror(-err));
			break;
		}
		err = link_info(fd, &info);
		if (!err && info.type != BPF_LINK_TYPE_XDP)
			err = -EINVAL;
		if (!err && bpf_link_update(fd, nfd, NULL))
			err = -errno;
		if (err) {
			sl_diagf(diag, "cannot take over the pinned link %s: %s", path, strerror(-err));
			close(fd);
			break;
		}
		old_prog[fw->n_att] = info.prog_id;
		a = &fw->att[fw->n_att++];
		memset(a, 0, sizeof(*a));
		snprintf(a->ifname, sizeof(a->ifname), "%s", e->d_name + 5);
		a->ifindex = (int)info.xdp.ifindex;
		a->link_fd = fd;
		a->link_pinned = true;
	}
	closedir(d);
	if (!err)
		return 0;
	/* Give back what was taken: the links run their old program again. */
	for (i = first; i < fw->n_att; i++) {
		int pfd = bpf_prog_get_fd_by_id(old_prog[i]);

		if (pfd < 0 || bpf_link_update(fw->att[i].link_fd, pfd, NULL))
			pr_warn("%s: cannot switch back to the program it ran: %s\n", fw->att[i].ifname,
				strerror(errno));
		if (pfd >= 0)
			close(pfd);
		/* Pinned: closing our fd leaves the link as it is. */
		close(fw->att[i].link_fd);
	}
	fw->n_att = first;
	return err;
}

int sl_fw_detach(struct sl_fw *fw, const char *ifname)
{
	struct sl_attachment *a = find_att(fw, ifname);
	char path[512];
	size_t i;

	if (!a)
		return -ENOENT;
	if (a->link_pinned && !pin_path(path, sizeof(path), fw->pin_dir, "link_", a->ifname))
		unlink(path);
	close(a->link_fd);
	i = (size_t)(a - fw->att);
	memmove(a, a + 1, sizeof(*a) * (fw->n_att - i - 1));
	fw->n_att--;
	return 0;
}

int sl_fw_attachment(const struct sl_fw *fw, size_t i, char ifname[IF_NAMESIZE], int *ifindex)
{
	if (i >= fw->n_att)
		return -ENOENT;
	snprintf(ifname, IF_NAMESIZE, "%s", fw->att[i].ifname);
	*ifindex = fw->att[i].ifindex;
	return 0;
}

#define MAX_PROG_MAPS 64

/* The ids and names of the maps a program uses. */
static int prog_maps(uint32_t prog_id, uint32_t *ids, char (*names)[BPF_OBJ_NAME_LEN], uint32_t *n)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	uint32_t i;
	int fd, err = 0;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = MAX_PROG_MAPS;
	info.map_ids = (__u64)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	close(fd);
	if (err)
		return err;
	*n = info.nr_map_ids < MAX_PROG_MAPS ? info.nr_map_ids : MAX_PROG_MAPS;
	for (i = 0; i < *n; i++) {
		struct bpf_map_info mi;
		__u32 mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		names[i][0] = '\0';
		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &mlen))
			snprintf(names[i], BPF_OBJ_NAME_LEN, "%s", mi.name);
		close(mfd);
	}
	return 0;
}

int sl_fw_inspect_pins(const char *dir, struct sl_fw_pinned *out)
{
	uint32_t ids[MAX_PROG_MAPS], n_ids = 0, prog = 0, i;
	char names[MAX_PROG_MAPS][BPF_OBJ_NAME_LEN];
	struct dirent *e;
	char path[512];
	int err = 0;
	DIR *d;

	memset(out, 0, sizeof(*out));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	out->consistent = true;
	/* First the links: they say which program enforces. */
	while ((e = readdir(d))) {
		struct bpf_link_info info;
		int fd;

		if (strncmp(e->d_name, "link_", 5))
			continue;
		if (pin_path(path, sizeof(path), dir, "", e->d_name) || (fd = bpf_obj_get(path)) < 0)
			continue;
		err = link_info(fd, &info);
		close(fd);
		if (err)
			break;
		out->n_links++;
		if (prog && info.prog_id != prog)
			out->consistent = false;
		prog = info.prog_id;
	}
	if (!err && prog)
		err = prog_maps(prog, ids, names, &n_ids);
	/* Then every pinned map the program uses by name must be the one it uses. */
	rewinddir(d);
	while (!err && (e = readdir(d))) {
		struct bpf_map_info mi;
		__u32 mlen = sizeof(mi);
		int fd;

		if (e->d_name[0] == '.' || !strncmp(e->d_name, "link_", 5) ||
		    !strncmp(e->d_name, "tmp_new_", 8))
			continue;
		if (pin_path(path, sizeof(path), dir, "", e->d_name) || (fd = bpf_obj_get(path)) < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen)) {
			close(fd);
			continue;
		}
		if (!strcmp(e->d_name, "sl_generation") && mi.value_size == sizeof(uint64_t) &&
		    mi.max_entries >= 2) {
			uint32_t k0 = 0, k1 = 1;

			out->has_generation = !bpf_map_lookup_elem(fd, &k0, &out->generation) &&
					      !bpf_map_lookup_elem(fd, &k1, &out->hash);
		}
		close(fd);
		for (i = 0; i < n_ids; i++)
			if (!strncmp(names[i], e->d_name, BPF_OBJ_NAME_LEN - 1) && ids[i] != mi.id)
				out->consistent = false;
	}
	closedir(d);
	if (!prog)
		out->consistent = false;
	return err;
}

int sl_fw_set_generation(struct sl_fw *fw, uint64_t generation, uint64_t hash)
{
	int fd = bpf_map__fd(fw->skel->maps.sl_generation);
	uint32_t k0 = 0, k1 = 1;

	if (bpf_map_update_elem(fd, &k0, &generation, BPF_ANY) ||
	    bpf_map_update_elem(fd, &k1, &hash, BPF_ANY))
		return -errno;
	return 0;
}

/* Writes zeros for every CPU into a per-CPU array entry. */
static int zero_percpu(int fd, uint32_t key, size_t value_size)
{
	int ncpu = libbpf_num_possible_cpus();
	void *zero;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	zero = calloc((size_t)ncpu, (value_size + 7) / 8 * 8);
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

int sl_fw_zero_slot(struct sl_fw *fw, uint32_t slot)
{
	int err;

	if (slot >= SL_MAX_RULES)
		return -ERANGE;
	err = zero_percpu(bpf_map__fd(fw->skel->maps.sl_rule_stats), slot, sizeof(struct sl_counter));
	if (!err)
		err = zero_percpu(bpf_map__fd(fw->skel->maps.sl_log_state), slot,
				  sizeof(struct sl_log_state));
	return err;
}

void sl_fw_destroy(struct sl_fw *fw, bool keep)
{
	char path[512];
	struct bpf_map *map;
	size_t i;

	if (!fw)
		return;
	for (i = 0; i < fw->n_att; i++) {
		struct sl_attachment *a = &fw->att[i];

		if (a->link_pinned && !keep &&
		    !pin_path(path, sizeof(path), fw->pin_dir, "link_", a->ifname))
			unlink(path);
		/* Without a pin, closing the last fd of the link detaches it. */
		close(a->link_fd);
	}
	if (fw->maps_pinned && !keep && fw->skel) {
		bpf_object__for_each_map(map, fw->skel->obj) {
			if (!bpf_map__is_internal(map) &&
			    !pin_path(path, sizeof(path), fw->pin_dir, "", bpf_map__name(map)))
				unlink(path);
		}
		rmdir(fw->pin_dir);
	}
	close_shared_fds(fw);
	sluice__destroy(fw->skel);
	free(fw);
}
