/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sl_fw_refill (dataplane/fw.h): a loaded instance refilled from new
 * tables must hold exactly what a fresh load of those tables holds, map
 * by map, after any sequence of random edits (rules added and removed,
 * set elements changed, IPv4 and IPv6, class counts going up and down,
 * an interface class coming and going); and a refill the instance cannot
 * take (other rodata, tables larger than its maps) must say -EAGAIN and
 * change nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "control/compile.h"
#include "control/config.h"
#include "control/dir24.h"
#include "dataplane/fw.h"

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return n ? (uint32_t)((rng * 2685821657736338717ULL) >> 32) % n : 0;
}

struct text {
	char *buf;
	size_t cap, off;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (t->off >= t->cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(t->buf + t->off, t->cap - t->off, fmt, ap);
	va_end(ap);
	if (w > 0)
		t->off += (size_t)w;
}

/* A random prefix near the others, so that sets nest and overlap. */
static void put_prefix(struct text *t, bool v6)
{
	if (v6) {
		uint32_t len = 32 + rnd(97);

		put(t, "'2001:db8:%x:%x::/%u'", rnd(4), rnd(8) << 4, len < 64 ? 64 : len);
		return;
	}
	switch (rnd(4)) {
	case 0:
		put(t, "'198.18.0.0/%u'", 15 + rnd(10));
		break;
	case 1:
		put(t, "'198.18.%u.0/24'", rnd(64));
		break;
	default:
		put(t, "'198.18.%u.%u/32'", rnd(16), rnd(256));
		break;
	}
}

/*
 * A random policy. shape picks the rule count's word and the fields used:
 * edits within one shape load the same program, a new shape another.
 */
static char *random_policy(uint32_t shape)
{
	static const char *const actions[] = { "accept", "drop", "count" };
	struct text t = { .cap = 1 << 20 };
	uint32_t n_rules = (shape & 1 ? 64 : 0) + 20 + rnd(44), i, k, n;

	t.buf = malloc(t.cap);
	if (!t.buf)
		return NULL;
	put(&t, "version: 1\nsettings:\n  default_policy: %s\nsets:\n", shape & 2 ? "drop" : "accept");
	for (i = 0; i < 3; i++) {
		put(&t, "  - name: s%u\n    prefixes: [", i);
		n = rnd(i == 2 ? 300 : 40);
		for (k = 0; k < n; k++) {
			put(&t, "%s", k ? ", " : "");
			put_prefix(&t, rnd(3) == 0);
		}
		put(&t, "]\n");
	}
	put(&t, "rules:\n");
	for (i = 0; i < n_rules; i++) {
		put(&t, "  - name: r%u\n", i);
		/* Rule 0 names every field of the shape, so the fields used stay. */
		if (!i || rnd(2))
			put(&t, "    src: [s%u]\n", rnd(3));
		if (!i || rnd(3) == 0) {
			put(&t, "    dst: [s%u, ", rnd(3));
			put_prefix(&t, rnd(2));
			put(&t, "]\n");
		}
		/* Ports need a protocol with ports. */
		if (!i || rnd(2)) {
			put(&t, "    protocol: %s\n", rnd(2) ? "tcp" : "udp");
			if (!i || rnd(2))
				put(&t, "    dport: [%u, %u-%u]\n", rnd(2000), 3000 + rnd(100),
				    3100 + rnd(500));
		}
		if ((shape & 4) && (!i || rnd(8) == 0))
			put(&t, "    interface: lo\n");
		put(&t, "    action: %s\n", actions[rnd(3)]);
	}
	return t.buf;
}

static struct sl_tables *compile_policy(uint32_t shape)
{
	struct sl_diag diag = { { 0 } };
	struct sl_config *cfg = NULL;
	struct sl_tables *t = NULL;
	char *text = random_policy(shape);

	assert_non_null(text);
	if (sl_config_load_buffer(text, strlen(text), "refill", NULL, &cfg, &diag))
		fail_msg("random policy refused: %s\n%s", diag.msg, text);
	if (sl_compile(cfg, &t, &diag))
		fail_msg("random policy does not compile: %s", diag.msg);
	sl_config_free(cfg);
	free(text);
	return t;
}

static struct sl_fw *load(const struct sl_tables *t)
{
	struct sl_diag diag = { { 0 } };
	struct sl_fw *fw = NULL;
	int err = sl_fw_load(t, &fw, &diag);

	if (err == -EPERM) {
		print_message("no permission to load BPF programs: skipped\n");
		exit(77);
	}
	if (err)
		fail_msg("load: %s", diag.msg);
	return fw;
}

static struct bpf_map_info info_of(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info;
}

/* Compares the first len bytes of two mmapable maps. */
static void same_memory(const char *name, int fa, int fb, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t maplen = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	void *a, *b;

	if (!len)
		return;
	a = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fa, 0);
	b = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fb, 0);
	assert_true(a != MAP_FAILED && b != MAP_FAILED);
	if (memcmp(a, b, len))
		fail_msg("%s differs from a fresh load", name);
	munmap(a, maplen);
	munmap(b, maplen);
}

