/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "policy_edit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"
#include "prefix.h"

/* ------------------------------------------------------------------ copy */

static int copy_set(struct sl_set *dst, const struct sl_set *src)
{
	*dst = *src;
	dst->prefixes = NULL;
	dst->cap_prefixes = dst->n_prefixes;
	if (!src->n_prefixes)
		return 0;
	dst->prefixes = malloc(sizeof(*dst->prefixes) * src->n_prefixes);
	if (!dst->prefixes)
		return -ENOMEM;
	memcpy(dst->prefixes, src->prefixes, sizeof(*dst->prefixes) * src->n_prefixes);
	return 0;
}

int sl_policy_copy(const struct sl_config *cfg, struct sl_config **out)
{
	struct sl_config *c;
	size_t i;
	int err = -ENOMEM;

	*out = NULL;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = *cfg;
	c->path = NULL;
	c->sets = NULL;
	c->rules = NULL;
	c->n_sets = 0;
	c->n_rules = 0;
	c->path = strdup(cfg->path ? cfg->path : "");
	c->sets = calloc(cfg->n_sets ? cfg->n_sets : 1, sizeof(*c->sets));
	c->rules = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*c->rules));
	if (!c->path || !c->sets || !c->rules)
		goto fail;
	for (i = 0; i < cfg->n_sets; i++) {
		err = copy_set(&c->sets[i], &cfg->sets[i]);
		if (err)
			goto fail;
		c->n_sets++;
	}
	memcpy(c->rules, cfg->rules, sizeof(*c->rules) * cfg->n_rules);
	c->n_rules = cfg->n_rules;
	*out = c;
	return 0;
fail:
	sl_config_free(c);
	return err;
}

/* ------------------------------------------------------------------ names */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* A set name as the config allows it; checked before it goes into any text. */
static bool valid_set_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= SL_SET_NAME_LEN || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (; *s; s++)
		if (!name_char(*s))
			return false;
	return true;
}

static int find_rule(const struct sl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_rules; i++)
		if (!strncmp(cfg->rules[i].name, name, SL_RULE_NAME_LEN))
			return (int)i;
	return -1;
}

static int find_named_set(const struct sl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_sets; i++)
		if (!cfg->sets[i].anonymous && !strcmp(cfg->sets[i].name, name))
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------- rule text */

/*
 * Loads text as the one rule of a document that declares cfg's
 * interfaces and named sets (empty): the loader checks the rule exactly
 * as in a config file. Set files are refused (no base directory).
 */
static int parse_rule(const struct sl_config *cfg, const char *text, struct sl_config **out,
		      struct sl_diag *diag)
{
	struct sl_diag d = { { 0 } };
	size_t len = strlen(text), i, cap;
	char *doc = NULL;
	FILE *f;
	int err;

