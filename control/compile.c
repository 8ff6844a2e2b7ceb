/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rule compiler (docs/classifier.md). Every rule is one bit; for each
 * value of each packet field the compiler computes the bitmap of the rules
 * that accept it, and identical bitmaps share one class. Addresses go
 * through LPM tries whose entries carry an address class: the membership
 * of the prefix in the referenced sets, including the sets of every
 * enclosing prefix, because the trie only returns the longest match.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile.h"

/* Open-addressing slots for the bitmap and address-class tables: twice the
 * limit keeps the load factor at most 1/2 without ever resizing. */
#define SL_CLASS_SLOTS (2 * SL_MAX_CLASSES)
#define SL_PAIR_SLOTS (2 * SL_MAX_ADDR_CLASSES)
#define SL_PORT_SPACE 65536

_Static_assert((SL_CLASS_SLOTS & (SL_CLASS_SLOTS - 1)) == 0, "power of two");
_Static_assert((SL_PAIR_SLOTS & (SL_PAIR_SLOTS - 1)) == 0, "power of two");

struct sl_cc {
	const struct sl_config *cfg;
	struct sl_tables *t;
	struct sl_diag *diag;
	uint32_t cap_class_bits;
	uint32_t *class_slots; /* class id + 1, 0 = empty */
};

static __attribute__((format(printf, 2, 3))) void sl_cc_diag(struct sl_cc *cc, const char *fmt,
							      ...)
{
	const char *file = cc->cfg->path ? cc->cfg->path : "config";
	va_list ap;
	int n;

	if (!cc->diag)
		return;
	n = snprintf(cc->diag->msg, sizeof(cc->diag->msg), "%s: ", file);
	if (n < 0 || (size_t)n >= sizeof(cc->diag->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(cc->diag->msg + n, sizeof(cc->diag->msg) - n, fmt, ap);
	va_end(ap);
}

static void bits_set(struct sl_rule_bits *b, uint32_t i)
{
	b->w[i / 64] |= 1ULL << (i % 64);
}

static void bits_clear(struct sl_rule_bits *b, uint32_t i)
{
	b->w[i / 64] &= ~(1ULL << (i % 64));
}

static void bits_or(struct sl_rule_bits *d, const struct sl_rule_bits *s)
{
	int i;

	for (i = 0; i < SL_RULE_WORDS; i++)
		d->w[i] |= s->w[i];
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t bits_hash(const struct sl_rule_bits *b)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 0; i < SL_RULE_WORDS; i++)
		h = mix64(h ^ b->w[i]) + i;
	return h;
}

/* The class id of bitmap b, adding it to class_bits when it is new. */
static int class_intern(struct sl_cc *cc, const struct sl_rule_bits *b, uint32_t *id)
{
	struct sl_tables *t = cc->t;
	uint32_t i = bits_hash(b) & (SL_CLASS_SLOTS - 1);

	for (;;) {
		uint32_t s = cc->class_slots[i];

		if (!s)
			break;
		if (!memcmp(&t->class_bits[s - 1], b, sizeof(*b))) {
			*id = s - 1;
			return 0;
		}
		i = (i + 1) & (SL_CLASS_SLOTS - 1);
	}
	if (t->n_class_bits >= SL_MAX_CLASSES) {
		sl_cc_diag(cc, "too many distinct rule classes (more than %d): the rules split the "
			       "packet fields into too many combinations; merge port ranges or sets",
			   SL_MAX_CLASSES);
		return -E2BIG;
	}
	if (t->n_class_bits == cc->cap_class_bits) {
		uint32_t cap = cc->cap_class_bits ? cc->cap_class_bits * 2 : 64;
		struct sl_rule_bits *nb;

		if (cap > SL_MAX_CLASSES)
			cap = SL_MAX_CLASSES;
		nb = realloc(t->class_bits, cap * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		t->class_bits = nb;
		cc->cap_class_bits = cap;
	}
	t->class_bits[t->n_class_bits] = *b;
	cc->class_slots[i] = ++t->n_class_bits;
	*id = t->n_class_bits - 1;
	return 0;
}

static bool rule_constrains(const struct sl_rule_cfg *r, enum sl_dim d)
{
	return r->match & (1u << d);
}

/* Rules that do not constrain dimension d: they accept every value of it. */
static void bits_unconstrained(struct sl_cc *cc, enum sl_dim d, struct sl_rule_bits *b)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < cc->cfg->n_rules; i++)
		if (!rule_constrains(&cc->cfg->rules[i], d))
			bits_set(b, i);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t point_value(const struct sl_rule_cfg *r, enum sl_dim d)
{
	switch (d) {
	case SL_DIM_PROTO:
		return r->protocol;
	case SL_DIM_ICMP:
		return r->icmp;
	default:
		return r->vlan;
	}
}

/*
 * A dimension where a rule names one value (protocol, ICMP type, VLAN):
 * values no rule names share the class of the unconstrained rules, and
 * each named value adds the rules naming it. none is the index of the
 * "absent" value or 0 when the dimension has none (protocol); it gets the
 * unconstrained class, as a constraining rule never accepts absence.
 */
static int compile_points(struct sl_cc *cc, enum sl_dim d, uint32_t base, uint32_t domain,
			  uint32_t none, const char *what)
{
	const struct sl_config *cfg = cc->cfg;
	struct sl_rule_bits ub, b;
	uint64_t *pairs = NULL;
	size_t n = 0, i, j;
	uint32_t id, v;
	int err;

	bits_unconstrained(cc, d, &ub);
	err = class_intern(cc, &ub, &id);
	if (err)
		goto out;
	for (v = 0; v < domain; v++)
		cc->t->field_class[base + v] = id;
	if (none)
		cc->t->field_class[base + none] = id;

	pairs = malloc((cfg->n_rules + 1) * sizeof(*pairs));
	if (!pairs) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->n_rules; i++) {
		const struct sl_rule_cfg *r = &cfg->rules[i];

		if (!rule_constrains(r, d))
			continue;
		v = point_value(r, d);
		if (v >= domain) {
			sl_cc_diag(cc, "rule %.*s: %s %u out of range", SL_RULE_NAME_LEN, r->name,
				   what, v);
			err = -EINVAL;
			goto out;
		}
		pairs[n++] = (uint64_t)v << 32 | i;
	}
	qsort(pairs, n, sizeof(*pairs), cmp_u64);
	for (i = 0; i < n; i = j) {
		v = pairs[i] >> 32;
		b = ub;
		for (j = i; j < n && (pairs[j] >> 32) == v; j++)
			bits_set(&b, (uint32_t)pairs[j]);
		err = class_intern(cc, &b, &id);
		if (err)
			goto out;
		cc->t->field_class[base + v] = id;
	}
out:
	free(pairs);
	return err;
}