static void same_array(const char *name, int fa, int fb)
{
	struct bpf_map_info ia = info_of(fa), ib = info_of(fb);
	char va[256], vb[256];
	uint32_t k;

	assert_int_equal(ia.max_entries, ib.max_entries);
	assert_true(ia.value_size <= sizeof(va));
	if (ia.map_flags & BPF_F_MMAPABLE) {
		same_memory(name, fa, fb, (size_t)ia.max_entries * ((ia.value_size + 7) / 8 * 8));
		return;
	}
	for (k = 0; k < ia.max_entries; k++) {
		assert_int_equal(bpf_map_lookup_elem(fa, &k, va), 0);
		assert_int_equal(bpf_map_lookup_elem(fb, &k, vb), 0);
		if (memcmp(va, vb, ia.value_size))
			fail_msg("%s[%u] differs from a fresh load", name, k);
	}
}

/* Every key of a hash-like map or trie, sorted, with its value after it. */
static size_t dump_keys(int fd, char **out)
{
	struct bpf_map_info info = info_of(fd);
	size_t rec = info.key_size + info.value_size, n = 0, cap = 64;
	char key[64], next[64], *buf = malloc(cap * rec);
	void *prev = NULL;

	assert_non_null(buf);
	assert_true(info.key_size <= sizeof(key));
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap * rec);
			assert_non_null(buf);
		}
		memcpy(buf + n * rec, next, info.key_size);
		/* An exact key finds its own entry, in a trie too. */
		assert_int_equal(bpf_map_lookup_elem(fd, next, buf + n * rec + info.key_size), 0);
		n++;
		memcpy(key, next, info.key_size);
		prev = key;
	}
	*out = buf;
	return n;
}

static size_t g_rec;
static int cmp_rec(const void *a, const void *b)
{
	return memcmp(a, b, g_rec);
}

static void same_keys(const char *name, int fa, int fb)
{
	struct bpf_map_info info = info_of(fa);
	char *a, *b;
	size_t na = dump_keys(fa, &a), nb = dump_keys(fb, &b);

	g_rec = info.key_size + info.value_size;
	if (na != nb)
		fail_msg("%s holds %zu entries, a fresh load %zu", name, na, nb);
	qsort(a, na, g_rec, cmp_rec);
	qsort(b, nb, g_rec, cmp_rec);
	if (na && memcmp(a, b, na * g_rec))
		fail_msg("%s differs from a fresh load", name);
	free(a);
	free(b);
}

/* The policy maps of a (refilled) and b (fresh from t) hold the same. */
static void same_policy(const struct sl_fw *a, const struct sl_fw *b, const struct sl_tables *t)
{
	static const char *const arrays[] = { "sl_field_class", "sl_class_bits", "sl_class_sum",
					      "sl_addr_class",	"sl_rules",	 "sl_rule_meta",
					      "sl_dir24" };
	static const char *const keyed[] = { "sl_pfx6", "sl_iface_class", "sl_peers", "sl_xsk_base" };
	size_t i, groups;

	for (i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		same_array(arrays[i], sl_fw_map_fd(a, arrays[i]), sl_fw_map_fd(b, arrays[i]));
	for (i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++) {
		int fa = sl_fw_map_fd(a, keyed[i]), fb = sl_fw_map_fd(b, keyed[i]);

		if (fa >= 0 || fb >= 0)
			same_keys(keyed[i], fa, fb);
	}
	/* Groups past those the table uses are never read: only the used ones count. */
	groups = t->prog_cfg.flags & SL_CFG_IP4_TABLE ? sl_dir24_groups(t->pfx4, t->n_pfx4) : 0;
	same_memory("sl_dir8", sl_fw_map_fd(a, "sl_dir8"), sl_fw_map_fd(b, "sl_dir8"),
		    groups * SL_DIR8_GROUP * sizeof(uint32_t));
}

static void test_refill_equals_fresh_load(void **state)
{
	struct sl_tables *spare_t, *t;
	struct sl_fw *spare, *ref, *fresh;
	uint32_t step, shape = 0, refilled = 0, refused = 0;
	struct sl_diag diag = { { 0 } };
	int err;

	(void)state;
	rng = 0x5eed0f11ULL;
	spare_t = compile_policy(shape);
	spare = load(spare_t);
	ref = load(spare_t);
	for (step = 0; step < 24; step++) {
		/* Mostly edits within a shape; now and then another shape. */
		if (rnd(5) == 0)
			shape = rnd(8);
		t = compile_policy(shape);
		fresh = load(t);
		err = sl_fw_refill(spare, spare_t, t, &diag);
		if (err == -EAGAIN) {
			/* Refused: the spare is untouched, still what it held. */
			same_policy(spare, ref, spare_t);
			refused++;
			sl_fw_destroy(spare, false);
			spare = fresh;
			fresh = load(t);
		} else {
			if (err)
				fail_msg("step %u: refill failed: %s", step, diag.msg);
			same_policy(spare, fresh, t);
			refilled++;
		}
		sl_fw_destroy(ref, false);
		ref = fresh;
		sl_tables_free(spare_t);
		spare_t = t;
	}
	print_message("%u refills equal to fresh loads, %u refused\n", refilled, refused);
	assert_true(refilled >= 10);
	assert_true(refused >= 1);
	sl_fw_destroy(spare, false);
	sl_fw_destroy(ref, false);
	sl_tables_free(spare_t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refill_equals_fresh_load),
	};

	if (geteuid() != 0) {
		print_message("needs root (BPF_PROG_LOAD): skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
