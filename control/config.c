/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The config loader: ytree.c builds the document (libyaml's events), this
 * file walks the node tree against the schema of docs/config.md and fills
 * struct sl_config. Every fault is one line "FILE:LINE:COLUMN: message".
 *
 * A collection is located by its first scalar (a flow mapping's mark is
 * its brace, a block one's its first key: the first scalar is the same
 * place for both) and an empty one by the key that holds it (node_pos).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "prefix.h"
#include "setfile.h"
#include "dataplane/domain_policy.h"
#include "ytree.h"
#include "sluice/ctl.h"
#include "sluice/events.h"

#define CONFIG_MAX_BYTES (64u << 20) /* a config is text, not a data file */
#define DEFAULT_PIN_DIR "/sys/fs/bpf/sluice"
#define WALK_DEPTH_MAX 256

struct loader {
	const char *name;     /* config name for messages */
	const char *base_dir; /* resolves set files; NULL refuses them */
	struct sl_config *cfg;
	struct sl_diag *diag;
	size_t cap_sets;
	size_t n_named; /* named sets come first in cfg->sets */
};

struct pos {
	int line; /* 1-based */
	int col;  /* 1-based */
};

/* ---------------------------------------------------------------- positions */

/* Position of the first scalar in n, descending only. */
static bool first_pos(struct sl_ynode *n, struct pos *p, int depth)
{
	struct sl_ypair *pair;

	if (!n || depth > WALK_DEPTH_MAX)
		return false;
	switch (sl_ynode_type(n)) {
	case SL_YN_SCALAR:
		/* An empty value has no place of its own: the key's is used. */
		if (sl_ynode_style(n) == SL_YS_PLAIN && !n->len)
			return false;
		p->line = n->line;
		p->col = n->col;
		return true;
	case SL_YN_MAPPING:
		pair = sl_ynode_map_get(n, 0);
		if (!pair)
			return false;
		return first_pos(sl_ypair_key(pair), p, depth + 1) ||
		       first_pos(sl_ypair_value(pair), p, depth + 1);
	case SL_YN_SEQUENCE:
		return first_pos(sl_ynode_seq_get(n, 0), p, depth + 1);
	}
	return false;
}

/*
 * Where n starts; a node with no scalar of its own (an empty collection,
 * an empty value) is placed at the key that holds it, or further up.
 */
static struct pos node_pos(struct sl_ynode *n)
{
	struct pos p = {1, 1};

	while (n) {
		struct sl_ynode *parent;

		if (first_pos(n, &p, 0))
			return p;
		parent = sl_ynode_parent(n);
		if (parent && sl_ynode_type(parent) == SL_YN_MAPPING) {
			struct sl_ypair *pair;
			void *it = NULL;

			while ((pair = sl_ynode_map_iterate(parent, &it)))
				if (sl_ypair_value(pair) == n &&
				    first_pos(sl_ypair_key(pair), &p, 0))
					return p;
		}
		n = parent;
	}
	p.line = 1;
	p.col = 1;
	return p;
}

/* ----------------------------------------------------------------- messages */

/* User text for a message: printable ASCII, at most 64 bytes. */
static const char *shown(const char *s, size_t len, char *out, size_t size)
{
	return sl_text_shown(s, len, 64, out, size);
}

static int vfail_at(struct loader *ld, struct pos p, const char *fmt, va_list ap)
{
	int n = snprintf(ld->diag->msg, sizeof(ld->diag->msg), "%s:%d:%d: ", ld->name, p.line,
			 p.col);

	if (n >= 0 && (size_t)n < sizeof(ld->diag->msg))
		vsnprintf(ld->diag->msg + n, sizeof(ld->diag->msg) - (size_t)n, fmt, ap);
	return -EINVAL;
}

/* Reports a fault at n; returns -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
fail(struct loader *ld, struct sl_ynode *n, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vfail_at(ld, node_pos(n), fmt, ap);
	va_end(ap);
	return err;
}

static int __attribute__((format(printf, 3, 4)))
fail_at(struct loader *ld, struct pos p, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vfail_at(ld, p, fmt, ap);
	va_end(ap);
	return err;
}

/* ------------------------------------------------------------------ scalars */

static const char *type_name(struct sl_ynode *n)
{
	switch (sl_ynode_type(n)) {
	case SL_YN_SCALAR:
		return "a scalar";
	case SL_YN_SEQUENCE:
		return "a list";
	case SL_YN_MAPPING:
		return "a mapping";
	}
	return "?";
}

/* A plain empty, "~" or "null" scalar: YAML's null. */
static bool is_null(struct sl_ynode *n)
{
	const char *s;
	size_t len;

	if (!n)
		return true;
	if (sl_ynode_type(n) != SL_YN_SCALAR || sl_ynode_style(n) != SL_YS_PLAIN)
		return false;
	s = sl_ynode_scalar(n, &len);
	if (!s || len == 0)
		return true;
	return (len == 1 && s[0] == '~') || (len == 4 && (!memcmp(s, "null", 4) ||
							  !memcmp(s, "Null", 4) ||
							  !memcmp(s, "NULL", 4)));
}

/* The text of scalar n (not NUL-terminated); what names it in messages. */
static int get_text(struct loader *ld, struct sl_ynode *n, const char *what, const char **s,
		    size_t *len)
{
	if (sl_ynode_type(n) != SL_YN_SCALAR)
		return fail(ld, n, "%s must be a scalar, not %s", what, type_name(n));
	if (sl_ynode_style(n) == SL_YS_ALIAS)
		return fail(ld, n, "aliases are not supported (in %s)", what);
	*s = sl_ynode_scalar(n, len);
	if (!*s || is_null(n))
		return fail(ld, n, "%s has no value", what);
	if (memchr(*s, '\0', *len))
		return fail(ld, n, "%s contains a NUL character", what);
	return 0;
}

/* Scalar n as a NUL-terminated string of fewer than size bytes. */
static int get_str(struct loader *ld, struct sl_ynode *n, const char *what, char *buf,
		   size_t size)
{
	const char *s;
	size_t len, i;
	int err;

	err = get_text(ld, n, what, &s, &len);
	if (err)
		return err;
	if (len >= size)
		return fail(ld, n, "%s is too long (at most %zu characters)", what, size - 1);
	/* Names and paths end up in one-line messages and in the kernel. */
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(ld, n, "%s contains a control character", what);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

/* Parses a decimal number of at most 10 digits; false if s is not one. */
static bool parse_decimal(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return true;
}

static int get_uint(struct loader *ld, struct sl_ynode *n, const char *what, unsigned long max,
		    unsigned long *out)
{
	char txt[80];
	const char *s;
	size_t len;
	int err;

	err = get_text(ld, n, what, &s, &len);
	if (err)
		return err;
	if (!parse_decimal(s, len, out))
		return fail(ld, n, "%s '%s' is not a number", what, shown(s, len, txt, sizeof(txt)));
	if (*out > max)
		return fail(ld, n, "%s %lu is out of range (0-%lu)", what, *out, max);
	return 0;
}

struct enum_val {
	const char *name;
	int value;
};

/* Formats the names of vals as "a, b, c" for messages. */
static const char *enum_list(const struct enum_val *vals, size_t n, char *buf, size_t size)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < size; i++) {
		int w = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", vals[i].name);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}

static bool text_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

static int get_enum(struct loader *ld, struct sl_ynode *n, const char *what,
		    const struct enum_val *vals, size_t nvals, int *out)
{
	char txt[80], list[256];
	const char *s;
	size_t len, i;
	int err;

	err = get_text(ld, n, what, &s, &len);
	if (err)
		return err;
	for (i = 0; i < nvals; i++) {
		if (text_is(s, len, vals[i].name)) {
			*out = vals[i].value;
			return 0;
		}
	}
	return fail(ld, n, "bad %s '%s' (allowed: %s)", what, shown(s, len, txt, sizeof(txt)),
		    enum_list(vals, nvals, list, sizeof(list)));
}

static int get_bool(struct loader *ld, struct sl_ynode *n, const char *what, bool *out)
{
	static const struct enum_val vals[] = {
		{"true", 1}, {"false", 0}, {"True", 1}, {"False", 0}, {"TRUE", 1}, {"FALSE", 0},
	};
	char txt[80];
	const char *s;
	size_t len, i;
	int err;

	err = get_text(ld, n, what, &s, &len);
	if (err)
		return err;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		if (text_is(s, len, vals[i].name)) {
			*out = vals[i].value;
			return 0;
		}
	}
	return fail(ld, n, "%s must be true or false, not '%s'", what,
		    shown(s, len, txt, sizeof(txt)));
}

/* ----------------------------------------------------------------- mappings */

/*
 * Checks that n is a mapping whose keys are all in keys[], and stores
 * each value (and its key, for positions) by the key's index. A key with
 * no value is an error: every key of the schema needs one.
 */
static int map_fields(struct loader *ld, struct sl_ynode *n, const char *what,
		      const char *const *keys, size_t nkeys, struct sl_ynode **vals,
		      struct sl_ynode **keynodes)
{
	struct sl_ypair *pair;
	void *it = NULL;
	size_t i;

	if (sl_ynode_type(n) != SL_YN_MAPPING)
		return fail(ld, n, "%s must be a mapping, not %s", what, type_name(n));
	for (i = 0; i < nkeys; i++)
		vals[i] = keynodes[i] = NULL;
	while ((pair = sl_ynode_map_iterate(n, &it))) {
		struct sl_ynode *k = sl_ypair_key(pair), *v = sl_ypair_value(pair);
		char txt[80], list[512];
		const char *s = NULL;
		size_t len = 0, off = 0;

		if (!k || sl_ynode_type(k) != SL_YN_SCALAR || sl_ynode_style(k) == SL_YS_ALIAS ||
		    !(s = sl_ynode_scalar(k, &len)))
			return fail(ld, k ? k : n, "keys in %s must be plain names", what);
		for (i = 0; i < nkeys; i++)
			if (text_is(s, len, keys[i]))
				break;
		if (i == nkeys) {
			list[0] = '\0';
			for (i = 0; i < nkeys && off < sizeof(list); i++) {
				int w = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
						 keys[i]);

				if (w < 0)
					break;
				off += (size_t)w;
			}
			return fail(ld, k, "unknown key '%s' in %s (allowed: %s)",
				    shown(s, len, txt, sizeof(txt)), what, list);
		}
		if (is_null(v))
			return fail(ld, v ? v : k, "'%s' has no value", keys[i]);
		vals[i] = v;
		keynodes[i] = k;
	}
	return 0;
}

/* Checks that n is a list; what names it. */
static int expect_seq(struct loader *ld, struct sl_ynode *n, const char *what)
{
	if (sl_ynode_type(n) != SL_YN_SEQUENCE)
		return fail(ld, n, "%s must be a list, not %s", what, type_name(n));
	return 0;
}

/* --------------------------------------------------------------------- names */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/*
 * Set names start with a letter and never contain ':' or '/', so a name
 * can never be read as an address (IPv4 starts with a digit, IPv6 always
 * has a ':').
 */
static bool valid_set_name(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (; *s; s++)
		if (!name_char(*s))
			return false;
	return true;
}

static bool valid_rule_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!name_char(*s))
			return false;
	return true;
}

/* The kernel's rule for interface names (dev_valid_name). */
static bool valid_ifname(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

static int get_ifname(struct loader *ld, struct sl_ynode *n, const char *what, char *out)
{
	int err = get_str(ld, n, what, out, IF_NAMESIZE);

	if (err)
		return err;
	if (!valid_ifname(out))
		return fail(ld, n, "bad interface name '%s': no '/', ':' or white space allowed",
			    out);
	return 0;
}

/* ---------------------------------------------------------------------- sets */

static int find_named_set(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->n_named; i++)
		if (!strcmp(ld->cfg->sets[i].name, name))
			return (int)i;
	return -1;
}