/* TCP flags: value v is accepted by a rule when (v & mask) == value. */
static int compile_tcp_flags(struct sl_cc *cc)
{
	const struct sl_config *cfg = cc->cfg;
	struct sl_rule_bits ub, b;
	uint32_t id, v;
	size_t i;
	int err;

	bits_unconstrained(cc, SL_DIM_TCP_FLAGS, &ub);
	for (v = 0; v < 256; v++) {
		b = ub;
		for (i = 0; i < cfg->n_rules; i++) {
			const struct sl_rule_cfg *r = &cfg->rules[i];

			if (rule_constrains(r, SL_DIM_TCP_FLAGS) &&
			    (v & r->tcp_flags_mask) == r->tcp_flags_value)
				bits_set(&b, i);
		}
		err = class_intern(cc, &b, &id);
		if (err)
			return err;
		cc->t->field_class[SL_FIELD_BASE_TCP_FLAGS + v] = id;
	}
	err = class_intern(cc, &ub, &id);
	if (err)
		return err;
	cc->t->field_class[SL_FIELD_BASE_TCP_FLAGS + SL_TCP_FLAGS_NONE] = id;
	return 0;
}

/* A port-range endpoint: rule starts (+1) or stops (-1) covering pos. */
struct sl_port_event {
	uint32_t pos;
	uint16_t rule;
	int16_t delta;
};

static int cmp_port_event(const void *a, const void *b)
{
	const struct sl_port_event *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Ports: a sweep over the range endpoints. Between two consecutive
 * endpoints the set of covering rules is constant, so each elementary
 * interval is one bitmap; a per-rule counter handles a rule whose own
 * ranges overlap. Cost: sorting the endpoints plus one fill of the space.
 */
static int compile_ports(struct sl_cc *cc, enum sl_dim d)
{
	const struct sl_config *cfg = cc->cfg;
	uint32_t base = d == SL_DIM_SPORT ? SL_FIELD_BASE_SPORT : SL_FIELD_BASE_DPORT;
	struct sl_port_event *ev = NULL;
	uint16_t *cover = NULL;
	struct sl_rule_bits ub, cur, b;
	size_t n = 0, i, k;
	uint32_t pos, next, id, p;
	int err = 0;

	bits_unconstrained(cc, d, &ub);
	ev = malloc((cfg->n_rules * SL_RULE_MAX_PORTS * 2 + 1) * sizeof(*ev));
	cover = calloc(cfg->n_rules + 1, sizeof(*cover));
	if (!ev || !cover) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->n_rules; i++) {
		const struct sl_rule_cfg *r = &cfg->rules[i];
		const struct sl_port_range *rg = d == SL_DIM_SPORT ? r->sport : r->dport;
		uint32_t nr = d == SL_DIM_SPORT ? r->n_sport : r->n_dport;

		if (!rule_constrains(r, d))
			continue;
		if (nr > SL_RULE_MAX_PORTS) {
			sl_cc_diag(cc, "rule %.*s: too many port ranges", SL_RULE_NAME_LEN, r->name);
			err = -EINVAL;
			goto out;
		}
		for (k = 0; k < nr; k++) {
			if (rg[k].lo > rg[k].hi) {
				sl_cc_diag(cc, "rule %.*s: port range %u-%u out of order",
					   SL_RULE_NAME_LEN, r->name, rg[k].lo, rg[k].hi);
				err = -EINVAL;
				goto out;
			}
			ev[n++] = (struct sl_port_event){ rg[k].lo, i, 1 };
			ev[n++] = (struct sl_port_event){ rg[k].hi + 1u, i, -1 };
		}
	}
	qsort(ev, n, sizeof(*ev), cmp_port_event);

	memset(&cur, 0, sizeof(cur));
	for (pos = 0, k = 0; pos < SL_PORT_SPACE; pos = next) {
		for (; k < n && ev[k].pos == pos; k++) {
			cover[ev[k].rule] += ev[k].delta;
			if (cover[ev[k].rule])
				bits_set(&cur, ev[k].rule);
			else
				bits_clear(&cur, ev[k].rule);
		}
		next = k < n ? ev[k].pos : SL_PORT_SPACE;
		b = ub;
		bits_or(&b, &cur);
		err = class_intern(cc, &b, &id);
		if (err)
			goto out;
		for (p = pos; p < next; p++)
			cc->t->field_class[base + p] = id;
	}
	err = class_intern(cc, &ub, &id);
	if (err)
		goto out;
	cc->t->field_class[base + SL_PORT_NONE] = id;
out:
	free(cover);
	free(ev);
	return err;
}

