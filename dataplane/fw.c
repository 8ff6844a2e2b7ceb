/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "fw.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
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
};


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

/* The LPM trie has no batch update on every kernel: insert one by one. */
static int fill_lpm(int fd, const void *entries, size_t entry_size, size_t key_size, size_t count)
{
	size_t i;
	int err;

	for (i = 0; i < count; i++) {
		const char *e = (const char *)entries + i * entry_size;

		err = bpf_map_update_elem(fd, e, e + key_size, BPF_ANY);
		if (err)
			return err;
	}
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

static int fill_maps(struct sl_fw *fw, const struct sl_tables *t, struct sl_diag *diag)
{
	typeof(fw->skel->maps) *m = &fw->skel->maps;
	const char *what;
	size_t i;
	int err;

	what = "sl_field_class";
	err = fill_array(bpf_map__fd(m->sl_field_class), t->field_class, sizeof(t->field_class[0]),
			 SL_FIELD_INDEX_SIZE);
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
	err = fill_lpm(bpf_map__fd(m->sl_pfx6), t->pfx6, sizeof(t->pfx6[0]), sizeof(t->pfx6[0].key),
		       t->n_pfx6);
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
	return 0;
fail:
	sl_diagf(diag, "cannot fill map %s: %s", what, strerror(-err));
	return err;
}

/*
 * The IPv4 table takes 64 MiB when some rule uses IPv4 prefixes, one
 * entry otherwise; sl_dir8 gets exactly the groups the prefixes need.
 */
static int size_dir24(struct sl_fw *fw, const struct sl_tables *t)
{
	size_t groups = 1;
	int err;

	if (t->prog_cfg.flags & SL_CFG_IP4_TABLE) {
		groups = sl_dir24_groups(t->pfx4, t->n_pfx4);
		if (groups == SIZE_MAX)
			return -ENOMEM;
		if (!groups)
			groups = 1;
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
	fw->skel->rodata->sl_cfg = t->prog_cfg;
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
	err = sluice__load(fw->skel);
	if (err) {
		sl_diagf(diag, "the kernel refused the XDP program: %s%s", strerror(-err),
		      err == -EPERM ? " (run as root, with CAP_BPF and CAP_NET_ADMIN)" : "");
		goto fail;
	}
	err = fill_maps(fw, t, diag);
	if (err)
		goto fail;
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

static int pin_path(char *buf, size_t size, const char *dir, const char *prefix, const char *name)
{
	int n = snprintf(buf, size, "%s/%s%s", dir, prefix, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int sl_fw_pin(struct sl_fw *fw, const char *dir, bool links, struct sl_diag *diag)
{
	char path[512];
	struct bpf_map *map;
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
	bpf_object__for_each_map(map, fw->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		err = pin_path(path, sizeof(path), dir, "", bpf_map__name(map));
		if (!err)
			err = bpf_map__pin(map, path);
		if (err) {
			sl_diagf(diag, "cannot pin %s: %s%s", path, strerror(-err),
			      err == -EEXIST ? " (another sluiced owns this pin directory?)" : "");
			return err;
		}
	}
	fw->maps_pinned = true;
	if (!links)
		return 0;
	for (i = 0; i < fw->n_att; i++) {
		err = pin_path(path, sizeof(path), dir, "link_", fw->att[i].ifname);
		if (!err && bpf_obj_pin(fw->att[i].link_fd, path))
			err = -errno;
		if (err) {
			sl_diagf(diag, "cannot pin %s: %s", path, strerror(-err));
			return err;
		}
		fw->att[i].link_pinned = true;
	}
	return 0;
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
			if (!bpf_map__is_internal(map) && bpf_map__is_pinned(map))
				bpf_map__unpin(map, NULL);
		}
		rmdir(fw->pin_dir);
	}
	sluice__destroy(fw->skel);
	free(fw);
}