/* Appends an empty set; at is where a "too many sets" fault is reported. */
static int add_set(struct loader *ld, struct sl_ynode *at, const char *name, bool anonymous,
		   uint32_t *idx)
{
	struct sl_config *cfg = ld->cfg;
	struct sl_set *s;

	if (cfg->n_sets >= SL_MAX_SETS)
		return fail(ld, at, "too many sets (at most %d, inline ones included)", SL_MAX_SETS);
	if (cfg->n_sets == ld->cap_sets) {
		size_t cap = ld->cap_sets ? ld->cap_sets * 2 : 16;
		struct sl_set *ns = realloc(cfg->sets, cap * sizeof(*ns));

		if (!ns) {
			fail(ld, at, "out of memory");
			return -ENOMEM;
		}
		cfg->sets = ns;
		ld->cap_sets = cap;
	}
	s = &cfg->sets[cfg->n_sets];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->anonymous = anonymous;
	*idx = (uint32_t)cfg->n_sets++;
	return 0;
}

/* Parses scalar n as a prefix; what names the field in messages. */
static int get_prefix(struct loader *ld, struct sl_ynode *n, const char *what,
		      struct sl_prefix *p)
{
	char txt[80], why[128];
	const char *s;
	size_t len;
	int err;

	err = get_text(ld, n, what, &s, &len);
	if (err)
		return err;
	if (sl_prefix_parse_msg(s, len, p, why, sizeof(why)))
		return fail(ld, n, "bad prefix '%s': %s", shown(s, len, txt, sizeof(txt)), why);
	return 0;
}