/* One entry per interface a rule names; others use iface_default_class. */
static int compile_ifaces(struct sl_cc *cc)
{
	const struct sl_config *cfg = cc->cfg;
	struct sl_tables *t = cc->t;
	struct sl_rule_bits ub, b;
	size_t i, j;
	uint32_t id;
	int err;

	bits_unconstrained(cc, SL_DIM_IFACE, &ub);
	err = class_intern(cc, &ub, &id);
	if (err)
		return err;
	t->prog_cfg.iface_default_class = id;

	t->ifaces = calloc(cfg->n_rules + 1, sizeof(*t->ifaces));
	if (!t->ifaces)
		return -ENOMEM;
	for (i = 0; i < cfg->n_rules; i++) {
		const struct sl_rule_cfg *r = &cfg->rules[i];
		bool seen = false;

		if (!rule_constrains(r, SL_DIM_IFACE))
			continue;
		for (j = 0; j < t->n_ifaces && !seen; j++)
			seen = !strncmp(t->ifaces[j].name, r->iface, IF_NAMESIZE - 1);
		if (seen)
			continue;
		if (t->n_ifaces >= SL_MAX_IFACE_CLASSES) {
			sl_cc_diag(cc, "too many interfaces named by rules (more than %d)",
				   SL_MAX_IFACE_CLASSES);
			return -E2BIG;
		}
		b = ub;
		for (j = i; j < cfg->n_rules; j++)
			if (rule_constrains(&cfg->rules[j], SL_DIM_IFACE) &&
			    !strncmp(cfg->rules[j].iface, r->iface, IF_NAMESIZE - 1))
				bits_set(&b, j);
		err = class_intern(cc, &b, &id);
		if (err)
			return err;
		memcpy(t->ifaces[t->n_ifaces].name, r->iface, IF_NAMESIZE - 1);
		t->ifaces[t->n_ifaces].name[IF_NAMESIZE - 1] = '\0';
		t->ifaces[t->n_ifaces].class_id = id;
		t->n_ifaces++;
	}
	return 0;
}

/*
 * Addresses. A prefix is held as a 128-bit number (IPv4 in the top 32
 * bits) so both families share the code; after the walk the same array
 * holds the distinct prefixes with the membership id in set.
 */
struct sl_pent {
	uint64_t hi, lo;
	uint32_t set; /* set index; membership id after the walk */
	uint8_t len;
};

static int cmp_pent(const void *a, const void *b)
{
	const struct sl_pent *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->set < y->set ? -1 : x->set > y->set;
}

static void mask128(uint64_t *hi, uint64_t *lo, unsigned int len)
{
	if (len == 0) {
		*hi = 0;
		*lo = 0;
	} else if (len <= 64) {
		*hi &= ~0ULL << (64 - len);
		*lo = 0;
	} else {
		*lo &= ~0ULL << (128 - len);
	}
}

/* Whether prefix a strictly encloses prefix b. */
static bool pent_encloses(const struct sl_pent *a, const struct sl_pent *b)
{
	uint64_t hi = b->hi, lo = b->lo;

	if (b->len <= a->len)
		return false;
	mask128(&hi, &lo, a->len);
	return hi == a->hi && lo == a->lo;
}

/*
 * Memberships: sorted lists of set indices, deduplicated by a hash, held
 * in one pool so a million prefixes cost one id each, not a list each.
 */
struct sl_memb {
	uint32_t *pool;
	size_t n_pool, cap_pool;
	uint32_t *off, *cnt;
	size_t n, cap;
	uint32_t *slots; /* id + 1, 0 = empty; n_slots a power of two */
	size_t n_slots;
};

static uint64_t list_hash(const uint32_t *l, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	size_t i;

	for (i = 0; i < n; i++)
		h = mix64(h ^ l[i]) + i;
	return h;
}

static int memb_rehash(struct sl_memb *m, size_t n_slots)
{
	uint32_t *slots = calloc(n_slots, sizeof(*slots));
	size_t id, i;

	if (!slots)
		return -ENOMEM;
	for (id = 0; id < m->n; id++) {
		i = list_hash(m->pool + m->off[id], m->cnt[id]) & (n_slots - 1);
		while (slots[i])
			i = (i + 1) & (n_slots - 1);
		slots[i] = id + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->n_slots = n_slots;
	return 0;
}

static int memb_intern(struct sl_memb *m, const uint32_t *l, size_t n, uint32_t *id)
{
	size_t i;
	int err;

	if ((m->n + 1) * 2 > m->n_slots) {
		err = memb_rehash(m, m->n_slots ? m->n_slots * 2 : 1024);
		if (err)
			return err;
	}
	i = list_hash(l, n) & (m->n_slots - 1);
	for (;;) {
		uint32_t s = m->slots[i];

		if (!s)
			break;
		if (m->cnt[s - 1] == n && !memcmp(m->pool + m->off[s - 1], l, n * sizeof(*l))) {
			*id = s - 1;
			return 0;
		}
		i = (i + 1) & (m->n_slots - 1);
	}
	if (m->n >= UINT32_MAX - 1 || m->n_pool + n >= UINT32_MAX)
		return -E2BIG;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		uint32_t *off = realloc(m->off, cap * sizeof(*off));

		if (!off)
			return -ENOMEM;
		m->off = off;
		off = realloc(m->cnt, cap * sizeof(*off));
		if (!off)
			return -ENOMEM;
		m->cnt = off;
		m->cap = cap;
	}
	/* The pool is allocated even for the empty list: pool + off stays valid. */
	if (m->n_pool + n > m->cap_pool || !m->pool) {
		size_t cap = m->cap_pool ? m->cap_pool * 2 : 1024;
		uint32_t *pool;

		while (cap < m->n_pool + n)
			cap *= 2;
		pool = realloc(m->pool, cap * sizeof(*pool));
		if (!pool)
			return -ENOMEM;
		m->pool = pool;
		m->cap_pool = cap;
	}
	if (n)
		memcpy(m->pool + m->n_pool, l, n * sizeof(*l));
	m->off[m->n] = m->n_pool;
	m->cnt[m->n] = n;
	m->n_pool += n;
	m->slots[i] = ++m->n;
	*id = m->n - 1;
	return 0;
}