	*out = NULL;
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20) {
			sl_diagf(diag, "the rule text has a control character at %zu: one line only", i);
			return -EINVAL;
		}
	if (len < 2 || text[0] != '{' || text[len - 1] != '}') {
		sl_diagf(diag, "a rule is one YAML flow mapping: {name: NAME, ..., action: ACTION}");
		return -EINVAL;
	}
	f = open_memstream(&doc, &cap);
	if (!f)
		return -ENOMEM;
	fprintf(f, "version: 1\n");
	if (cfg->n_ifaces) {
		fprintf(f, "interfaces:\n");
		for (i = 0; i < cfg->n_ifaces; i++)
			fprintf(f, "  - {name: \"%s\"}\n", cfg->ifaces[i].name);
	}
	fprintf(f, "sets:\n");
	for (i = 0; i < cfg->n_sets; i++)
		if (!cfg->sets[i].anonymous)
			fprintf(f, "  - {name: %s, prefixes: []}\n", cfg->sets[i].name);
	fprintf(f, "  - {name: sl-edit-placeholder, prefixes: []}\n");
	fprintf(f, "rules:\n  - %s\n", text);
	if (fclose(f)) {
		free(doc);
		return -ENOMEM;
	}
	err = sl_config_load_buffer(doc, strlen(doc), "rule", NULL, out, &d);
	free(doc);
	if (err) {
		/* "rule:LINE:COL: why": the position is in our document, not the client's text. */
		const char *why = strchr(d.msg, ' ');

		sl_diagf(diag, "bad rule: %s", why ? why + 1 : d.msg);
		return err;
	}
	if ((*out)->n_rules != 1) {
		sl_diagf(diag, "the rule text holds %zu rules, not one", (*out)->n_rules);
		sl_config_free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

/* Appends a set to cfg->sets, taking over its prefixes. */
static int push_set(struct sl_config *cfg, struct sl_set *set)
{
	struct sl_set *sets;

	if (cfg->n_sets >= SL_MAX_SETS)
		return -E2BIG;
	sets = realloc(cfg->sets, sizeof(*sets) * (cfg->n_sets + 1));
	if (!sets)
		return -ENOMEM;
	cfg->sets = sets;
	cfg->sets[cfg->n_sets++] = *set;
	memset(set, 0, sizeof(*set));
	return 0;
}

/*
 * Re-points one side of r (parsed in mini) at cfg's sets: named sets by
 * name, the anonymous set of inline prefixes moved into cfg.
 */
static int adopt_side(struct sl_config *cfg, struct sl_config *mini, uint32_t *sets, uint32_t n)
{
	uint32_t i;
	int j, err;

	for (i = 0; i < n; i++) {
		struct sl_set *s = &mini->sets[sets[i]];

		if (!s->anonymous) {
			j = find_named_set(cfg, s->name);
			if (j < 0)
				return -ENOENT;
			sets[i] = (uint32_t)j;
			continue;
		}
		err = push_set(cfg, s);
		if (err)
			return err;
		sets[i] = (uint32_t)(cfg->n_sets - 1);
	}
	return 0;
}

/* Moves the rule parsed in mini into *out, its sets into cfg. */
static int take_rule(struct sl_config *cfg, struct sl_config *mini, struct sl_rule_cfg *out)
{
	struct sl_rule_cfg *r = &mini->rules[0];
	int err;

	err = adopt_side(cfg, mini, r->src_sets, r->n_src_sets);
	if (!err)
		err = adopt_side(cfg, mini, r->dst_sets, r->n_dst_sets);
	if (!err)
		*out = *r;
	return err;
}

/* Drops anonymous sets no rule names any more, renumbering the rest. */
static void compact_sets(struct sl_config *cfg)
{
	uint32_t *map;
	bool *used;
	size_t i, n = 0;
	uint32_t k;

	map = calloc(cfg->n_sets + 1, sizeof(*map));
	used = calloc(cfg->n_sets + 1, sizeof(*used));
	if (!map || !used)
		goto out; /* nothing lost: the sets stay, unused */
	for (i = 0; i < cfg->n_rules; i++) {
		for (k = 0; k < cfg->rules[i].n_src_sets; k++)
			used[cfg->rules[i].src_sets[k]] = true;
		for (k = 0; k < cfg->rules[i].n_dst_sets; k++)
			used[cfg->rules[i].dst_sets[k]] = true;
	}
	for (i = 0; i < cfg->n_sets; i++) {
		if (cfg->sets[i].anonymous && !used[i]) {
			sl_set_clear(&cfg->sets[i]);
			continue;
		}
		map[i] = (uint32_t)n;
		cfg->sets[n++] = cfg->sets[i];
	}
	cfg->n_sets = n;
	for (i = 0; i < cfg->n_rules; i++) {
		for (k = 0; k < cfg->rules[i].n_src_sets; k++)
			cfg->rules[i].src_sets[k] = map[cfg->rules[i].src_sets[k]];
		for (k = 0; k < cfg->rules[i].n_dst_sets; k++)
			cfg->rules[i].dst_sets[k] = map[cfg->rules[i].dst_sets[k]];
	}
out:
	free(map);
	free(used);
}

/* Anonymous sets are named after their rule and side (config.h). */
static void name_inline_sets(struct sl_config *cfg, const struct sl_rule_cfg *r)
{
	uint32_t k;

	for (k = 0; k < r->n_src_sets; k++)
		if (cfg->sets[r->src_sets[k]].anonymous)
			snprintf(cfg->sets[r->src_sets[k]].name, SL_SET_NAME_LEN, "%s/src", r->name);
	for (k = 0; k < r->n_dst_sets; k++)
		if (cfg->sets[r->dst_sets[k]].anonymous)
			snprintf(cfg->sets[r->dst_sets[k]].name, SL_SET_NAME_LEN, "%s/dst", r->name);
}

int sl_policy_rule_add(struct sl_config *cfg, const char *text, enum sl_rule_where where,
		       uint32_t index, const char *ref, struct sl_diag *diag)
{
	struct sl_config *mini = NULL;
	struct sl_rule_cfg rule, *rules;
	size_t at = cfg->n_rules;
	int err, j;

	if (cfg->n_rules >= SL_MAX_RULES) {
		sl_diagf(diag, "the policy has %d rules already, the most there can be", SL_MAX_RULES);
		return -E2BIG;
	}
	if (where == SL_RULE_AT_INDEX) {
		if (index > cfg->n_rules) {
			sl_diagf(diag, "position %u is past the end (%zu rules)", index, cfg->n_rules);
			return -ERANGE;
		}
		at = index;
	} else if (where == SL_RULE_BEFORE || where == SL_RULE_AFTER) {
		j = find_rule(cfg, ref);
		if (j < 0) {
			sl_diagf(diag, "no rule named '%.*s'", SL_RULE_NAME_LEN, ref);
			return -ENOENT;
		}
		at = (size_t)j + (where == SL_RULE_AFTER);
	}
	err = parse_rule(cfg, text, &mini, diag);
	if (err)
		return err;
	if (!strstr(text, "name:")) {
		sl_diagf(diag, "a rule added over the socket needs a name");
		err = -EINVAL;
		goto out;
	}
	if (find_rule(cfg, mini->rules[0].name) >= 0) {
		sl_diagf(diag, "a rule named '%s' exists already", mini->rules[0].name);
		err = -EEXIST;
		goto out;
	}
	err = take_rule(cfg, mini, &rule);
	if (err) {
		sl_diagf(diag, "cannot add the rule's sets: %s", strerror(-err));
		goto out;
	}
	rules = realloc(cfg->rules, sizeof(*rules) * (cfg->n_rules + 1));
	if (!rules) {
		err = -ENOMEM;
		goto out;
	}
	cfg->rules = rules;
	memmove(&rules[at + 1], &rules[at], sizeof(*rules) * (cfg->n_rules - at));
	rules[at] = rule;
	cfg->n_rules++;
	name_inline_sets(cfg, &rule);
out:
	compact_sets(cfg);
	sl_config_free(mini);
	return err;
}

int sl_policy_rule_delete(struct sl_config *cfg, const char *name, struct sl_diag *diag)
{
	int i = find_rule(cfg, name);

	if (i < 0) {
		sl_diagf(diag, "no rule named '%.*s'", SL_RULE_NAME_LEN, name);
		return -ENOENT;
	}
	memmove(&cfg->rules[i], &cfg->rules[i + 1], sizeof(cfg->rules[0]) * (cfg->n_rules - (size_t)i - 1));
	cfg->n_rules--;
	compact_sets(cfg);
	return 0;
}

int sl_policy_rule_replace(struct sl_config *cfg, const char *name, const char *text,
			   struct sl_diag *diag)
{
	struct sl_config *mini = NULL;
	struct sl_rule_cfg rule;
	int i = find_rule(cfg, name), err;

	if (i < 0) {
		sl_diagf(diag, "no rule named '%.*s'", SL_RULE_NAME_LEN, name);
		return -ENOENT;
	}
	err = parse_rule(cfg, text, &mini, diag);
	if (err)
		return err;
	/* Without a name the loader calls it rule-1; with one, it must be this rule's. */
	if (strncmp(mini->rules[0].name, name, SL_RULE_NAME_LEN) &&
	    (strstr(text, "name:") || strcmp(mini->rules[0].name, "rule-1"))) {
		sl_diagf(diag, "the text names the rule '%s', not '%.*s' (rename: delete and add)",
			 mini->rules[0].name, SL_RULE_NAME_LEN, name);
		err = -EINVAL;
		goto out;
	}
	err = take_rule(cfg, mini, &rule);
	if (err) {
		sl_diagf(diag, "cannot add the rule's sets: %s", strerror(-err));
		goto out;
	}
	snprintf(rule.name, sizeof(rule.name), "%.*s", SL_RULE_NAME_LEN - 1, name);
	cfg->rules[i] = rule;
	name_inline_sets(cfg, &rule);
out:
	compact_sets(cfg);
	sl_config_free(mini);
	return err;
}

int sl_policy_rule_text(const struct sl_config *cfg, size_t index, char *buf, size_t size)
{
	char *block = NULL, *line, *save = NULL;
	size_t len = 0, used = 0;
	const char *sep = "{";
	FILE *f;
	int err = 0;

	if (index >= cfg->n_rules)
		return -ENOENT;
	f = open_memstream(&block, &len);
	if (!f)
		return -ENOMEM;
	err = sl_policy_write_rule(cfg, index, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(block);
		return err;
	}
	/* "  - name: x\n    key: v\n": one "key: v" per line, joined into a flow mapping. */
	for (line = strtok_r(block, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int n;

		while (*line == ' ' || *line == '-')
			line++;
		n = snprintf(buf + used, size - used, "%s%s", sep, line);
		if (n < 0 || (size_t)n >= size - used) {
			err = -ENOSPC;
			break;
		}
		used += (size_t)n;
		sep = ", ";
	}
	free(block);
	if (!err && (used + 2 > size))
		err = -ENOSPC;
	if (!err)
		snprintf(buf + used, size - used, "}");
	return err;
}

/* ------------------------------------------------------------------ sets */

static int named_set(struct sl_config *cfg, const char *name, struct sl_diag *diag)
{
	int i;

	if (!valid_set_name(name)) {
		sl_diagf(diag, "bad set name '%.*s': a letter, then letters, digits, '-', '_' or '.'",
			 SL_SET_NAME_LEN, name);
		return -EINVAL;
	}
	i = find_named_set(cfg, name);
	if (i < 0)
		sl_diagf(diag, "no set named '%s'", name);
	return i < 0 ? -ENOENT : i;
}

/* An open-addressing hash of prefixes, for adds and removes in O(n). */
struct pfx_hash {
	const struct sl_prefix **slot;
	size_t mask;
};

static uint64_t pfx_key(const struct sl_prefix *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	h = (h ^ p->family) * 0x100000001b3ULL;
	h = (h ^ p->len) * 0x100000001b3ULL;
	for (i = 0; i < 16; i++)
		h = (h ^ p->addr[i]) * 0x100000001b3ULL;
	return h;
}

static bool pfx_eq(const struct sl_prefix *a, const struct sl_prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

static int pfx_hash_init(struct pfx_hash *h, size_t n)
{
	size_t cap = 16;

	while (cap < n * 2)
		cap *= 2;
	h->slot = calloc(cap, sizeof(*h->slot));
	h->mask = cap - 1;
	return h->slot ? 0 : -ENOMEM;
}

/* Inserts p; false when an equal prefix was there. */
static bool pfx_hash_put(struct pfx_hash *h, const struct sl_prefix *p)
{
	size_t i = pfx_key(p) & h->mask;

	while (h->slot[i]) {
		if (pfx_eq(h->slot[i], p))
			return false;
		i = (i + 1) & h->mask;
	}
	h->slot[i] = p;
	return true;
}

static bool pfx_hash_has(const struct pfx_hash *h, const struct sl_prefix *p)
{
	size_t i = pfx_key(p) & h->mask;

	while (h->slot[i]) {
		if (pfx_eq(h->slot[i], p))
			return true;
		i = (i + 1) & h->mask;
	}
	return false;
}

int sl_policy_set_create(struct sl_config *cfg, const char *name, const struct sl_prefix *p,
			 size_t n, struct sl_diag *diag)
{
	struct sl_set set = { 0 };
	int err = named_set(cfg, name, diag);

	if (err >= 0) {
		sl_diagf(diag, "a set named '%s' exists already", name);
		return -EEXIST;
	}
	if (err != -ENOENT)
		return err;
	snprintf(set.name, sizeof(set.name), "%s", name);
	err = push_set(cfg, &set);
	if (err) {
		sl_diagf(diag, "cannot create set '%s': %s", name, strerror(-err));
		return err;
	}
	return n ? sl_policy_set_add(cfg, name, p, n, false, diag) : 0;
}

int sl_policy_set_delete(struct sl_config *cfg, const char *name, struct sl_diag *diag)
{
	int i = named_set(cfg, name, diag);
	size_t r;
	uint32_t k;

	if (i < 0)
		return i;
	for (r = 0; r < cfg->n_rules; r++) {
		const struct sl_rule_cfg *rule = &cfg->rules[r];

		for (k = 0; k < rule->n_src_sets + rule->n_dst_sets; k++) {
			uint32_t s = k < rule->n_src_sets ? rule->src_sets[k]
							  : rule->dst_sets[k - rule->n_src_sets];

			if (s == (uint32_t)i) {
				sl_diagf(diag, "set '%s' is used by rule '%s'", name, rule->name);
				return -EBUSY;
			}
		}
	}
	/* An anonymous set of its own: compact_sets drops it and renumbers. */
	cfg->sets[i].anonymous = true;
	compact_sets(cfg);
	return 0;
}

/*
 * The elements of one set by content, as indices into its array (they
 * survive its reallocation), for adds in O(1) each however often a
 * transaction adds to the same set.
 */
struct sl_set_index {
	char name[SL_SET_NAME_LEN];
	size_t count;   /* set->n_prefixes when last brought up to date */
	uint32_t *slot; /* index + 1; 0 is free */
	size_t mask;
	size_t used;
};

void sl_set_index_free(struct sl_set_index *x)
{
	if (!x)
		return;
	free(x->slot);
	free(x);
}

/* Inserts element i of arr unless an equal one is there; false when it was. */
static bool idx_put(struct sl_set_index *x, const struct sl_prefix *arr, size_t i)
{
	size_t h = pfx_key(&arr[i]) & x->mask;

	while (x->slot[h]) {
		if (pfx_eq(&arr[x->slot[h] - 1], &arr[i]))
			return false;
		h = (h + 1) & x->mask;
	}
	x->slot[h] = (uint32_t)i + 1;
	x->used++;
	return true;
}

/* Room for n elements at half load, rehashing what is there. */
static int idx_reserve(struct sl_set_index *x, const struct sl_set *set, size_t n)
{
	size_t cap = x->mask + 1, k;
	uint32_t *old = x->slot;

	if (x->slot && n * 2 <= cap)
		return 0;
	if (!x->slot)
		cap = 16;
	while (cap < n * 2)
		cap *= 2;
	x->slot = calloc(cap, sizeof(*x->slot));
	if (!x->slot) {
		x->slot = old;
		return -ENOMEM;
	}
	free(old);
	x->mask = cap - 1;
	x->used = 0;
	for (k = 0; k < set->n_prefixes; k++)
		idx_put(x, set->prefixes, k);
	return 0;
}

int sl_policy_set_add_idx(struct sl_config *cfg, const char *name, const struct sl_prefix *p,
			  size_t n, bool create, struct sl_set_index **index, struct sl_diag *diag)
{
	struct sl_set_index *x = index ? *index : NULL;
	struct sl_set *set;
	size_t k;
	int i, err = 0;

	i = named_set(cfg, name, diag);
	if (i == -ENOENT && create) {
		err = sl_policy_set_create(cfg, name, NULL, 0, diag);
		if (err)
			return err;
		i = find_named_set(cfg, name);
	}
	if (i < 0)
		return i;
	set = &cfg->sets[i];
	/* An index of another set, or one something else changed, starts over. */
	if (x && (strcmp(x->name, name) || x->count != set->n_prefixes)) {
		sl_set_index_free(x);
		x = NULL;
	}
	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		snprintf(x->name, sizeof(x->name), "%s", name);
	}
	if (set->cap_prefixes < set->n_prefixes + n) {
		size_t cap = set->cap_prefixes ? set->cap_prefixes : 16;
		struct sl_prefix *np;

		while (cap < set->n_prefixes + n)
			cap *= 2;
		np = realloc(set->prefixes, sizeof(*np) * cap);
		if (!np) {
			err = -ENOMEM;
			goto out;
		}
		set->prefixes = np;
		set->cap_prefixes = cap;
	}
	err = idx_reserve(x, set, set->n_prefixes + n);
	for (k = 0; !err && k < n; k++) {
		if (p[k].family != AF_INET && p[k].family != AF_INET6) {
			sl_diagf(diag, "element %zu is not an IPv4 or IPv6 prefix", k);
			err = -EINVAL;
			break;
		}
		set->prefixes[set->n_prefixes] = p[k];
		if (idx_put(x, set->prefixes, set->n_prefixes))
			set->n_prefixes++;
	}
out:
	x->count = set->n_prefixes;
	if (index && !err) {
		*index = x;
	} else {
		sl_set_index_free(x);
		if (index)
			*index = NULL;
	}
	return err;
}

int sl_policy_set_add(struct sl_config *cfg, const char *name, const struct sl_prefix *p,
		      size_t n, bool create, struct sl_diag *diag)
{
	return sl_policy_set_add_idx(cfg, name, p, n, create, NULL, diag);
}

int sl_policy_set_remove(struct sl_config *cfg, const char *name, const struct sl_prefix *p,
			 size_t n, struct sl_diag *diag)
{
	struct pfx_hash have = { 0 }, gone = { 0 };
	struct sl_set *set;
	size_t k, w = 0;
	int i, err;

	i = named_set(cfg, name, diag);
	if (i < 0)
		return i;
	set = &cfg->sets[i];
	err = pfx_hash_init(&have, set->n_prefixes);
	if (!err)
		err = pfx_hash_init(&gone, n);
	if (err)
		goto out;
	for (k = 0; k < set->n_prefixes; k++)
		pfx_hash_put(&have, &set->prefixes[k]);
	for (k = 0; k < n; k++) {
		char text[64];

		if (!pfx_hash_has(&have, &p[k])) {
			sl_diagf(diag, "set '%s' has no element %s", name,
				 sl_prefix_format(&p[k], text, sizeof(text)));
			err = -ENOENT;
			goto out;
		}
		pfx_hash_put(&gone, &p[k]);
	}
	for (k = 0; k < set->n_prefixes; k++)
		if (!pfx_hash_has(&gone, &set->prefixes[k]))
			set->prefixes[w++] = set->prefixes[k];
	set->n_prefixes = w;
out:
	free(have.slot);
	free(gone.slot);
	return err;
}

int sl_policy_set_flush(struct sl_config *cfg, const char *name, struct sl_diag *diag)
{
	int i = named_set(cfg, name, diag);

	if (i < 0)
		return i;
	cfg->sets[i].n_prefixes = 0;
	return 0;
}