static int add_prefix(struct loader *ld, struct sl_ynode *at, uint32_t set,
		      const struct sl_prefix *p)
{
	if (sl_set_add(&ld->cfg->sets[set], p)) {
		fail(ld, at, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Reads a set file named by scalar n into set idx. */
static int load_set_file(struct loader *ld, struct sl_ynode *n, uint32_t idx)
{
	char file[PATH_MAX], path[PATH_MAX];
	struct sl_diag sub;
	int err, w;

	err = get_str(ld, n, "file", file, sizeof(file));
	if (err)
		return err;
	if (!ld->base_dir)
		return fail(ld, n, "set file '%s' refused: this config was not loaded from a file",
			    file);
	if (file[0] == '/')
		w = snprintf(path, sizeof(path), "%s", file);
	else
		w = snprintf(path, sizeof(path), "%s/%s", ld->base_dir, file);
	if (w < 0 || (size_t)w >= sizeof(path))
		return fail(ld, n, "set file path '%s' is too long", file);
	sub.msg[0] = '\0';
	err = sl_setfile_load(path, &ld->cfg->sets[idx], &sub);
	if (err == -EINVAL) {
		/* Content faults name the set file and its line. */
		memcpy(ld->diag->msg, sub.msg, sizeof(sub.msg));
		return err;
	}
	if (err == -ENOMEM) {
		fail(ld, n, "out of memory reading set file '%s'", path);
		return err;
	}
	if (err) {
		fail(ld, n, "cannot read set file '%s': %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static int check_ifpattern(struct loader *ld, struct sl_ynode *n, const char *p);

/*
 * `source: host-addresses` and its optional `interface` glob: sluiced
 * fills the set (hostset.h); `prefixes` would be overwritten, so they are
 * refused, while `file` (what sluiced's saved state writes) is the
 * content until the first fill.
 */
static int parse_set_source(struct loader *ld, struct sl_set *set, struct sl_ynode *src,
			    struct sl_ynode *iface, struct sl_ynode *prefixes)
{
	char text[32];
	int err;

	if (!src) {
		if (iface)
			return fail(ld, iface, "set '%s': 'interface' goes with 'source: host-addresses'",
				    set->name);
		return 0;
	}
	err = get_str(ld, src, "set source", text, sizeof(text));
	if (err)
		return err;
	if (strcmp(text, "host-addresses"))
		return fail(ld, src, "set '%s': unknown source '%s' (allowed: host-addresses)",
			    set->name, text);
	if (prefixes)
		return fail(ld, prefixes,
			    "set '%s' is filled from the host's addresses: it takes no 'prefixes'",
			    set->name);
	set->source = SL_SET_SRC_HOST_ADDRESSES;
	if (iface) {
		err = get_str(ld, iface, "set interface", set->source_iface, sizeof(set->source_iface));
		if (err)
			return err;
		if (!set->source_iface[0])
			return fail(ld, iface, "set '%s': empty 'interface'", set->name);
		return check_ifpattern(ld, iface, set->source_iface);
	}
	return 0;
}

static int parse_sets(struct loader *ld, struct sl_ynode *seq)
{
	static const char *const keys[] = {"name", "file", "prefixes", "source", "interface"};
	struct sl_ynode *item;
	void *it = NULL;
	int err;

	err = expect_seq(ld, seq, "sets");
	if (err)
		return err;
	while ((item = sl_ynode_seq_iterate(seq, &it))) {
		struct sl_ynode *v[5], *k[5];
		char name[SL_SET_NAME_LEN];
		uint32_t idx;

		err = map_fields(ld, item, "a set", keys, 5, v, k);
		if (err)
			return err;
		if (!v[0])
			return fail(ld, item, "set has no 'name'");
		err = get_str(ld, v[0], "set name", name, sizeof(name));
		if (err)
			return err;
		if (!valid_set_name(name))
			return fail(ld, v[0],
				    "bad set name '%s': it must start with a letter and hold only letters, digits, '-', '_' and '.'",
				    name);
		if (find_named_set(ld, name) >= 0)
			return fail(ld, v[0], "duplicate set name '%s'", name);
		if (!v[1] && !v[2] && !v[3])
			return fail(ld, item, "set '%s' has neither 'file' nor 'prefixes'", name);
		err = add_set(ld, v[0], name, false, &idx);
		if (err)
			return err;
		ld->n_named = ld->cfg->n_sets;
		err = parse_set_source(ld, &ld->cfg->sets[idx], v[3], v[4], v[2]);
		if (err)
			return err;
		if (v[1]) {
			err = load_set_file(ld, v[1], idx);
			if (err)
				return err;
		}
		if (v[2]) {
			struct sl_prefix p;

			if (sl_ynode_type(v[2]) == SL_YN_SEQUENCE) {
				struct sl_ynode *pn;
				void *pit = NULL;

				while ((pn = sl_ynode_seq_iterate(v[2], &pit))) {
					err = get_prefix(ld, pn, "prefix", &p);
					if (!err)
						err = add_prefix(ld, pn, idx, &p);
					if (err)
						return err;
				}
			} else {
				err = get_prefix(ld, v[2], "prefixes", &p);
				if (!err)
					err = add_prefix(ld, v[2], idx, &p);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

/* -------------------------------------------------------------------- rules */

/* A prefix starts with a digit (IPv4) or holds ':' (IPv6) or '/'. */
static bool looks_like_prefix(const char *s, size_t len)
{
	return (len && s[0] >= '0' && s[0] <= '9') || memchr(s, ':', len) || memchr(s, '/', len);
}

/*
 * src or dst: a set name, an inline prefix, or a list of both. The inline
 * prefixes of one side form one anonymous set named "RULE/side".
 */
static int parse_addrs(struct loader *ld, struct sl_rule_cfg *r, const char *side,
		       struct sl_ynode *n, uint32_t *sets, uint32_t *n_sets)
{
	struct sl_ynode *item, *single = NULL;
	bool have_anon = false;
	uint32_t anon = 0;
	void *it = NULL;
	int err;

	if (sl_ynode_type(n) == SL_YN_MAPPING)
		return fail(ld, n, "%s must be a set name, a prefix or a list of them, not a mapping",
			    side);
	if (sl_ynode_type(n) == SL_YN_SEQUENCE) {
		if (sl_ynode_seq_count(n) <= 0)
			return fail(ld, n, "%s is an empty list", side);
	} else {
		single = n;
	}
	while ((item = single ? single : sl_ynode_seq_iterate(n, &it))) {
		char txt[80];
		const char *s;
		size_t len;
		uint32_t idx, i;

		err = get_text(ld, item, side, &s, &len);
		if (err)
			return err;
		if (looks_like_prefix(s, len)) {
			struct sl_prefix p;

			err = get_prefix(ld, item, side, &p);
			if (err)
				return err;
			if (!have_anon) {
				char name[SL_SET_NAME_LEN];

				if (*n_sets >= SL_RULE_MAX_SETS)
					return fail(ld, item, "too many sets in %s (at most %d)", side,
						    SL_RULE_MAX_SETS);
				snprintf(name, sizeof(name), "%s/%s", r->name, side);
				err = add_set(ld, item, name, true, &anon);
				if (err)
					return err;
				sets[(*n_sets)++] = anon;
				have_anon = true;
			}
			err = add_prefix(ld, item, anon, &p);
			if (err)
				return err;
		} else {
			char name[SL_SET_NAME_LEN];
			int found = -1;

			if (len < sizeof(name)) {
				memcpy(name, s, len);
				name[len] = '\0';
				found = find_named_set(ld, name);
			}
			if (found < 0)
				return fail(ld, item, "undefined set '%s'",
					    shown(s, len, txt, sizeof(txt)));
			idx = (uint32_t)found;
			for (i = 0; i < *n_sets; i++)
				if (sets[i] == idx)
					break;
			if (i == *n_sets) {
				if (*n_sets >= SL_RULE_MAX_SETS)
					return fail(ld, item, "too many sets in %s (at most %d)", side,
						    SL_RULE_MAX_SETS);
				sets[(*n_sets)++] = idx;
			}
		}
		if (single)
			break;
	}
	return 0;
}

/* One port "N" or range "LO-HI". */
static int parse_port_range(struct loader *ld, struct sl_ynode *n, const char *what,
			    struct sl_port_range *out)
{
	unsigned long lo, hi;
	const char *s, *dash;
	char txt[80];
	size_t len;
	int err;

	err = get_text(ld, n, what, &s, &len);
	if (err)
		return err;
	dash = memchr(s, '-', len);
	if (dash) {
		if (!parse_decimal(s, (size_t)(dash - s), &lo) ||
		    !parse_decimal(dash + 1, len - (size_t)(dash - s) - 1, &hi))
			goto bad;
	} else {
		if (!parse_decimal(s, len, &lo))
			goto bad;
		hi = lo;
	}
	if (lo > 65535)
		return fail(ld, n, "port %lu is out of range (0-65535)", lo);
	if (hi > 65535)
		return fail(ld, n, "port %lu is out of range (0-65535)", hi);
	if (lo > hi)
		return fail(ld, n, "port range %lu-%lu is out of order", lo, hi);
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
bad:
	return fail(ld, n, "bad %s '%s': expected a port or a range LO-HI",
		    what, shown(s, len, txt, sizeof(txt)));
}

static int parse_ports(struct loader *ld, struct sl_ynode *n, const char *what,
		       struct sl_port_range *ports, uint32_t *n_ports)
{
	struct sl_ynode *item;
	void *it = NULL;
	int err;

	if (sl_ynode_type(n) != SL_YN_SEQUENCE)
		goto single;
	if (sl_ynode_seq_count(n) <= 0)
		return fail(ld, n, "%s is an empty list", what);
	while ((item = sl_ynode_seq_iterate(n, &it))) {
		if (*n_ports >= SL_RULE_MAX_PORTS)
			return fail(ld, item, "too many port ranges in %s (at most %d)", what,
				    SL_RULE_MAX_PORTS);
		err = parse_port_range(ld, item, what, &ports[*n_ports]);
		if (err)
			return err;
		(*n_ports)++;
	}
	return 0;
single:
	err = parse_port_range(ld, n, what, &ports[0]);
	if (!err)
		*n_ports = 1;
	return err;
}

static const struct enum_val tcp_flag_names[] = {
	{"fin", SL_TCP_FIN}, {"syn", SL_TCP_SYN}, {"rst", SL_TCP_RST}, {"psh", SL_TCP_PSH},
	{"ack", SL_TCP_ACK}, {"urg", SL_TCP_URG}, {"ece", SL_TCP_ECE}, {"cwr", SL_TCP_CWR},
};

/* Adds the comma-separated flags of scalar n to mask and value. */
static int parse_tcp_flag_text(struct loader *ld, struct sl_ynode *n, uint8_t *mask,
			       uint8_t *value)
{
	const size_t nflags = sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]);
	const char *s, *p, *end;
	char txt[80], list[128];
	size_t len;
	int err;

	err = get_text(ld, n, "tcp_flags", &s, &len);
	if (err)
		return err;
	p = s;
	end = s + len;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *b = p, *e = comma ? comma : end;
		bool clear = false;
		size_t i;

		p = e + 1;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b < e && *b == '!') {
			clear = true;
			b++;
		}
		if (b == e)
			return fail(ld, n, "empty TCP flag in '%s'", shown(s, len, txt, sizeof(txt)));
		for (i = 0; i < nflags; i++)
			if (text_is(b, (size_t)(e - b), tcp_flag_names[i].name))
				break;
		if (i == nflags)
			return fail(ld, n, "unknown TCP flag '%s' (allowed: %s, each optionally with '!')",
				    shown(b, (size_t)(e - b), txt, sizeof(txt)),
				    enum_list(tcp_flag_names, nflags, list, sizeof(list)));
		if (*mask & tcp_flag_names[i].value)
			return fail(ld, n, "TCP flag '%s' is given twice", tcp_flag_names[i].name);
		*mask |= (uint8_t)tcp_flag_names[i].value;
		if (!clear)
			*value |= (uint8_t)tcp_flag_names[i].value;
		if (!comma)
			break;
	}
	return 0;
}

static int parse_tcp_flags(struct loader *ld, struct sl_ynode *n, struct sl_rule_cfg *r)
{
	struct sl_ynode *item;
	void *it = NULL;
	int err;

	if (sl_ynode_type(n) != SL_YN_SEQUENCE)
		return parse_tcp_flag_text(ld, n, &r->tcp_flags_mask, &r->tcp_flags_value);
	if (sl_ynode_seq_count(n) <= 0)
		return fail(ld, n, "tcp_flags is an empty list");
	while ((item = sl_ynode_seq_iterate(n, &it))) {
		err = parse_tcp_flag_text(ld, item, &r->tcp_flags_mask, &r->tcp_flags_value);
		if (err)
			return err;
	}
	return 0;
}

static const struct enum_val icmp4_types[] = {
	{"echo-reply", 0}, {"destination-unreachable", 3}, {"redirect", 5},
	{"echo-request", 8}, {"time-exceeded", 11}, {"parameter-problem", 12},
};

static const struct enum_val icmp6_types[] = {
	{"destination-unreachable", 1}, {"packet-too-big", 2}, {"time-exceeded", 3},
	{"parameter-problem", 4}, {"echo-request", 128}, {"echo-reply", 129},
	{"nd-router-solicit", 133}, {"nd-router-advert", 134}, {"nd-neighbor-solicit", 135},
	{"nd-neighbor-advert", 136},
};

static int parse_icmp_type(struct loader *ld, struct sl_ynode *n, bool v6, uint16_t *out)
{
	const struct enum_val *vals = v6 ? icmp6_types : icmp4_types;
	size_t nvals = v6 ? sizeof(icmp6_types) / sizeof(icmp6_types[0]) :
			    sizeof(icmp4_types) / sizeof(icmp4_types[0]);
	char txt[80], list[512];
	unsigned long v;
	const char *s;
	size_t len, i;
	int err;

	err = get_text(ld, n, "icmp_type", &s, &len);
	if (err)
		return err;
	for (i = 0; i < nvals; i++) {
		if (text_is(s, len, vals[i].name)) {
			v = (unsigned long)vals[i].value;
			goto found;
		}
	}
	if (!parse_decimal(s, len, &v))
		return fail(ld, n, "bad icmp_type '%s' for %s (allowed: %s, or 0-255)",
			    shown(s, len, txt, sizeof(txt)), v6 ? "icmpv6" : "icmp",
			    enum_list(vals, nvals, list, sizeof(list)));
	if (v > 255)
		return fail(ld, n, "icmp_type %lu is out of range (0-255)", v);
found:
	*out = (uint16_t)(v6 ? SL_ICMP6_BASE + v : v);
	return 0;
}

static int parse_protocol(struct loader *ld, struct sl_ynode *n, uint8_t *out)
{
	static const struct enum_val vals[] = {
		{"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP}, {"icmp", IPPROTO_ICMP},
		{"icmpv6", IPPROTO_ICMPV6},
	};
	char txt[80], list[128];
	unsigned long v;
	const char *s;
	size_t len, i;
	int err;

	err = get_text(ld, n, "protocol", &s, &len);
	if (err)
		return err;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		if (text_is(s, len, vals[i].name)) {
			*out = (uint8_t)vals[i].value;
			return 0;
		}
	}
	if (!parse_decimal(s, len, &v))
		return fail(ld, n, "bad protocol '%s' (allowed: %s, or 0-255)",
			    shown(s, len, txt, sizeof(txt)),
			    enum_list(vals, sizeof(vals) / sizeof(vals[0]), list, sizeof(list)));
	if (v > 255)
		return fail(ld, n, "protocol %lu is out of range (0-255)", v);
	*out = (uint8_t)v;
	return 0;
}

enum rule_key {
	RK_NAME, RK_SRC, RK_DST, RK_PROTOCOL, RK_SPORT, RK_DPORT, RK_TCP_FLAGS, RK_ICMP_TYPE,
	RK_VLAN, RK_INTERFACE, RK_ACTION, RK_LOG, RK_CAPTURE, RK_COUNT,
};

#define LOG_SAMPLE_MAX 1000000000ul
#define LOG_RATE_MAX 100000000ul

/* `log: true|false` or `log: {sample: N, rate_limit: R}` (docs/logs.md). */
static int parse_log(struct loader *ld, struct sl_ynode *n, struct sl_rule_cfg *r)
{
	static const char *const keys[] = {"sample", "rate_limit"};
	struct sl_ynode *v[2], *k[2];
	unsigned long x;
	int err;

	if (sl_ynode_type(n) != SL_YN_MAPPING)
		return get_bool(ld, n, "log", &r->log);
	err = map_fields(ld, n, "log", keys, 2, v, k);
	if (err)
		return err;
	r->log = true;
	if (v[0]) {
		err = get_uint(ld, v[0], "sample", LOG_SAMPLE_MAX, &x);
		if (err)
			return err;
		if (x == 0)
			return fail(ld, v[0], "sample must be at least 1 (1 logs every packet)");
		r->log_sample = (uint32_t)x;
	}
	if (v[1]) {
		err = get_uint(ld, v[1], "rate_limit", LOG_RATE_MAX, &x);
		if (err)
			return err;
		r->log_rate = (uint32_t)x;
	}
	return 0;
}

#define CAPTURE_DEFAULT 128

/* `capture: true|false` or `capture: {snaplen: N}`; a capture is logged. */
static int parse_capture(struct loader *ld, struct sl_ynode *n, struct sl_rule_cfg *r)
{
	static const char *const keys[] = {"snaplen"};
	struct sl_ynode *v[1], *k[1];
	unsigned long x;
	bool on;
	int err;

	if (sl_ynode_type(n) != SL_YN_MAPPING) {
		err = get_bool(ld, n, "capture", &on);
		if (!err && on)
			r->capture_len = CAPTURE_DEFAULT;
		return err;
	}
	err = map_fields(ld, n, "capture", keys, 1, v, k);
	if (err)
		return err;
	r->capture_len = CAPTURE_DEFAULT;
	if (v[0]) {
		err = get_uint(ld, v[0], "snaplen", SL_CAPTURE_MAX, &x);
		if (err)
			return err;
		if (x == 0)
			return fail(ld, v[0], "snaplen must be 1-%d", SL_CAPTURE_MAX);
		r->capture_len = (uint16_t)x;
	}
	return 0;
}

static int parse_rule(struct loader *ld, struct sl_ynode *item, size_t idx)
{
	static const char *const keys[RK_COUNT] = {
		[RK_NAME] = "name", [RK_SRC] = "src", [RK_DST] = "dst",
		[RK_PROTOCOL] = "protocol", [RK_SPORT] = "sport", [RK_DPORT] = "dport",
		[RK_TCP_FLAGS] = "tcp_flags", [RK_ICMP_TYPE] = "icmp_type", [RK_VLAN] = "vlan",
		[RK_INTERFACE] = "interface", [RK_ACTION] = "action", [RK_LOG] = "log",
		[RK_CAPTURE] = "capture",
	};
	static const struct enum_val actions[] = {
		{"accept", SL_ACT_ACCEPT}, {"drop", SL_ACT_DROP}, {"count", SL_ACT_COUNT},
		{"steer", SL_ACT_STEER},
	};
	struct sl_rule_cfg *r = &ld->cfg->rules[idx];
	struct sl_ynode *v[RK_COUNT], *k[RK_COUNT];
	char list[64];
	bool ports_ok;
	size_t i;
	int err, act;

	err = map_fields(ld, item, "a rule", keys, RK_COUNT, v, k);
	if (err)
		return err;
	r->line = (uint32_t)node_pos(item).line;
	if (v[RK_NAME]) {
		err = get_str(ld, v[RK_NAME], "rule name", r->name, sizeof(r->name));
		if (err)
			return err;
		if (!valid_rule_name(r->name))
			return fail(ld, v[RK_NAME],
				    "bad rule name '%s': only letters, digits, '-', '_' and '.' are allowed",
				    r->name);
	} else {
		snprintf(r->name, sizeof(r->name), "rule-%zu", idx + 1);
	}
	for (i = 0; i < idx; i++)
		if (!strcmp(ld->cfg->rules[i].name, r->name))
			return fail(ld, v[RK_NAME] ? v[RK_NAME] : item,
				    "duplicate rule name '%s' (first used on line %u)", r->name,
				    ld->cfg->rules[i].line);

	if (!v[RK_ACTION])
		return fail(ld, item, "rule '%s' has no 'action' (allowed: %s)", r->name,
			    enum_list(actions, 4, list, sizeof(list)));
	err = get_enum(ld, v[RK_ACTION], "action", actions, 4, &act);
	if (err)
		return err;
	r->action = (uint32_t)act;

	if (v[RK_PROTOCOL]) {
		err = parse_protocol(ld, v[RK_PROTOCOL], &r->protocol);
		if (err)
			return err;
		r->match |= SL_MATCH_PROTO;
	}
	ports_ok = (r->match & SL_MATCH_PROTO) &&
		   (r->protocol == IPPROTO_TCP || r->protocol == IPPROTO_UDP);
	if (v[RK_SPORT]) {
		if (!ports_ok)
			return fail(ld, k[RK_SPORT], "'sport' needs protocol tcp or udp");
		err = parse_ports(ld, v[RK_SPORT], "sport", r->sport, &r->n_sport);
		if (err)
			return err;
		r->match |= SL_MATCH_SPORT;
	}
	if (v[RK_DPORT]) {
		if (!ports_ok)
			return fail(ld, k[RK_DPORT], "'dport' needs protocol tcp or udp");
		err = parse_ports(ld, v[RK_DPORT], "dport", r->dport, &r->n_dport);
		if (err)
			return err;
		r->match |= SL_MATCH_DPORT;
	}
	if (v[RK_TCP_FLAGS]) {
		if (!(r->match & SL_MATCH_PROTO) || r->protocol != IPPROTO_TCP)
			return fail(ld, k[RK_TCP_FLAGS], "'tcp_flags' needs protocol tcp");
		err = parse_tcp_flags(ld, v[RK_TCP_FLAGS], r);
		if (err)
			return err;
		r->match |= SL_MATCH_TCP_FLAGS;
	}
	if (v[RK_ICMP_TYPE]) {
		if (!(r->match & SL_MATCH_PROTO) ||
		    (r->protocol != IPPROTO_ICMP && r->protocol != IPPROTO_ICMPV6))
			return fail(ld, k[RK_ICMP_TYPE], "'icmp_type' needs protocol icmp or icmpv6");
		err = parse_icmp_type(ld, v[RK_ICMP_TYPE], r->protocol == IPPROTO_ICMPV6, &r->icmp);
		if (err)
			return err;
		r->match |= SL_MATCH_ICMP;
	}
	if (v[RK_VLAN]) {
		unsigned long vlan;

		err = get_uint(ld, v[RK_VLAN], "vlan", 4095, &vlan);
		if (err)
			return err;
		r->vlan = (uint16_t)vlan;
		r->match |= SL_MATCH_VLAN;
	}
	if (v[RK_INTERFACE]) {
		err = get_ifname(ld, v[RK_INTERFACE], "interface", r->iface);
		if (err)
			return err;
		/* A rule on an interface sluice is not attached to could never match. */
		if (ld->cfg->n_ifaces) {
			for (i = 0; i < ld->cfg->n_ifaces; i++)
				if (!strcmp(ld->cfg->ifaces[i].name, r->iface))
					break;
			/* The program resolves a rule's interface once, at load: by name only. */
			if (i < ld->cfg->n_ifaces && ld->cfg->ifaces[i].pattern)
				return fail(ld, v[RK_INTERFACE],
					    "interface '%s' is a pattern; a rule names one interface",
					    r->iface);
			if (i == ld->cfg->n_ifaces) {
				int m = sl_config_match_iface(ld->cfg, r->iface);

				if (m >= 0)
					return fail(ld, v[RK_INTERFACE],
						    "interface '%s' is only matched by the pattern '%s'; "
						    "a rule's interface must be listed by name",
						    r->iface, ld->cfg->ifaces[m].name);
				return fail(ld, v[RK_INTERFACE],
					    "interface '%s' is not in 'interfaces'", r->iface);
			}
		}
		r->match |= SL_MATCH_IFACE;
	}
	if (v[RK_SRC]) {
		err = parse_addrs(ld, r, "src", v[RK_SRC], r->src_sets, &r->n_src_sets);
		if (err)
			return err;
		r->match |= SL_MATCH_SRC;
	}
	if (v[RK_DST]) {
		err = parse_addrs(ld, r, "dst", v[RK_DST], r->dst_sets, &r->n_dst_sets);
		if (err)
			return err;
		r->match |= SL_MATCH_DST;
	}
	r->log_sample = 1;
	if (v[RK_LOG]) {
		err = parse_log(ld, v[RK_LOG], r);
		if (err)
			return err;
	}
	if (v[RK_CAPTURE]) {
		err = parse_capture(ld, v[RK_CAPTURE], r);
		if (err)
			return err;
		if (r->capture_len) {
			if (v[RK_LOG] && !r->log)
				return fail(ld, v[RK_LOG], "'log: false' contradicts 'capture'");
			r->log = true;
		}
	}
	/* Events have no steer verdict yet (sluice/events.h): refused, not logged wrongly. */
	if (r->log && r->action == SL_ACT_STEER)
		return fail(ld, v[RK_LOG] ? k[RK_LOG] : k[RK_CAPTURE],
			    "rule '%s': steer rules cannot log or capture yet", r->name);
	return 0;
}

static int parse_rules(struct loader *ld, struct sl_ynode *seq)
{
	struct sl_ynode *item;
	void *it = NULL;
	size_t idx = 0;
	int n, err;

	err = expect_seq(ld, seq, "rules");
	if (err)
		return err;
	n = sl_ynode_seq_count(seq);
	if (n > SL_MAX_RULES)
		return fail(ld, sl_ynode_seq_get(seq, SL_MAX_RULES),
			    "too many rules: %d (at most %d)", n, SL_MAX_RULES);
	if (n <= 0)
		return 0;
	ld->cfg->rules = calloc((size_t)n, sizeof(*ld->cfg->rules));
	if (!ld->cfg->rules) {
		fail(ld, seq, "out of memory");
		return -ENOMEM;
	}
	while ((item = sl_ynode_seq_iterate(seq, &it)) && idx < (size_t)n) {
		err = parse_rule(ld, item, idx);
		if (err)
			return err;
		ld->cfg->n_rules = ++idx;
	}
	return 0;
}

/* ---------------------------------------------------------- settings, ifaces */

static int parse_settings(struct loader *ld, struct sl_ynode *n)
{
	static const char *const keys[] = {"default_policy", "malformed", "non_ip",
					   "fragments", "keep_enforcing", "pin_dir"};
	static const struct enum_val verdicts[] = {
		{"accept", SL_VERDICT_PASS}, {"drop", SL_VERDICT_DROP},
	};
	static const struct enum_val policies[] = {
		{"accept", SL_POLICY_PASS}, {"drop", SL_POLICY_DROP}, {"rules", SL_POLICY_RULES},
	};
	struct sl_config *cfg = ld->cfg;
	struct sl_ynode *v[6], *k[6];
	int err, x;

	err = map_fields(ld, n, "settings", keys, 6, v, k);
	if (err)
		return err;
	if (v[0]) {
		err = get_enum(ld, v[0], "default_policy", verdicts, 2, &x);
		if (err)
			return err;
		cfg->default_verdict = (uint8_t)x;
	}
	if (v[1]) {
		err = get_enum(ld, v[1], "malformed", policies, 2, &x);
		if (err)
			return err;
		cfg->malformed_policy = (uint8_t)x;
	}
	if (v[2]) {
		err = get_enum(ld, v[2], "non_ip", policies, 2, &x);
		if (err)
			return err;
		cfg->non_ip_policy = (uint8_t)x;
	}
	if (v[3]) {
		err = get_enum(ld, v[3], "fragments", policies, 3, &x);
		if (err)
			return err;
		cfg->frag_policy = (uint8_t)x;
	}
	if (v[4]) {
		err = get_bool(ld, v[4], "keep_enforcing", &cfg->keep_enforcing);
		if (err)
			return err;
	}
	if (v[5]) {
		err = get_str(ld, v[5], "pin_dir", cfg->pin_dir, sizeof(cfg->pin_dir));
		if (err)
			return err;
		if (cfg->pin_dir[0] != '/')
			return fail(ld, v[5], "pin_dir '%s' must be an absolute path", cfg->pin_dir);
	}
	return 0;
}

/*
 * A glob pattern for interface names (fnmatch(3)): every '[' closes with
 * a ']' after at least one character, and no backslash, so that a pattern
 * means the same to the reader as to fnmatch.
 */
static int check_ifpattern(struct loader *ld, struct sl_ynode *n, const char *p)
{
	const char *s;

	if (strchr(p, '\\'))
		return fail(ld, n, "bad interface pattern '%s': no '\\' allowed", p);
	for (s = p; *s; s++) {
		if (*s == ']')
			return fail(ld, n, "bad interface pattern '%s': ']' without '['", p);
		if (*s != '[')
			continue;
		s++;
		if (*s == '!' || *s == '^')
			s++;
		if (*s == ']')
			s++; /* a ']' right after the '[' is a member, as in fnmatch */
		while (*s && *s != ']')
			s++;
		if (!*s)
			return fail(ld, n, "bad interface pattern '%s': '[' without a closing ']'", p);
	}
	return 0;
}

static int parse_interfaces(struct loader *ld, struct sl_ynode *seq)
{
	static const char *const keys[] = {"name", "mode"};
	static const struct enum_val modes[] = {
		{"native", SL_XDP_MODE_NATIVE}, {"native-only", SL_XDP_MODE_NATIVE_ONLY},
		{"generic", SL_XDP_MODE_GENERIC},
	};
	struct sl_config *cfg = ld->cfg;
	struct sl_ynode *item;
	void *it = NULL;
	int err;

	err = expect_seq(ld, seq, "interfaces");
	if (err)
		return err;
	while ((item = sl_ynode_seq_iterate(seq, &it))) {
		struct sl_iface_cfg *ifc;
		struct sl_ynode *v[2], *k[2];
		size_t i;
		int mode;

		if (cfg->n_ifaces >= SL_MAX_IFACES)
			return fail(ld, item, "too many interfaces (at most %d)", SL_MAX_IFACES);
		err = map_fields(ld, item, "an interface", keys, 2, v, k);
		if (err)
			return err;
		if (!v[0])
			return fail(ld, item, "interface has no 'name'");
		ifc = &cfg->ifaces[cfg->n_ifaces];
		err = get_ifname(ld, v[0], "interface name", ifc->name);
		if (err)
			return err;
		ifc->pattern = strpbrk(ifc->name, "*?[") != NULL;
		if (ifc->pattern) {
			err = check_ifpattern(ld, v[0], ifc->name);
			if (err)
				return err;
		}
		for (i = 0; i < cfg->n_ifaces; i++)
			if (!strcmp(cfg->ifaces[i].name, ifc->name))
				return fail(ld, v[0], "duplicate interface '%s'", ifc->name);
		ifc->mode = SL_XDP_MODE_NATIVE;
		if (v[1]) {
			err = get_enum(ld, v[1], "mode", modes, 3, &mode);
			if (err)
				return err;
			ifc->mode = (uint32_t)mode;
		}
		cfg->n_ifaces++;
	}
	return 0;
}

/* ------------------------------------------------------------------ logging */

void sl_logging_defaults(struct sl_logging_cfg *l)
{
	memset(l, 0, sizeof(*l));
	l->rotate_bytes = 256ull << 20;
	l->rotate_seconds = 0;
	l->max_files = 10;
	l->fsync = SL_FSYNC_NONE;
	l->fsync_interval_ms = 1000;
	l->flush_ms = 100;
	l->ring_bytes = SL_EVENT_RING_DEFAULT;
	l->buffer_bytes = 1u << 20;
	l->buffers = 8;
	l->worker_ring_slots = 4096;
	l->io = SL_LOG_IO_URING;
}

/* A byte count: decimal with an optional K, M or G suffix (powers of 1024). */
static int get_size(struct loader *ld, struct sl_ynode *n, const char *what, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	unsigned long v;
	const char *s;
	char txt[80];
	size_t len;
	int shift = 0, err;

	err = get_text(ld, n, what, &s, &len);
	if (err)
		return err;
	if (len > 1) {
		switch (s[len - 1]) {
		case 'K': case 'k':
			shift = 10;
			break;
		case 'M': case 'm':
			shift = 20;
			break;
		case 'G': case 'g':
			shift = 30;
			break;
		}
		if (shift)
			len--;
	}
	if (!parse_decimal(s, len, &v))
		return fail(ld, n, "%s '%s' is not a size (a number with an optional K, M or G)",
			    what, shown(s, len + (shift ? 1 : 0), txt, sizeof(txt)));
	*out = (uint64_t)v << shift;
	if (*out < min || *out > max)
		return fail(ld, n, "%s %llu is out of range (%llu-%llu)", what,
			    (unsigned long long)*out, (unsigned long long)min,
			    (unsigned long long)max);
	return 0;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int get_log_path(struct loader *ld, struct sl_ynode *n, const char *what, char *out)
{
	int err = get_str(ld, n, what, out, SL_LOG_PATH_LEN);

	if (err)
		return err;
	if (out[0] != '/')
		return fail(ld, n, "%s '%s' must be an absolute path", what, out);
	return 0;
}

enum log_key {
	LK_JSON, LK_PCAP, LK_ROTATE_SIZE, LK_ROTATE_AGE, LK_MAX_FILES, LK_FSYNC,
	LK_FSYNC_INTERVAL, LK_FLUSH, LK_RING, LK_BUFFER, LK_BUFFERS, LK_WORKER_SLOTS, LK_IO,
	LK_AUDIT, LK_COUNT,
};

static int parse_logging(struct loader *ld, struct sl_ynode *n)
{
	static const char *const keys[LK_COUNT] = {
		[LK_JSON] = "json", [LK_PCAP] = "pcap", [LK_ROTATE_SIZE] = "rotate_size",
		[LK_ROTATE_AGE] = "rotate_seconds", [LK_MAX_FILES] = "max_files",
		[LK_FSYNC] = "fsync", [LK_FSYNC_INTERVAL] = "fsync_interval_ms",
		[LK_FLUSH] = "flush_ms", [LK_RING] = "ring_size", [LK_BUFFER] = "buffer_size",
		[LK_BUFFERS] = "buffers", [LK_WORKER_SLOTS] = "worker_ring_slots", [LK_IO] = "io",
		[LK_AUDIT] = "audit",
	};
	static const struct enum_val fsyncs[] = {
		{"none", SL_FSYNC_NONE}, {"interval", SL_FSYNC_INTERVAL}, {"batch", SL_FSYNC_BATCH},
	};
	static const struct enum_val ios[] = {
		{"io_uring", SL_LOG_IO_URING}, {"pwrite", SL_LOG_IO_PWRITE},
	};
	struct sl_logging_cfg *l = &ld->cfg->logging;
	struct sl_ynode *v[LK_COUNT], *k[LK_COUNT];
	unsigned long x;
	uint64_t sz;
	int err, e;

	err = map_fields(ld, n, "logging", keys, LK_COUNT, v, k);
	if (err)
		return err;
	l->enabled = true;
	if (v[LK_JSON] && (err = get_log_path(ld, v[LK_JSON], "json", l->json_path)))
		return err;
	if (v[LK_PCAP] && (err = get_log_path(ld, v[LK_PCAP], "pcap", l->pcap_path)))
		return err;
	if (v[LK_AUDIT] && (err = get_log_path(ld, v[LK_AUDIT], "audit", l->audit_path)))
		return err;
	if (!v[LK_JSON] && !v[LK_PCAP] && !v[LK_AUDIT])
		return fail(ld, n, "logging needs 'json', 'pcap' or 'audit' (or several)");
	if (v[LK_JSON] && v[LK_PCAP] && !strcmp(l->json_path, l->pcap_path))
		return fail(ld, v[LK_PCAP], "pcap and json must be different files");
	if (v[LK_AUDIT] && ((v[LK_JSON] && !strcmp(l->audit_path, l->json_path)) ||
			    (v[LK_PCAP] && !strcmp(l->audit_path, l->pcap_path))))
		return fail(ld, v[LK_AUDIT], "audit must be a file of its own");
	if (v[LK_ROTATE_SIZE]) {
		err = get_size(ld, v[LK_ROTATE_SIZE], "rotate_size", 0, 1ull << 40, &l->rotate_bytes);
		if (err)
			return err;
	}
	if (v[LK_ROTATE_AGE]) {
		err = get_uint(ld, v[LK_ROTATE_AGE], "rotate_seconds", 366ul * 86400, &x);
		if (err)
			return err;
		l->rotate_seconds = (uint32_t)x;
	}
	if (v[LK_MAX_FILES]) {
		err = get_uint(ld, v[LK_MAX_FILES], "max_files", 100000, &x);
		if (err)
			return err;
		l->max_files = (uint32_t)x;
	}
	if (v[LK_FSYNC]) {
		err = get_enum(ld, v[LK_FSYNC], "fsync", fsyncs, 3, &e);
		if (err)
			return err;
		l->fsync = (uint32_t)e;
	}
	if (v[LK_FSYNC_INTERVAL]) {
		err = get_uint(ld, v[LK_FSYNC_INTERVAL], "fsync_interval_ms", 3600000, &x);
		if (err)
			return err;
		if (x == 0)
			return fail(ld, v[LK_FSYNC_INTERVAL], "fsync_interval_ms must be at least 1");
		l->fsync_interval_ms = (uint32_t)x;
	}
	if (v[LK_FLUSH]) {
		err = get_uint(ld, v[LK_FLUSH], "flush_ms", 60000, &x);
		if (err)
			return err;
		if (x == 0)
			return fail(ld, v[LK_FLUSH], "flush_ms must be at least 1");
		l->flush_ms = (uint32_t)x;
	}
	if (v[LK_RING]) {
		err = get_size(ld, v[LK_RING], "ring_size", 4096, 1ull << 30, &sz);
		if (err)
			return err;
		if (!is_pow2(sz))
			return fail(ld, v[LK_RING], "ring_size %llu is not a power of two",
				    (unsigned long long)sz);
		l->ring_bytes = (uint32_t)sz;
	}
	if (v[LK_BUFFER]) {
		err = get_size(ld, v[LK_BUFFER], "buffer_size", 4096, 1ull << 30, &sz);
		if (err)
			return err;
		l->buffer_bytes = (uint32_t)sz;
	}
	if (v[LK_BUFFERS]) {
		err = get_uint(ld, v[LK_BUFFERS], "buffers", 1024, &x);
		if (err)
			return err;
		if (x < 2)
			return fail(ld, v[LK_BUFFERS], "buffers must be at least 2");
		l->buffers = (uint32_t)x;
	}
	if (v[LK_WORKER_SLOTS]) {
		err = get_uint(ld, v[LK_WORKER_SLOTS], "worker_ring_slots", 1ul << 24, &x);
		if (err)
			return err;
		if (x < 2 || !is_pow2(x))
			return fail(ld, v[LK_WORKER_SLOTS],
				    "worker_ring_slots %lu is not a power of two of at least 2", x);
		l->worker_ring_slots = (uint32_t)x;
	}
	if (v[LK_IO]) {
		err = get_enum(ld, v[LK_IO], "io", ios, 2, &e);
		if (err)
			return err;
		l->io = (uint32_t)e;
	}
	return 0;
}

/* -------------------------------------------------------------------- memory */

static const char *const pool_names[SL_POOL_COUNT] = {
	[SL_POOL_UMEM] = "umem",
	[SL_POOL_FLOW_TABLES] = "flow_tables",
	[SL_POOL_LOG_BUFFERS] = "log_buffers",
	[SL_POOL_CAPTURE_BUFFERS] = "capture_buffers",
	[SL_POOL_PREFIX_TABLES] = "prefix_tables",
	[SL_POOL_RULE_TABLES] = "rule_tables",
};

const char *sl_pool_name(enum sl_pool_id id)
{
	return (unsigned int)id < SL_POOL_COUNT ? pool_names[id] : NULL;
}

static const struct enum_val tier_kinds[] = {
	{"fast", SL_TIER_FAST}, {"capacity", SL_TIER_CAPACITY}, {"auto", SL_TIER_AUTO},
};

/* A tier: fast, capacity, auto, or a list of node ids like [1] or [0, 2]. */
static int parse_tier(struct loader *ld, struct sl_ynode *n, const char *what,
		      struct sl_tier_req *tier)
{
	struct sl_ynode *item;
	unsigned long id;
	void *it = NULL;
	int err, kind;

	memset(tier, 0, sizeof(*tier));
	if (sl_ynode_type(n) != SL_YN_SEQUENCE) {
		err = get_enum(ld, n, what, tier_kinds, 3, &kind);
		if (!err)
			tier->kind = (uint32_t)kind;
		return err;
	}
	if (sl_ynode_seq_count(n) <= 0)
		return fail(ld, n, "%s: an empty node list (name at least one node)", what);
	tier->kind = SL_TIER_NODES;
	while ((item = sl_ynode_seq_iterate(n, &it))) {
		err = get_uint(ld, item, "node id", SL_MAX_NODES - 1, &id);
		if (err)
			return err;
		if (tier->nodes & (1ULL << id))
			return fail(ld, item, "node %lu listed twice", id);
		tier->nodes |= 1ULL << id;
	}
	return 0;
}

/* `memory: {strict: B, pools: {NAME: TIER | {tier: TIER, huge_pages: B}}}` (docs/config.md). */
static int parse_memory(struct loader *ld, struct sl_ynode *n)
{
	static const char *const keys[] = {"strict", "pools"};
	struct sl_memory_cfg *mem = &ld->cfg->memory;
	struct sl_ynode *v[2], *k[2], *pv[SL_POOL_COUNT], *pk[SL_POOL_COUNT];
	int err, i;

	err = map_fields(ld, n, "memory", keys, 2, v, k);
	if (err)
		return err;
	if (v[0]) {
		err = get_bool(ld, v[0], "strict", &mem->strict);
		if (err)
			return err;
	}
	if (!v[1])
		return 0;
	err = map_fields(ld, v[1], "memory.pools", pool_names, SL_POOL_COUNT, pv, pk);
	if (err)
		return err;
	for (i = 0; i < SL_POOL_COUNT; i++) {
		static const char *const pool_keys[] = {"tier", "huge_pages"};
		struct sl_pool_cfg *p = &mem->pools[i];
		struct sl_ynode *qv[2], *qk[2];

		if (!pv[i])
			continue;
		p->set = true;
		if (sl_ynode_type(pv[i]) != SL_YN_MAPPING) {
			err = parse_tier(ld, pv[i], "tier", &p->tier);
			if (err)
				return err;
			continue;
		}
		err = map_fields(ld, pv[i], pool_names[i], pool_keys, 2, qv, qk);
		if (err)
			return err;
		if (qv[0]) {
			err = parse_tier(ld, qv[0], "tier", &p->tier);
			if (err)
				return err;
		}
		if (qv[1]) {
			err = get_bool(ld, qv[1], "huge_pages", &p->huge_pages);
			if (err)
				return err;
			/* The kernel allocates map memory itself: only the node can be chosen. */
			if (p->huge_pages &&
			    (i == SL_POOL_PREFIX_TABLES || i == SL_POOL_RULE_TABLES))
				return fail(ld, qv[1], "huge_pages does not apply to %s (BPF maps)",
					    pool_names[i]);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ control */

/* POSIX's portable user and group names: letters, digits, '.', '_', '-', not first. */
static bool valid_group_name(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if (!name_char(*s))
			return false;
	return true;
}

/* `control: {group: NAME, socket: PATH}`; the group is resolved by sluiced. */
static int parse_control(struct loader *ld, struct sl_ynode *n)
{
	static const char *const keys[] = {"group", "socket"};
	struct sl_control_cfg *c = &ld->cfg->control;
	struct sl_ynode *v[2], *k[2];
	int err;

	err = map_fields(ld, n, "control", keys, 2, v, k);
	if (err)
		return err;
	if (v[0]) {
		err = get_str(ld, v[0], "group", c->group, sizeof(c->group));
		if (err)
			return err;
		if (!valid_group_name(c->group))
			return fail(ld, v[0], "bad group name '%s' (letters, digits, '.', '_', '-')",
				    c->group);
	}
	if (v[1]) {
		err = get_str(ld, v[1], "socket", c->socket, sizeof(c->socket));
		if (err)
			return err;
		if (c->socket[0] != '/')
			return fail(ld, v[1], "socket '%s' must be an absolute path", c->socket);
	}
	return 0;
}

/* ------------------------------------------------------------------ metrics */

#define METRICS_DEFAULT_LISTEN "127.0.0.1:9469"

/*
 * "A.B.C.D:PORT" or "[IPv6]:PORT", literals only (a name would need a
 * resolver at start and could mean several addresses). 0, or -EINVAL.
 */
static int parse_listen(const char *s, struct sl_metrics_cfg *m)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	unsigned long port;
	size_t hlen;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
		m->family = AF_INET6;
	} else {
		colon = strchr(s, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL; /* none, or an IPv6 address without brackets */
		hlen = (size_t)(colon - s);
		m->family = AF_INET;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(m->addr, 0, sizeof(m->addr));
	if (inet_pton(m->family, host, m->addr) != 1)
		return -EINVAL;
	if (!parse_decimal(colon + 1, strlen(colon + 1), &port) || port == 0 || port > 65535)
		return -EINVAL;
	m->port = (uint16_t)port;
	return 0;
}

/* `metrics: {listen: ADDRESS:PORT, enabled: BOOL}`. */
static int parse_metrics(struct loader *ld, struct sl_ynode *n)
{
	static const char *const keys[] = {"listen", "enabled"};
	struct sl_metrics_cfg *m = &ld->cfg->metrics;
	struct sl_ynode *v[2], *k[2];
	int err;

	err = map_fields(ld, n, "metrics", keys, 2, v, k);
	if (err)
		return err;
	m->enabled = true;
	if (v[1]) {
		err = get_bool(ld, v[1], "enabled", &m->enabled);
		if (err)
			return err;
	}
	if (v[0]) {
		err = get_str(ld, v[0], "listen", m->listen, sizeof(m->listen));
		if (err)
			return err;
	} else {
		snprintf(m->listen, sizeof(m->listen), "%s", METRICS_DEFAULT_LISTEN);
	}
	if (parse_listen(m->listen, m))
		return fail(ld, v[0], "bad listen address '%s' (ADDRESS:PORT with an IPv4 address, "
			    "or [ADDRESS]:PORT with an IPv6 one; port 1-65535)", m->listen);
	return 0;
}

/* ------------------------------------------------------- steering, dataplane */

/* `steering: {no_socket: pass | drop}` (docs/dataplane.md). */
static int parse_steering(struct loader *ld, struct sl_ynode *n)
{
	static const char *const keys[] = {"no_socket"};
	static const struct enum_val policies[] = {
		{"pass", SL_POLICY_PASS}, {"drop", SL_POLICY_DROP},
	};
	struct sl_ynode *v[1], *k[1];
	int err, x;

	err = map_fields(ld, n, "steering", keys, 1, v, k);
	if (err)
		return err;
	if (v[0]) {
		err = get_enum(ld, v[0], "no_socket", policies, 2, &x);
		if (err)
			return err;
		ld->cfg->steering.no_socket = (uint8_t)x;
	}
	return 0;
}

void sl_dataplane_defaults(struct sl_dataplane_cfg *d)
{
	memset(d, 0, sizeof(*d));
	d->frame_size = 4096;
	d->frames = 4096;
	d->ring_size = 2048;
	d->batch = 64;
	d->max_frame = 1518;
	d->zero_copy = SL_ZC_AUTO;
	d->busy_poll_budget = 64;
	d->busy_poll_usecs = 20;
}

/* The userspace stages a dataplane interface may name (dataplane/stage.c registers them). */
static const char *const stage_names[] = {"reflect", "drop", "forward", "inspect"};

/* `busy_poll: BOOL` or `busy_poll: {budget: N, timeout_us: N}` (which enables it). */
static int parse_busy_poll(struct loader *ld, struct sl_ynode *n, struct sl_dataplane_cfg *d)
{
	static const char *const keys[] = {"budget", "timeout_us"};
	struct sl_ynode *v[2], *k[2];
	unsigned long x;
	int err;

	if (sl_ynode_type(n) != SL_YN_MAPPING)
		return get_bool(ld, n, "busy_poll", &d->busy_poll);
	err = map_fields(ld, n, "busy_poll", keys, 2, v, k);
	if (err)
		return err;
	d->busy_poll = true;
	if (v[0]) {
		err = get_uint(ld, v[0], "budget", 65535, &x);
		if (err)
			return err;
		if (!x)
			return fail(ld, v[0], "budget must be at least 1");
		d->busy_poll_budget = (uint32_t)x;
	}
	if (v[1]) {
		err = get_uint(ld, v[1], "timeout_us", 1000000, &x);
		if (err)
			return err;
		d->busy_poll_usecs = (uint32_t)x;
	}
	return 0;
}

static int parse_stages(struct loader *ld, struct sl_ynode *seq, struct sl_dp_iface_cfg *dif)
{
	struct sl_ynode *item;
	void *it = NULL;
	size_t i;
	int err;

	err = expect_seq(ld, seq, "stages");
	if (err)
		return err;
	while ((item = sl_ynode_seq_iterate(seq, &it))) {
		char *name;

		if (dif->n_stages >= SL_DP_MAX_STAGES)
			return fail(ld, item, "too many stages (at most %d)", SL_DP_MAX_STAGES);
		if (dif->n_stages && (!strcmp(dif->stages[dif->n_stages - 1], "reflect") ||
				      !strcmp(dif->stages[dif->n_stages - 1], "drop") ||
				      !strcmp(dif->stages[dif->n_stages - 1], "forward")))
			return fail(ld, item, "no stage can follow '%s': it decides every packet",
				    dif->stages[dif->n_stages - 1]);
		name = dif->stages[dif->n_stages];
		err = get_str(ld, item, "stage", name, SL_STAGE_NAME_LEN);
		if (err)
			return err;
		for (i = 0; i < sizeof(stage_names) / sizeof(stage_names[0]); i++)
			if (!strcmp(stage_names[i], name))
				break;
		if (i == sizeof(stage_names) / sizeof(stage_names[0]))
			return fail(ld, item, "unknown stage '%s' (allowed: reflect, drop, forward, inspect)", name);
		dif->n_stages++;
	}
	return 0;
}

static int parse_workers(struct loader *ld, struct sl_ynode *seq, struct sl_dp_iface_cfg *dif)
{
	static const char *const keys[] = {"queue", "cpu"};
	struct sl_ynode *item;
	void *it = NULL;
	int err;

	err = expect_seq(ld, seq, "workers");
	if (err)
		return err;
	while ((item = sl_ynode_seq_iterate(seq, &it))) {
		struct sl_dp_worker_cfg *w;
		struct sl_ynode *v[2], *k[2];
		unsigned long x;
		uint32_t i;

		if (dif->n_workers >= SL_DP_MAX_WORKERS)
			return fail(ld, item, "too many workers (at most %d)", SL_DP_MAX_WORKERS);
		err = map_fields(ld, item, "a worker", keys, 2, v, k);
		if (err)
			return err;
		if (!v[0] || !v[1])
			return fail(ld, item, "a worker needs 'queue' and 'cpu'");
		w = &dif->workers[dif->n_workers];
		err = get_uint(ld, v[0], "queue", SL_MAX_QUEUES - 1, &x);
		if (err)
			return err;
		w->queue = (uint32_t)x;
		/* CPU_SETSIZE: what sched_setaffinity's cpu_set_t can name. */
		err = get_uint(ld, v[1], "cpu", 1023, &x);
		if (err)
			return err;
		w->cpu = (uint32_t)x;
		for (i = 0; i < dif->n_workers; i++)
			if (dif->workers[i].queue == w->queue)
				return fail(ld, v[0], "two workers on queue %u of %s", w->queue, dif->name);
		dif->n_workers++;
	}
	return 0;
}

/*
 * `peer: IFNAME` of a dataplane interface (an inline pair, docs/dataplane.md):
 * both ports listed by name in `interfaces` (the program runs on both), no
 * port in two pairs, and a pair goes with the forward stage, which needs
 * one. n is the peer's node, or NULL; where the stages' node, for messages.
 */
static int parse_peer(struct loader *ld, struct sl_ynode *n, struct sl_ynode *where,
		      struct sl_dp_iface_cfg *dif)
{
	const struct sl_dataplane_cfg *d = &ld->cfg->dataplane;
	bool fwd = false;
	size_t i;
	int err;

	for (i = 0; i < dif->n_stages; i++)
		fwd |= !strcmp(dif->stages[i], "forward");
	if (!n) {
		if (fwd)
			return fail(ld, where, "stage 'forward' on '%s' needs a 'peer': the port its "
				    "packets leave on", dif->name);
		return 0;
	}
	err = get_ifname(ld, n, "peer", dif->peer);
	if (err)
		return err;
	if (!fwd)
		return fail(ld, n, "'%s' has a peer but no 'forward' stage: an inline pair "
			    "forwards (stages: [forward] or [inspect, forward])", dif->name);
	if (!strcmp(dif->peer, dif->name))
		return fail(ld, n, "'%s' cannot be its own peer", dif->name);
	for (i = 0; i < ld->cfg->n_ifaces; i++)
		if (!ld->cfg->ifaces[i].pattern && !strcmp(ld->cfg->ifaces[i].name, dif->peer))
			break;
	if (i == ld->cfg->n_ifaces)
		return fail(ld, n, "peer '%s' is not listed by name in 'interfaces' (the program "
			    "runs on both ports of a pair)", dif->peer);
	for (i = 0; i < d->n_ifaces; i++)
		if (!strcmp(d->ifaces[i].name, dif->peer) || !strcmp(d->ifaces[i].peer, dif->peer))
			return fail(ld, n, "peer '%s' is in another dataplane entry already",
				    dif->peer);
	return 0;
}

/*
 * `ports: af_xdp | dpdk` and `dpdk: {eal: [ARG, ...]}` (docs/dataplane.md,
 * "DPDK ports"). The EAL arguments sluiced sets itself (its lcores and
 * file prefix) are refused: a config cannot pin sluiced's main thread or
 * share another process's runtime files.
 */
static int parse_dp_ports(struct loader *ld, struct sl_ynode *ports, struct sl_ynode *dpdk)
{
	static const struct enum_val kinds[] = {
		{"af_xdp", SL_PORTS_AF_XDP}, {"dpdk", SL_PORTS_DPDK},
	};
	static const char *const own[] = {"-l", "-c", "--lcores", "--file-prefix", "--main-lcore"};
	static const char *const keys[] = {"eal"};
	struct sl_dataplane_cfg *d = &ld->cfg->dataplane;
	struct sl_ynode *v[1], *k[1], *item;
	void *it = NULL;
	size_t i, len;
	int err, x;

	if (ports) {
		err = get_enum(ld, ports, "ports", kinds, 2, &x);
		if (err)
			return err;
		d->ports = (uint32_t)x;
	}
	if (d->ports == SL_PORTS_DPDK && !SL_HAVE_DPDK)
		return fail(ld, ports, "ports: dpdk needs a sluice built with DPDK (meson option "
			    "dpdk and libdpdk, Debian package dpdk-dev); this one has none");
	if (!dpdk)
		return 0;
	if (d->ports != SL_PORTS_DPDK)
		return fail(ld, dpdk, "dataplane.dpdk goes with 'ports: dpdk'");
	err = map_fields(ld, dpdk, "dataplane.dpdk", keys, 1, v, k);
	if (err || !v[0])
		return err;
	err = expect_seq(ld, v[0], "dataplane.dpdk.eal");
	if (err)
		return err;
	while ((item = sl_ynode_seq_iterate(v[0], &it))) {
		char *arg = d->eal[d->n_eal];

		if (d->n_eal >= SL_DPDK_MAX_EAL)
			return fail(ld, item, "too many EAL arguments (at most %d)", SL_DPDK_MAX_EAL);
		err = get_str(ld, item, "an EAL argument", arg, SL_DPDK_EAL_ARG_LEN);
		if (err)
			return err;
		if (!arg[0])
			return fail(ld, item, "an empty EAL argument");
		for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
			len = strlen(own[i]);
			/* "-l 0-3", "-l0-3", "--lcores=..." alike; "--log-level" is not "-l". */
			if (!strncmp(arg, own[i], len) &&
			    (!arg[len] || arg[len] == '=' || (own[i][1] != '-' && arg[1] != '-')))
				return fail(ld, item, "EAL argument '%s': sluiced sets %s itself (workers "
					    "are pinned by dataplane.interfaces[].workers[].cpu)", arg, own[i]);
		}
		d->n_eal++;
	}
	return 0;
}

/*
 * A DPDK port's entry: queues 0..n-1 (the port gets one queue pair per
 * worker), and no inline pair (the forward stage is AF_XDP only today).
 */
static int check_dpdk_iface(struct loader *ld, struct sl_ynode *workers, struct sl_ynode *peer,
			    const struct sl_dp_iface_cfg *dif)
{
	uint32_t i;

	if (peer)
		return fail(ld, peer, "DPDK port '%s': 'peer' (an inline pair) needs ports: af_xdp",
			    dif->name);
	for (i = 0; i < dif->n_workers; i++)
		if (dif->workers[i].queue >= dif->n_workers)
			return fail(ld, workers, "DPDK port '%s': its %u workers must use queues 0 to %u "
				    "(one queue pair each), not queue %u", dif->name, dif->n_workers,
				    dif->n_workers - 1, dif->workers[i].queue);
	return 0;
}

/*
 * `dataplane: {frame_size, frames, ring_size, batch, max_frame, zero_copy,
 * busy_poll, interfaces: [{name, peer, stages: [...], workers: [{queue, cpu}]}]}`
 * (docs/dataplane.md). An interface must be listed by name in `interfaces`.
 */
static int parse_dataplane(struct loader *ld, struct sl_ynode *n)
{
	enum { DK_FRAME_SIZE, DK_FRAMES, DK_RING_SIZE, DK_BATCH, DK_MAX_FRAME, DK_ZERO_COPY,
	       DK_BUSY_POLL, DK_IFACES, DK_PORTS, DK_DPDK, DK_COUNT };
	static const char *const keys[DK_COUNT] = {
		[DK_FRAME_SIZE] = "frame_size", [DK_FRAMES] = "frames", [DK_RING_SIZE] = "ring_size",
		[DK_BATCH] = "batch", [DK_MAX_FRAME] = "max_frame", [DK_ZERO_COPY] = "zero_copy",
		[DK_BUSY_POLL] = "busy_poll", [DK_IFACES] = "interfaces",
		[DK_PORTS] = "ports", [DK_DPDK] = "dpdk",
	};
	static const struct enum_val zc[] = {
		{"auto", SL_ZC_AUTO}, {"on", SL_ZC_ON}, {"off", SL_ZC_OFF},
	};
	struct sl_dataplane_cfg *d = &ld->cfg->dataplane;
	struct sl_ynode *v[DK_COUNT], *k[DK_COUNT], *item;
	uint64_t sz;
	void *it = NULL;
	size_t with_workers = 0;
	int err, x;

	err = map_fields(ld, n, "dataplane", keys, DK_COUNT, v, k);
	if (err)
		return err;
	if (v[DK_FRAME_SIZE]) {
		err = get_size(ld, v[DK_FRAME_SIZE], "frame_size", 2048, 4096, &sz);
		if (err)
			return err;
		if (!is_pow2(sz))
			return fail(ld, v[DK_FRAME_SIZE], "frame_size must be 2048 or 4096");
		d->frame_size = (uint32_t)sz;
	}
	if (v[DK_FRAMES]) {
		err = get_size(ld, v[DK_FRAMES], "frames", 64, 1u << 20, &sz);
		if (err)
			return err;
		if (!is_pow2(sz))
			return fail(ld, v[DK_FRAMES], "frames must be a power of two");
		d->frames = (uint32_t)sz;
	}
	if (v[DK_RING_SIZE]) {
		err = get_size(ld, v[DK_RING_SIZE], "ring_size", 64, 1u << 16, &sz);
		if (err)
			return err;
		if (!is_pow2(sz))
			return fail(ld, v[DK_RING_SIZE], "ring_size must be a power of two");
		d->ring_size = (uint32_t)sz;
	}
	if (v[DK_BATCH]) {
		err = get_size(ld, v[DK_BATCH], "batch", 1, 256, &sz);
		if (err)
			return err;
		d->batch = (uint32_t)sz;
	}
	if (v[DK_MAX_FRAME]) {
		err = get_size(ld, v[DK_MAX_FRAME], "max_frame", 64, 65535, &sz);
		if (err)
			return err;
		d->max_frame = (uint32_t)sz;
	}
	if (v[DK_ZERO_COPY]) {
		err = get_enum(ld, v[DK_ZERO_COPY], "zero_copy", zc, 3, &x);
		if (err)
			return err;
		d->zero_copy = (uint32_t)x;
	}
	if (v[DK_BUSY_POLL]) {
		err = parse_busy_poll(ld, v[DK_BUSY_POLL], d);
		if (err)
			return err;
	}
	err = parse_dp_ports(ld, v[DK_PORTS], v[DK_DPDK]);
	if (err)
		return err;
	/* The fill ring holds at most ring_size frames and RX needs some left to refill it. */
	if (d->frames < 2 * d->batch)
		return fail(ld, v[DK_FRAMES] ? v[DK_FRAMES] : n,
			    "frames (%u) must be at least twice batch (%u)", d->frames, d->batch);
	if (!v[DK_IFACES])
		return 0;
	err = expect_seq(ld, v[DK_IFACES], "dataplane.interfaces");
	if (err)
		return err;
	while ((item = sl_ynode_seq_iterate(v[DK_IFACES], &it))) {
		static const char *const ikeys[] = {"name", "stages", "workers", "peer"};
		struct sl_ynode *iv[4], *ik[4];
		struct sl_dp_iface_cfg *dif;
		size_t i;

		if (d->n_ifaces >= SL_DP_MAX_IFACES)
			return fail(ld, item, "too many dataplane interfaces (at most %d)",
				    SL_DP_MAX_IFACES);
		err = map_fields(ld, item, "a dataplane interface", ikeys, 4, iv, ik);
		if (err)
			return err;
		if (!iv[0])
			return fail(ld, item, "a dataplane interface has no 'name'");
		dif = &d->ifaces[d->n_ifaces];
		/* A DPDK port is named by the EAL ("net_pcap0", "0000:01:00.0"), not a link. */
		err = d->ports == SL_PORTS_DPDK ?
			get_str(ld, iv[0], "DPDK port name", dif->name, IF_NAMESIZE) :
			get_ifname(ld, iv[0], "interface name", dif->name);
		if (err)
			return err;
		for (i = 0; i < ld->cfg->n_ifaces; i++)
			if (!ld->cfg->ifaces[i].pattern && !strcmp(ld->cfg->ifaces[i].name, dif->name))
				break;
		if (i == ld->cfg->n_ifaces && d->ports != SL_PORTS_DPDK)
			return fail(ld, iv[0], "interface '%s' is not listed by name in 'interfaces'",
				    dif->name);
		for (i = 0; i < d->n_ifaces; i++)
			if (!strcmp(d->ifaces[i].name, dif->name))
				return fail(ld, iv[0], "duplicate dataplane interface '%s'", dif->name);
		for (i = 0; i < d->n_ifaces; i++)
			if (!strcmp(d->ifaces[i].peer, dif->name))
				return fail(ld, iv[0], "'%s' is the peer of '%s' already: a pair is one "
					    "entry", dif->name, d->ifaces[i].name);
		if (iv[1]) {
			err = parse_stages(ld, iv[1], dif);
			if (err)
				return err;
		}
		if (!dif->n_stages) {
			snprintf(dif->stages[0], SL_STAGE_NAME_LEN, "drop");
			dif->n_stages = 1;
		}
		err = parse_peer(ld, iv[3], iv[1] ? iv[1] : item, dif);
		if (err)
			return err;
		if (iv[2]) {
			err = parse_workers(ld, iv[2], dif);
			if (err)
				return err;
			/* sl_xsks is indexed by the RX queue alone (docs/dataplane.md). */
			if (dif->n_workers && d->ports != SL_PORTS_DPDK && ++with_workers > 1)
				return fail(ld, iv[2], "workers on a second interface: steering serves "
					    "one interface's queues today");
		}
		if (d->ports == SL_PORTS_DPDK) {
			err = check_dpdk_iface(ld, iv[2], iv[3], dif);
			if (err)
				return err;
		}
		d->n_ifaces++;
	}
	return 0;
}

/* ------------------------------------------------------------------ inspect */

static const struct enum_val domain_actions[] = {
	{ "allow", SL_DOMAIN_ALLOW },
	{ "deny", SL_DOMAIN_DENY },
};

static int get_domain_action(struct loader *ld, struct sl_ynode *n, const char *what,
			     uint8_t *out)
{
	int v = 0, err;

	err = get_enum(ld, n, what, domain_actions, 2, &v);
	if (!err)
		*out = (uint8_t)v;
	return err;
}

/* `ports: [P, ...]`: destination ports 1-65535, each once, at least one. */
static int parse_inspect_ports(struct loader *ld, struct sl_ynode *n, const char *what,
			       struct sl_domain_policy_cfg *pc)
{
	struct sl_ynode *item;
	void *it = NULL;
	int err;

	err = expect_seq(ld, n, "ports");
	if (err)
		return err;
	if (sl_ynode_seq_count(n) == 0)
		return fail(ld, n, "%s.ports: an empty list (name at least one port)", what);
	pc->n_ports = 0;
	while ((item = sl_ynode_seq_iterate(n, &it))) {
		unsigned long port;
		uint32_t j;

		if (pc->n_ports == SL_INSPECT_MAX_PORTS)
			return fail(ld, item, "too many ports in %s.ports (at most %d)", what,
				    SL_INSPECT_MAX_PORTS);
		err = get_uint(ld, item, "port", 65535, &port);
		if (err)
			return err;
		if (port == 0)
			return fail(ld, item, "port 0 is out of range (1-65535)");
		for (j = 0; j < pc->n_ports; j++)
			if (pc->ports[j] == port)
				return fail(ld, item, "port %lu is listed twice in %s.ports", port,
					    what);
		pc->ports[pc->n_ports++] = (uint16_t)port;
	}
	return 0;
}

/* An `allow` or `deny` list: appends each pattern in its normal form. */
static int parse_domain_list(struct loader *ld, struct sl_ynode *n, const char *what,
			     uint8_t action, struct sl_domain_policy_cfg *pc, size_t *cap)
{
	const char *list = action == SL_DOMAIN_DENY ? "deny" : "allow";
	struct sl_ynode *item;
	void *it = NULL;
	int err;

	err = expect_seq(ld, n, list);
	if (err)
		return err;
	while ((item = sl_ynode_seq_iterate(n, &it))) {
		char norm[SL_DOMAIN_PATTERN_MAX + 1], txt[80];
		struct sl_domain_rule_cfg *r;
		const char *s, *why = "longer than 253 characters";
		struct pos p;
		size_t len;

		err = get_text(ld, item, "a domain", &s, &len);
		if (err)
			return err;
		if (len > SL_DOMAIN_PATTERN_MAX + 1 || sl_domain_pattern_normalize(s, len, norm, &why))
			return fail(ld, item, "bad domain '%s' in %s.%s: %s",
				    shown(s, len, txt, sizeof(txt)), what, list, why);
		if (pc->n_rules >= SL_DOMAIN_POLICY_MAX)
			return fail(ld, item, "too many domains in %s (at most %u)", what,
				    SL_DOMAIN_POLICY_MAX);
		if (pc->n_rules == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			struct sl_domain_rule_cfg *nr = realloc(pc->rules, ncap * sizeof(*nr));

			if (!nr) {
				fail(ld, item, "out of memory");
				return -ENOMEM;
			}
			pc->rules = nr;
			*cap = ncap;
		}
		r = &pc->rules[pc->n_rules];
		r->pattern = strdup(norm);
		if (!r->pattern) {
			fail(ld, item, "out of memory");
			return -ENOMEM;
		}
		p = node_pos(item);
		r->action = action;
		r->line = p.line;
		r->col = p.col;
		pc->n_rules++;
	}
	return 0;
}

/*
 * Two entries with one normal form are a mistake (and in allow and deny, a
 * contradiction): the policy builder finds them in one pass.
 */
static int check_domain_duplicates(struct loader *ld, const char *what,
				   const struct sl_domain_policy_cfg *pc)
{
	struct sl_domain_entry *e = NULL;
	struct sl_domain_policy *pol = NULL;
	size_t i, bad = 0, first = 0;
	int err;

	if (!pc->n_rules)
		return 0;
	e = calloc(pc->n_rules, sizeof(*e));
	if (!e) {
		fail_at(ld, (struct pos){1, 1}, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < pc->n_rules; i++) {
		e[i].pattern = pc->rules[i].pattern;
		e[i].action = pc->rules[i].action;
	}
	err = sl_domain_policy_build(e, pc->n_rules, pc->default_action, &pol, &bad, &first);
	if (err == -EEXIST) {
		const struct sl_domain_rule_cfg *b = &pc->rules[bad], *f = &pc->rules[first];
		char txt[80];

		shown(b->pattern, strlen(b->pattern), txt, sizeof(txt));
		if (b->action != f->action)
			err = fail_at(ld, (struct pos){b->line, b->col},
				      "domain '%s' is in both allow and deny of %s (first on line %d)",
				      txt, what, f->line);
		else
			err = fail_at(ld, (struct pos){b->line, b->col},
				      "domain '%s' is listed twice in %s (first on line %d)", txt,
				      what, f->line);
	} else if (err) {
		fail_at(ld, (struct pos){1, 1}, "%s: %s", what, strerror(-err));
	}
	sl_domain_policy_free(pol);
	free(e);
	return err;
}

/*
 * `dns:` or `tls:` of inspect: {ports, default, malformed, [incomplete,]
 * allow, deny}. `malformed` and `incomplete` default to `default`.
 */
static int parse_domain_policy(struct loader *ld, struct sl_ynode *n, const char *what, bool tls,
			       struct sl_domain_policy_cfg *pc, uint16_t default_port)
{
	enum { K_PORTS, K_DEFAULT, K_MALFORMED, K_ALLOW, K_DENY, K_INCOMPLETE, K_COUNT };
	static const char *const keys[K_COUNT] = {
		[K_PORTS] = "ports", [K_DEFAULT] = "default", [K_MALFORMED] = "malformed",
		[K_ALLOW] = "allow", [K_DENY] = "deny", [K_INCOMPLETE] = "incomplete",
	};
	struct sl_ynode *v[K_COUNT], *k[K_COUNT];
	int order[2] = {K_ALLOW, K_DENY};
	size_t cap = 0;
	int err, i;

	/* A ClientHello can be split across segments; a DNS query is one datagram. */
	err = map_fields(ld, n, what, keys, tls ? K_COUNT : K_COUNT - 1, v, k);
	if (err)
		return err;
	if (!tls)
		v[K_INCOMPLETE] = NULL;
	pc->enabled = true;
	pc->ports[0] = default_port;
	pc->n_ports = 1;
	pc->default_action = SL_DOMAIN_ALLOW;
	if (v[K_PORTS]) {
		err = parse_inspect_ports(ld, v[K_PORTS], what, pc);
		if (err)
			return err;
	}
	if (v[K_DEFAULT]) {
		err = get_domain_action(ld, v[K_DEFAULT], "default", &pc->default_action);
		if (err)
			return err;
	}
	pc->malformed_action = pc->default_action;
	pc->incomplete_action = pc->default_action;
	if (v[K_MALFORMED]) {
		err = get_domain_action(ld, v[K_MALFORMED], "malformed", &pc->malformed_action);
		if (err)
			return err;
	}
	if (v[K_INCOMPLETE]) {
		err = get_domain_action(ld, v[K_INCOMPLETE], "incomplete", &pc->incomplete_action);
		if (err)
			return err;
	}
	/* Lists in the order the config gives them, so "first on line N" is the earlier one. */
	if (k[K_ALLOW] && k[K_DENY] &&
	    (k[K_DENY]->line < k[K_ALLOW]->line ||
	     (k[K_DENY]->line == k[K_ALLOW]->line && k[K_DENY]->col < k[K_ALLOW]->col))) {
		order[0] = K_DENY;
		order[1] = K_ALLOW;
	}
	for (i = 0; i < 2; i++) {
		int key = order[i];

		if (!v[key])
			continue;
		err = parse_domain_list(ld, v[key], what,
					key == K_DENY ? SL_DOMAIN_DENY : SL_DOMAIN_ALLOW, pc, &cap);
		if (err)
			return err;
	}
	return check_domain_duplicates(ld, what, pc);
}

/* `inspect: {verdict_ttl: S, dns: {...}, tls: {...}}` (docs/inspect.md). */
static int parse_inspect(struct loader *ld, struct sl_ynode *n)
{
	static const char *const keys[] = {"verdict_ttl", "dns", "tls"};
	struct sl_inspect_cfg *in = &ld->cfg->inspect;
	struct sl_ynode *v[3], *k[3];
	unsigned long ttl;
	int err;

	err = map_fields(ld, n, "inspect", keys, 3, v, k);
	if (err)
		return err;
	in->enabled = true;
	in->verdict_ttl = SL_INSPECT_TTL_DEFAULT;
	if (v[0]) {
		err = get_uint(ld, v[0], "verdict_ttl", SL_INSPECT_TTL_MAX, &ttl);
		if (err)
			return err;
		if (ttl == 0)
			return fail(ld, v[0], "verdict_ttl must be at least 1 second");
		in->verdict_ttl = (uint32_t)ttl;
	}
	if (v[1]) {
		err = parse_domain_policy(ld, v[1], "inspect.dns", false, &in->dns, 53);
		if (err)
			return err;
	}
	if (v[2]) {
		err = parse_domain_policy(ld, v[2], "inspect.tls", true, &in->tls, 443);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------------ document */

enum top_key { TK_VERSION, TK_SETTINGS, TK_INTERFACES, TK_SETS, TK_RULES, TK_LOGGING, TK_MEMORY, TK_CONTROL,
	TK_METRICS, TK_STEERING, TK_DATAPLANE, TK_INSPECT, TK_COUNT };

static int parse_root(struct loader *ld, struct sl_ynode *root)
{
	static const char *const keys[TK_COUNT] = {
		[TK_VERSION] = "version", [TK_SETTINGS] = "settings",
		[TK_INTERFACES] = "interfaces", [TK_SETS] = "sets", [TK_RULES] = "rules",
		[TK_LOGGING] = "logging", [TK_MEMORY] = "memory", [TK_CONTROL] = "control",
		[TK_METRICS] = "metrics", [TK_STEERING] = "steering", [TK_DATAPLANE] = "dataplane",
		[TK_INSPECT] = "inspect",
	};
	/* Parsed in this order: rules refer to interfaces and sets. */
	static const struct {
		enum top_key key;
		int (*parse)(struct loader *ld, struct sl_ynode *n);
	} sections[] = {
		{ TK_SETTINGS, parse_settings }, { TK_CONTROL, parse_control },
		{ TK_INTERFACES, parse_interfaces }, { TK_SETS, parse_sets },
		{ TK_RULES, parse_rules }, { TK_LOGGING, parse_logging },
		{ TK_MEMORY, parse_memory }, { TK_METRICS, parse_metrics },
		{ TK_STEERING, parse_steering }, { TK_DATAPLANE, parse_dataplane },
		{ TK_INSPECT, parse_inspect },
	};
	struct sl_ynode *v[TK_COUNT], *k[TK_COUNT];
	unsigned long version;
	size_t i;
	int err;

	err = map_fields(ld, root, "the top level", keys, TK_COUNT, v, k);
	if (err)
		return err;
	if (!v[TK_VERSION])
		return fail(ld, root, "missing 'version: 1'");
	err = get_uint(ld, v[TK_VERSION], "version", ULONG_MAX, &version);
	if (err)
		return err;
	if (version != 1)
		return fail(ld, v[TK_VERSION], "unsupported version %lu (only 1 is supported)",
			    version);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (!v[sections[i].key])
			continue;
		err = sections[i].parse(ld, v[sections[i].key]);
		if (err)
			return err;
	}
	/* After every section: `inspect` may come after `dataplane` in the file. */
	for (i = 0; i < ld->cfg->dataplane.n_ifaces; i++) {
		const struct sl_dp_iface_cfg *dif = &ld->cfg->dataplane.ifaces[i];
		uint32_t s;

		for (s = 0; s < dif->n_stages; s++)
			if (!strcmp(dif->stages[s], "inspect") && !ld->cfg->inspect.enabled)
				return fail(ld, v[TK_DATAPLANE], "dataplane interface '%s' has the "
					    "stage 'inspect' but the config has no 'inspect' section",
					    dif->name);
	}
	return 0;
}

/*
 * YAML text must be valid UTF-8 without control characters other than
 * tab, CR and LF, checked before the YAML parser sees the bytes so the
 * message names the exact place (libyaml's reader reports bytes, not lines).
 */
static int check_text(struct loader *ld, const unsigned char *s, size_t len)
{
	struct pos p = {1, 1};
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t n, k;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				return fail_at(ld, p, "control character 0x%02x is not allowed", c);
			i++;
			if (c == '\n') {
				p.line++;
				p.col = 1;
			} else {
				p.col++;
			}
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		if (len - i < n)
			goto bad;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n;
		p.col++;
	}
	return 0;
bad:
	return fail_at(ld, p, "the config is not valid UTF-8 text");
}

/*
 * Whether the text at line:col (1-based) starts with ':': YAML 1.1, which
 * libyaml implements, does not allow a plain scalar to start with ':'
 * inside a flow collection, so "[2001:db8::/32, ::/0]" is an error that
 * deserves a hint (in block lists and as plain values ::/0 is fine).
 */
static bool colon_in_flow(const char *buf, size_t len, int line, int col)
{
	size_t i = 0;
	int l = 1;

	while (i < len && l < line)
		if (buf[i++] == '\n')
			l++;
	if (col < 1 || (size_t)(col - 1) >= len - i)
		return false;
	return buf[i + (size_t)col - 1] == ':';
}

static char *dup_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int sl_config_load_buffer(const char *buf, size_t len, const char *name, const char *base_dir,
			  struct sl_config **out, struct sl_diag *diag)
{
	struct sl_ydoc *doc = NULL;
	struct sl_yerror yerr;
	struct sl_config *cfg;
	struct loader ld;
	int err;

	*out = NULL;
	diag->msg[0] = '\0';
	memset(&ld, 0, sizeof(ld));
	ld.name = name ? name : "<config>";
	ld.base_dir = base_dir;
	ld.diag = diag;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		err = -ENOMEM;
		goto out;
	}
	ld.cfg = cfg;
	cfg->path = strdup(ld.name);
	if (!cfg->path) {
		err = -ENOMEM;
		goto out;
	}
	cfg->default_verdict = SL_VERDICT_DROP;
	cfg->malformed_policy = SL_POLICY_DROP;
	cfg->non_ip_policy = SL_POLICY_PASS;
	cfg->frag_policy = SL_POLICY_RULES;
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", DEFAULT_PIN_DIR);
	snprintf(cfg->control.socket, sizeof(cfg->control.socket), "%s", SL_CTL_SOCKET_PATH);
	sl_logging_defaults(&cfg->logging);
	sl_dataplane_defaults(&cfg->dataplane);

	err = check_text(&ld, (const unsigned char *)buf, len);
	if (err)
		goto out;

	err = sl_ydoc_parse(buf, len, &doc, &yerr);
	if (err == -EINVAL) {
		char msg[256];

		err = fail_at(&ld, (struct pos){yerr.line, yerr.col}, "invalid YAML: %s%s",
			      shown(yerr.msg, strlen(yerr.msg), msg, sizeof(msg)),
			      strstr(yerr.msg, "flow") && colon_in_flow(buf, len, yerr.line, yerr.col)
				      ? " (in [ ] and { }, a value starting with ':' such as ::/0 must be quoted)"
				      : "");
		goto out;
	}
	if (err)
		goto out;
	if (doc->more) {
		err = fail_at(&ld, (struct pos){doc->more_line, doc->more_col},
			      "a config is one YAML document; a second one starts here");
		goto out;
	}
	if (!doc->root || (doc->root->type == SL_YN_SCALAR && doc->root->style == SL_YS_PLAIN &&
			   !doc->root->len)) {
		err = fail_at(&ld, (struct pos){1, 1},
			      "the config is empty (it needs at least 'version: 1')");
		goto out;
	}
	err = parse_root(&ld, doc->root);
	if (err)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	if (err && !diag->msg[0])
		snprintf(diag->msg, sizeof(diag->msg), "%s: %s", ld.name, strerror(-err));
	sl_ydoc_free(doc);
	sl_config_free(cfg);
	return err;
}

int sl_config_load_file(const char *path, struct sl_config **out, struct sl_diag *diag)
{
	char *buf = NULL, *dir = NULL;
	size_t len = 0, cap = 0;
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(diag->msg, sizeof(diag->msg), "%s: cannot read config: %s", path,
			 strerror(-err));
		goto out;
	}
	/* read(), not mmap: the config may be a pipe (sluiced -c /dev/stdin). */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *nb;

			if (ncap > CONFIG_MAX_BYTES) {
				err = -EFBIG;
				snprintf(diag->msg, sizeof(diag->msg),
					 "%s: config is larger than %u bytes", path, CONFIG_MAX_BYTES);
				goto out;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				err = -ENOMEM;
				snprintf(diag->msg, sizeof(diag->msg), "%s: out of memory", path);
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			snprintf(diag->msg, sizeof(diag->msg), "%s: cannot read config: %s", path,
				 strerror(-err));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	dir = dup_dirname(path);
	if (!dir) {
		err = -ENOMEM;
		snprintf(diag->msg, sizeof(diag->msg), "%s: out of memory", path);
		goto out;
	}
	err = sl_config_load_buffer(buf, len, path, dir, out, diag);
out:
	free(dir);
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}

void sl_config_free(struct sl_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_sets; i++)
		sl_set_clear(&cfg->sets[i]);
	free(cfg->sets);
	free(cfg->rules);
	for (i = 0; i < cfg->inspect.dns.n_rules; i++)
		free(cfg->inspect.dns.rules[i].pattern);
	free(cfg->inspect.dns.rules);
	for (i = 0; i < cfg->inspect.tls.n_rules; i++)
		free(cfg->inspect.tls.rules[i].pattern);
	free(cfg->inspect.tls.rules);
	free(cfg->path);
	free(cfg);
}

int sl_config_match_iface(const struct sl_config *cfg, const char *ifname)
{
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++)
		if (!cfg->ifaces[i].pattern && !strcmp(cfg->ifaces[i].name, ifname))
			return (int)i;
	for (i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i].pattern && !fnmatch(cfg->ifaces[i].name, ifname, 0))
			return (int)i;
	return -1;
}

int sl_config_find_set(const struct sl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_sets; i++)
		if (!strcmp(cfg->sets[i].name, name))
			return (int)i;
	return -1;
}