static void memb_free(struct sl_memb *m)
{
	free(m->pool);
	free(m->off);
	free(m->cnt);
	free(m->slots);
}

/* A growable list of set ids, scratch space for the walk. */
struct sl_idvec {
	uint32_t *v;
	size_t n, cap;
};

static int idvec_reserve(struct sl_idvec *s, size_t n)
{
	uint32_t *v;
	size_t cap;

	if (n <= s->cap)
		return 0;
	cap = s->cap ? s->cap : 64;
	while (cap < n)
		cap *= 2;
	v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

struct sl_frame {
	struct sl_pent p;
	uint32_t memb;
};

/*
 * Walks the sorted prefixes of one family. Sorted by (address, length),
 * an enclosing prefix comes right before everything it encloses, so a
 * stack of enclosing prefixes gives each prefix the membership of the
 * nearest one; its own sets are added to that. Compacts the array to the
 * distinct prefixes, each with its membership id; returns their number.
 */
static int walk_prefixes(struct sl_memb *m, struct sl_pent *e, size_t n, size_t *n_out)
{
	struct sl_frame stack[129];
	struct sl_idvec own = { 0 }, merged = { 0 };
	uint32_t last_own = 0, last_inh = UINT32_MAX, last_id = 0;
	size_t depth = 0, out = 0, i, j, a, b;
	int err = 0;

	for (i = 0; i < n; i = j) {
		uint32_t inh, id;
		const uint32_t *il;
		size_t in;

		own.n = 0;
		for (j = i; j < n && e[j].hi == e[i].hi && e[j].lo == e[i].lo &&
			    e[j].len == e[i].len;
		     j++) {
			if (own.n && own.v[own.n - 1] == e[j].set)
				continue;
			err = idvec_reserve(&own, own.n + 1);
			if (err)
				goto out;
			own.v[own.n++] = e[j].set;
		}
		while (depth && !pent_encloses(&stack[depth - 1].p, &e[i]))
			depth--;
		inh = depth ? stack[depth - 1].memb : 0;

		/* Blocklists are mostly disjoint prefixes of one set: one id for all. */
		if (own.n == 1 && own.v[0] == last_own && inh == last_inh) {
			id = last_id;
		} else {
			il = m->pool + m->off[inh];
			in = m->cnt[inh];
			err = idvec_reserve(&merged, own.n + in);
			if (err)
				goto out;
			merged.n = 0;
			for (a = 0, b = 0; a < own.n || b < in;) {
				uint32_t x;

				if (b >= in || (a < own.n && own.v[a] < il[b]))
					x = own.v[a++];
				else if (a >= own.n || il[b] < own.v[a])
					x = il[b++];
				else
					x = own.v[a++], b++;
				merged.v[merged.n++] = x;
			}
			err = memb_intern(m, merged.v, merged.n, &id);
			if (err)
				goto out;
			if (own.n == 1) {
				last_own = own.v[0];
				last_inh = inh;
				last_id = id;
			}
		}
		/* Lengths strictly grow up the stack, so depth stays <= 129. */
		if (depth < sizeof(stack) / sizeof(stack[0])) {
			stack[depth].p = e[i];
			stack[depth].memb = id;
			depth++;
		}
		e[out] = e[i];
		e[out].set = id;
		out++;
	}
	*n_out = out;
out:
	free(own.v);
	free(merged.v);
	return err;
}

/* Checks a rule's set references; marks the sets as used. */
static int check_set_refs(struct sl_cc *cc, const struct sl_rule_cfg *r, const uint32_t *sets,
			  uint32_t n, bool *used)
{
	uint32_t k;

	if (n > SL_RULE_MAX_SETS) {
		sl_cc_diag(cc, "rule %.*s: too many sets", SL_RULE_NAME_LEN, r->name);
		return -EINVAL;
	}
	for (k = 0; k < n; k++) {
		if (sets[k] >= cc->cfg->n_sets) {
			sl_cc_diag(cc, "rule %.*s: undefined set %u", SL_RULE_NAME_LEN, r->name,
				   sets[k]);
			return -EINVAL;
		}
		used[sets[k]] = true;
	}
	return 0;
}

struct sl_addr_ctx {
	bool *used;
	struct sl_rule_bits *set_src, *set_dst; /* rules naming set s as source / destination */
	struct sl_pent *e4, *e6;
	size_t n4, n6;
	struct sl_memb m;
	uint32_t *memb_class;  /* membership id -> address class */
	uint64_t *pair_keys;   /* address class -> src_bits << 32 | dst_bits */
	uint32_t *pair_slots;  /* address class + 1 */
};

static int collect_prefixes(struct sl_cc *cc, struct sl_addr_ctx *a)
{
	const struct sl_config *cfg = cc->cfg;
	size_t s, k, c4 = 0, c6 = 0;

	for (s = 0; s < cfg->n_sets; s++) {
		const struct sl_set *set = &cfg->sets[s];

		if (!a->used[s])
			continue;
		if (set->n_prefixes && !set->prefixes)
			return -EINVAL;
		for (k = 0; k < set->n_prefixes; k++) {
			const struct sl_prefix *p = &set->prefixes[k];

			if (p->family == AF_INET && p->len <= 32) {
				c4++;
			} else if (p->family == AF_INET6 && p->len <= 128) {
				c6++;
			} else {
				sl_cc_diag(cc, "set %.*s: bad prefix (family %u, length %u)",
					   SL_SET_NAME_LEN, set->name, p->family, p->len);
				return -EINVAL;
			}
		}
	}
	a->e4 = malloc((c4 + 1) * sizeof(*a->e4));
	a->e6 = malloc((c6 + 1) * sizeof(*a->e6));
	if (!a->e4 || !a->e6)
		return -ENOMEM;
	for (s = 0; s < cfg->n_sets; s++) {
		const struct sl_set *set = &cfg->sets[s];

		if (!a->used[s])
			continue;
		for (k = 0; k < set->n_prefixes; k++) {
			const struct sl_prefix *p = &set->prefixes[k];
			struct sl_pent pe = { .set = s, .len = p->len };
			int i;

			for (i = 0; i < 8; i++) {
				pe.hi = pe.hi << 8 | p->addr[i];
				pe.lo = pe.lo << 8 | p->addr[8 + i];
			}
			/* Host bits are zero in a loaded config; masking keeps the
			 * trie and the dedup in agreement even when they are not. */
			if (p->family == AF_INET) {
				pe.hi &= 0xffffffff00000000ULL;
				pe.lo = 0;
				mask128(&pe.hi, &pe.lo, pe.len);
				a->e4[a->n4++] = pe;
			} else {
				mask128(&pe.hi, &pe.lo, pe.len);
				a->e6[a->n6++] = pe;
			}
		}
	}
	return 0;
}

/*
 * Merges sibling prefixes of the same address class into their parent,
 * as far up as it goes: a /64 and the /64 beside it, both class c, are
 * one /63 of class c, since every address of the /63 found one of them
 * as its longest match and finds the /63 (or the same longer prefix as
 * before) now. An entry of the parent itself is dropped by the merge:
 * its two halves covered it whole, so it was never a longest match. A
 * set of a million adjacent prefixes becomes a handful of entries, and
 * the trie or DIR table is written that much faster; prefixes with
 * others inside them are merged too, those inside stay.
 *
 * e holds n entries of size bytes (a struct sl_lpm4_key or sl_lpm6_key
 * with alen address bytes at offset 0, the class at cls_off) in
 * sl_compile's order (address, then length) with host bits zero. They
 * are rewritten in place, in the same order; returns the new count.
 * Siblings that are next to each other in that order have nothing
 * between them, so one pass with the output as a stack finds them all.
 */
_Static_assert(offsetof(struct sl_lpm4_key, addr) == offsetof(struct sl_lpm6_key, addr) &&
		       offsetof(struct sl_lpm4_key, prefixlen) == 0 && offsetof(struct sl_lpm6_key, prefixlen) == 0,
	       "both key types: prefixlen, then the address");

/* A __u32 of an entry (its prefixlen, its class), whatever the entry's type. */
static uint32_t ag_u32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t aggregate(void *e, size_t n, size_t size, size_t alen, size_t cls_off)
{
	char *base = e;
	size_t top = 0, i;

#define AG_LEN(k) ag_u32(base + (k) * size)
#define AG_ADDR(k) ((uint8_t *)(base + (k) * size + offsetof(struct sl_lpm6_key, addr)))
#define AG_CLS(k) ag_u32(base + (k) * size + cls_off)
	for (i = 0; i < n; i++) {
		if (top != i)
			memcpy(base + top * size, base + i * size, size);
		top++;
		/* While the last two are siblings of one class: their parent instead. */
		while (top >= 2) {
			size_t l = top - 2, r = top - 1;
			uint32_t len = AG_LEN(r), bit = len - 1;
			uint8_t m, probe[16];

			if (!len || len > alen * 8 || AG_LEN(l) != len || AG_CLS(l) != AG_CLS(r))
				break;
			m = (uint8_t)(0x80 >> (bit % 8));
			if ((AG_ADDR(l)[bit / 8] & m) || !(AG_ADDR(r)[bit / 8] & m))
				break;
			memcpy(probe, AG_ADDR(r), alen);
			probe[bit / 8] &= (uint8_t)~m;
			if (memcmp(probe, AG_ADDR(l), alen))
				break;
			/* The parent: the left one, one bit shorter. */
			len--;
			memcpy(base + l * size, &len, sizeof(len));
			len++;
			top--;
			/* An entry of the parent itself sorts right before: shadowed, out. */
			if (l >= 1 && AG_LEN(l - 1) == len - 1 && !memcmp(AG_ADDR(l - 1), AG_ADDR(l), alen)) {
				memcpy(base + (l - 1) * size, base + l * size, size);
				top--;
			}
		}
	}
#undef AG_LEN
#undef AG_ADDR
#undef AG_CLS
	return top;
}

/* The address class of membership m: its (source, destination) bitmaps. */
static int addr_class_of(struct sl_cc *cc, struct sl_addr_ctx *a, const struct sl_rule_bits *us,
			 const struct sl_rule_bits *ud, uint32_t m, uint32_t *out)
{
	struct sl_tables *t = cc->t;
	const uint32_t *l = a->m.pool + a->m.off[m];
	struct sl_rule_bits bs = *us, bd = *ud;
	uint32_t k, sid, did, i;
	uint64_t key;
	int err;

	for (k = 0; k < a->m.cnt[m]; k++) {
		bits_or(&bs, &a->set_src[l[k]]);
		bits_or(&bd, &a->set_dst[l[k]]);
	}
	err = class_intern(cc, &bs, &sid);
	if (err)
		return err;
	err = class_intern(cc, &bd, &did);
	if (err)
		return err;
	/* Memberships that select the same rules share one address class. */
	key = (uint64_t)sid << 32 | did;
	i = mix64(key) & (SL_PAIR_SLOTS - 1);
	while (a->pair_slots[i]) {
		if (a->pair_keys[a->pair_slots[i] - 1] == key) {
			*out = a->pair_slots[i] - 1;
			return 0;
		}
		i = (i + 1) & (SL_PAIR_SLOTS - 1);
	}
	if (t->n_addr_classes >= SL_MAX_ADDR_CLASSES) {
		sl_cc_diag(cc, "too many address classes (more than %d): the sets overlap in too "
			       "many different ways",
			   SL_MAX_ADDR_CLASSES);
		return -E2BIG;
	}
	a->pair_keys[t->n_addr_classes] = key;
	t->addr_classes[t->n_addr_classes] = (struct sl_addr_class){ .src_bits = sid, .dst_bits = did };
	a->pair_slots[i] = ++t->n_addr_classes;
	*out = t->n_addr_classes - 1;
	return 0;
}

static int compile_addresses(struct sl_cc *cc)
{
	const struct sl_config *cfg = cc->cfg;
	struct sl_tables *t = cc->t;
	struct sl_addr_ctx a = { 0 };
	struct sl_rule_bits us, ud;
	uint32_t empty;
	size_t i, k;
	int err;

	a.used = calloc(cfg->n_sets + 1, sizeof(*a.used));
	a.set_src = calloc(cfg->n_sets + 1, sizeof(*a.set_src));
	a.set_dst = calloc(cfg->n_sets + 1, sizeof(*a.set_dst));
	if (!a.used || !a.set_src || !a.set_dst) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->n_rules; i++) {
		const struct sl_rule_cfg *r = &cfg->rules[i];

		if (rule_constrains(r, SL_DIM_SRC)) {
			err = check_set_refs(cc, r, r->src_sets, r->n_src_sets, a.used);
			if (err)
				goto out;
			for (k = 0; k < r->n_src_sets; k++)
				bits_set(&a.set_src[r->src_sets[k]], i);
		}
		if (rule_constrains(r, SL_DIM_DST)) {
			err = check_set_refs(cc, r, r->dst_sets, r->n_dst_sets, a.used);
			if (err)
				goto out;
			for (k = 0; k < r->n_dst_sets; k++)
				bits_set(&a.set_dst[r->dst_sets[k]], i);
		}
	}
	err = collect_prefixes(cc, &a);
	if (err)
		goto out;
	qsort(a.e4, a.n4, sizeof(*a.e4), cmp_pent);
	qsort(a.e6, a.n6, sizeof(*a.e6), cmp_pent);

	/* Membership 0 is the empty one: addresses in no set, the LPM miss. */
	err = memb_intern(&a.m, NULL, 0, &empty);
	if (err)
		goto out;
	err = walk_prefixes(&a.m, a.e4, a.n4, &a.n4);
	if (err)
		goto out;
	err = walk_prefixes(&a.m, a.e6, a.n6, &a.n6);
	if (err)
		goto out;

	a.memb_class = malloc(a.m.n * sizeof(*a.memb_class));
	a.pair_keys = malloc(SL_MAX_ADDR_CLASSES * sizeof(*a.pair_keys));
	a.pair_slots = calloc(SL_PAIR_SLOTS, sizeof(*a.pair_slots));
	t->addr_classes = calloc(SL_MAX_ADDR_CLASSES, sizeof(*t->addr_classes));
	if (!a.memb_class || !a.pair_keys || !a.pair_slots || !t->addr_classes) {
		err = -ENOMEM;
		goto out;
	}
	bits_unconstrained(cc, SL_DIM_SRC, &us);
	bits_unconstrained(cc, SL_DIM_DST, &ud);
	for (i = 0; i < a.m.n; i++) {
		err = addr_class_of(cc, &a, &us, &ud, i, &a.memb_class[i]);
		if (err)
			goto out;
	}
	t->prog_cfg.addr_default_class = a.memb_class[empty];

	t->pfx4 = malloc((a.n4 + 1) * sizeof(*t->pfx4));
	t->pfx6 = malloc((a.n6 + 1) * sizeof(*t->pfx6));
	if (!t->pfx4 || !t->pfx6) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < a.n4; i++) {
		struct sl_pfx4_entry *pe = &t->pfx4[i];
		uint32_t v = a.e4[i].hi >> 32;

		pe->key.prefixlen = a.e4[i].len;
		pe->key.addr[0] = v >> 24;
		pe->key.addr[1] = v >> 16;
		pe->key.addr[2] = v >> 8;
		pe->key.addr[3] = v;
		pe->addr_class = a.memb_class[a.e4[i].set];
	}
	for (i = 0; i < a.n6; i++) {
		struct sl_pfx6_entry *pe = &t->pfx6[i];
		int b;

		pe->key.prefixlen = a.e6[i].len;
		for (b = 0; b < 8; b++) {
			pe->key.addr[b] = a.e6[i].hi >> (56 - 8 * b);
			pe->key.addr[8 + b] = a.e6[i].lo >> (56 - 8 * b);
		}
		pe->addr_class = a.memb_class[a.e6[i].set];
	}
	t->n_pfx4 = aggregate(t->pfx4, a.n4, sizeof(*t->pfx4), 4,
			      offsetof(struct sl_pfx4_entry, addr_class));
	t->n_pfx6 = aggregate(t->pfx6, a.n6, sizeof(*t->pfx6), 16,
			      offsetof(struct sl_pfx6_entry, addr_class));
out:
	memb_free(&a.m);
	free(a.memb_class);
	free(a.pair_keys);
	free(a.pair_slots);
	free(a.e4);
	free(a.e6);
	free(a.set_src);
	free(a.set_dst);
	free(a.used);
	return err;
}

/*
 * Inline pairs (docs/dataplane.md): each port of a pair passes to the
 * other; the first port's sockets are at sl_xsks[queue], the peer's at
 * SL_MAX_QUEUES + queue. The config loader allows one pair.
 */
static void compile_inline(const struct sl_config *cfg, struct sl_tables *t)
{
	const struct sl_dataplane_cfg *d = &cfg->dataplane;
	size_t i;

	for (i = 0; i < d->n_ifaces && t->n_inline + 2 <= SL_MAX_INLINE_PORTS; i++) {
		const struct sl_dp_iface_cfg *dif = &d->ifaces[i];
		struct sl_inline_entry *a = &t->inline_ports[t->n_inline];

		if (!dif->peer[0])
			continue;
		memcpy(a[0].name, dif->name, IF_NAMESIZE);
		memcpy(a[0].peer, dif->peer, IF_NAMESIZE);
		a[0].xsk_base = 0;
		memcpy(a[1].name, dif->peer, IF_NAMESIZE);
		memcpy(a[1].peer, dif->name, IF_NAMESIZE);
		a[1].xsk_base = SL_MAX_QUEUES;
		t->n_inline += 2;
		t->prog_cfg.flags |= SL_CFG_INLINE;
	}
}

int sl_compile(const struct sl_config *cfg, struct sl_tables **out, struct sl_diag *diag)
{
	struct sl_cc cc = { .cfg = cfg, .diag = diag };
	struct sl_tables *t = NULL;
	size_t i;
	int err;

	*out = NULL;
	if (diag)
		diag->msg[0] = '\0';
	if (cfg->n_rules > SL_MAX_RULES) {
		sl_cc_diag(&cc, "too many rules: %zu (at most %d)", cfg->n_rules, SL_MAX_RULES);
		return -E2BIG;
	}
	if ((cfg->n_rules && !cfg->rules) || (cfg->n_sets && !cfg->sets))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	cc.class_slots = calloc(SL_CLASS_SLOTS, sizeof(*cc.class_slots));
	if (!t || !cc.class_slots) {
		err = -ENOMEM;
		goto out;
	}
	cc.t = t;

	for (i = 0; i < cfg->n_rules; i++) {
		const struct sl_rule_cfg *r = &cfg->rules[i];
		size_t len = strnlen(r->name, SL_RULE_NAME_LEN - 1);

		if (r->action > SL_ACT_STEER) {
			sl_cc_diag(&cc, "rule %.*s: bad action %u", SL_RULE_NAME_LEN, r->name,
				   r->action);
			err = -EINVAL;
			goto out;
		}
		if (r->capture_len > SL_CAPTURE_MAX) {
			sl_cc_diag(&cc, "rule %.*s: capture of %u bytes (at most %d)", SL_RULE_NAME_LEN,
				   r->name, r->capture_len, SL_CAPTURE_MAX);
			err = -EINVAL;
			goto out;
		}
		t->rules[i].action = r->action;
		if (r->action == SL_ACT_STEER)
			t->prog_cfg.flags |= SL_CFG_STEER;
		/* Counters by position; the policy engine gives rules stable slots. */
		t->rules[i].stat_slot = (uint16_t)i;
		if (r->log) {
			t->rules[i].flags = SL_RULE_F_LOG;
			t->rules[i].log_sample = r->log_sample;
			t->rules[i].log_rate = r->log_rate;
			t->rules[i].capture_len = r->capture_len;
			t->prog_cfg.flags |= SL_CFG_LOG;
		}
		memcpy(t->meta[i].name, r->name, len);
		t->meta[i].name[len] = '\0';
		t->prog_cfg.dims_used |= r->match & ((1u << SL_DIM_COUNT) - 1);
	}
	t->n_rules = cfg->n_rules;
	t->event_ring_bytes = cfg->logging.ring_bytes ? cfg->logging.ring_bytes
						      : SL_EVENT_RING_DEFAULT;
	t->prog_cfg.n_rules = cfg->n_rules;
	t->prog_cfg.rule_words = (cfg->n_rules + 63) / 64;
	t->prog_cfg.default_verdict = cfg->default_verdict;
	t->prog_cfg.malformed_policy = cfg->malformed_policy;
	t->prog_cfg.non_ip_policy = cfg->non_ip_policy;
	t->prog_cfg.frag_policy = cfg->frag_policy;
	if (cfg->steering.no_socket == SL_POLICY_DROP)
		t->prog_cfg.flags |= SL_CFG_STEER_DROP;
	/* The inspect stage caches TLS verdicts per flow (docs/inspect.md). */
	if (cfg->inspect.tls.enabled)
		t->prog_cfg.flags |= SL_CFG_FLOWCACHE;
	compile_inline(cfg, t);

	/*
	 * Interfaces first: the class of interfaces no rule names is interned
	 * first, so it is class 0 whatever the rules, and iface_default_class
	 * (rodata) stays the same across edits; tables that differ only in
	 * their contents then run on the same program (sl_fw_refill).
	 */
	err = compile_ifaces(&cc);
	if (!err)
		err = compile_points(&cc, SL_DIM_PROTO, SL_FIELD_BASE_PROTO, SL_PROTO_VALUES, 0,
				     "protocol");
	if (!err)
		err = compile_ports(&cc, SL_DIM_SPORT);
	if (!err)
		err = compile_ports(&cc, SL_DIM_DPORT);
	if (!err)
		err = compile_tcp_flags(&cc);
	if (!err)
		err = compile_points(&cc, SL_DIM_ICMP, SL_FIELD_BASE_ICMP, SL_ICMP_NONE, SL_ICMP_NONE,
				     "icmp type");
	if (!err)
		err = compile_points(&cc, SL_DIM_VLAN, SL_FIELD_BASE_VLAN, SL_VLAN_NONE, SL_VLAN_NONE,
				     "vlan");
	if (!err)
		err = compile_addresses(&cc);
	if (err)
		goto out;
	if (t->n_pfx4)
		t->prog_cfg.flags |= SL_CFG_IP4_TABLE;
	*out = t;
	t = NULL;
out:
	free(cc.class_slots);
	sl_tables_free(t);
	return err;
}

void sl_tables_free(struct sl_tables *t)
{
	if (!t)
		return;
	free(t->class_bits);
	free(t->addr_classes);
	free(t->pfx4);
	free(t->pfx6);
	free(t->ifaces);
	free(t);
}

/* The XDP program's map lookups, with its answers for missing entries. */
static void ref_and_class(const struct sl_tables *t, struct sl_rule_bits *acc, uint64_t cls)
{
	int i;

	if (cls >= SL_MAX_CLASSES) {
		memset(acc, 0, sizeof(*acc));
		return;
	}
	/* Array entries past the ones written read as zero bitmaps. */
	if (cls >= t->n_class_bits) {
		memset(acc, 0, sizeof(*acc));
		return;
	}
	for (i = 0; i < SL_RULE_WORDS; i++) {
		if ((uint32_t)i >= t->prog_cfg.rule_words)
			break;
		acc->w[i] &= t->class_bits[cls].w[i];
	}
}

static void ref_and_field(const struct sl_tables *t, struct sl_rule_bits *acc, uint64_t index)
{
	if (index >= SL_FIELD_INDEX_SIZE)
		memset(acc, 0, sizeof(*acc));
	else
		ref_and_class(t, acc, t->field_class[index]);
}

static int cmp_key(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen, size_t n)
{
	int c = memcmp(a, b, n);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Longest-prefix match by a binary search per length: pfx4/pfx6 are sorted
 * by (address, length) as sl_compile emits them. Returns false on a miss. */
static bool ref_lpm(const struct sl_tables *t, int family, const uint8_t *addr, uint32_t *cls)
{
	size_t n = family == AF_INET ? t->n_pfx4 : t->n_pfx6;
	size_t alen = family == AF_INET ? 4 : 16;
	int len;

	for (len = alen * 8; len >= 0; len--) {
		uint8_t key[16] = { 0 };
		size_t lo = 0, hi = n;
		int b;

		for (b = 0; b < len / 8; b++)
			key[b] = addr[b];
		if (len % 8)
			key[len / 8] = addr[len / 8] & (uint8_t)(0xff00 >> (len % 8));
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const uint8_t *ma;
			uint32_t ml;
			int c;

			if (family == AF_INET) {
				ma = t->pfx4[mid].key.addr;
				ml = t->pfx4[mid].key.prefixlen;
			} else {
				ma = t->pfx6[mid].key.addr;
				ml = t->pfx6[mid].key.prefixlen;
			}
			c = cmp_key(ma, ml, key, len, alen);
			if (!c) {
				*cls = family == AF_INET ? t->pfx4[mid].addr_class
							 : t->pfx6[mid].addr_class;
				return true;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return false;
}

static void ref_and_addr(const struct sl_tables *t, struct sl_rule_bits *acc, int family,
			 const uint8_t *addr, bool is_src)
{
	uint32_t id;

	if (!ref_lpm(t, family, addr, &id))
		id = t->prog_cfg.addr_default_class;
	if (id >= SL_MAX_ADDR_CLASSES) {
		memset(acc, 0, sizeof(*acc));
		return;
	}
	if (id >= t->n_addr_classes) {
		ref_and_class(t, acc, 0); /* a zeroed entry names class 0 twice */
		return;
	}
	ref_and_class(t, acc, is_src ? t->addr_classes[id].src_bits : t->addr_classes[id].dst_bits);
}

int sl_tables_classify(const struct sl_tables *t, const struct sl_match_input *in, int *rule)
{
	const struct sl_prog_cfg *pc = &t->prog_cfg;
	int family = in->family == AF_INET ? AF_INET : AF_INET6;
	struct sl_rule_bits acc;
	uint32_t i, w = 0;
	uint64_t word;

	*rule = -1;
	memset(&acc, 0xff, sizeof(acc));
#define USED(d) (pc->dims_used & (1u << (d)))
	if (USED(SL_DIM_PROTO))
		ref_and_field(t, &acc, (uint64_t)SL_FIELD_BASE_PROTO + in->proto);
	if (USED(SL_DIM_SPORT))
		ref_and_field(t, &acc, (uint64_t)SL_FIELD_BASE_SPORT + in->sport);
	if (USED(SL_DIM_DPORT))
		ref_and_field(t, &acc, (uint64_t)SL_FIELD_BASE_DPORT + in->dport);
	if (USED(SL_DIM_TCP_FLAGS))
		ref_and_field(t, &acc, (uint64_t)SL_FIELD_BASE_TCP_FLAGS + in->tcp_flags);
	if (USED(SL_DIM_ICMP))
		ref_and_field(t, &acc, (uint64_t)SL_FIELD_BASE_ICMP + in->icmp);
	if (USED(SL_DIM_VLAN))
		ref_and_field(t, &acc, (uint64_t)SL_FIELD_BASE_VLAN + in->vlan);
	if (USED(SL_DIM_IFACE)) {
		uint32_t cls = pc->iface_default_class;
		size_t k;

		for (k = 0; in->iface && k < t->n_ifaces; k++) {
			if (!strncmp(t->ifaces[k].name, in->iface, IF_NAMESIZE)) {
				cls = t->ifaces[k].class_id;
				break;
			}
		}
		ref_and_class(t, &acc, cls);
	}
	if (USED(SL_DIM_SRC))
		ref_and_addr(t, &acc, family, in->src, true);
	if (USED(SL_DIM_DST))
		ref_and_addr(t, &acc, family, in->dst, false);
#undef USED

	word = acc.w[0];
	for (i = 0; i < SL_MAX_RULES + SL_RULE_WORDS; i++) {
		uint32_t idx;

		if (!word) {
			w++;
			if (w >= pc->rule_words || w >= SL_RULE_WORDS)
				break;
			word = acc.w[w];
			continue;
		}
		idx = w * 64 + __builtin_ctzll(word);
		word &= word - 1;
		if (idx >= pc->n_rules)
			break;
		if (t->rules[idx].action == SL_ACT_ACCEPT) {
			*rule = idx;
			return SL_VERDICT_PASS;
		}
		if (t->rules[idx].action == SL_ACT_DROP) {
			*rule = idx;
			return SL_VERDICT_DROP;
		}
		if (t->rules[idx].action == SL_ACT_STEER) {
			*rule = idx;
			return SL_VERDICT_STEER;
		}
	}
	return pc->default_verdict;
}
