/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A YAML document as a tree of nodes with positions, built from libyaml's
 * event parser. The config loader walks it against its schema.
 *
 * Why not libyaml's own document API: it resolves aliases silently (the
 * config refuses them, and an alias bomb would multiply every walk) and
 * does not see duplicate keys. Why not libfyaml: 0.7.12 (Debian 12)
 * crashes while freeing a parser after some syntax errors, which the
 * config fuzzer found within seconds.
 *
 * Bounds: nesting depth (SL_YTREE_DEPTH_MAX) and node count
 * (SL_YTREE_NODES_MAX); the input length is the caller's to bound.
 */
#ifndef SLUICE_YTREE_H
#define SLUICE_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#define SL_YTREE_DEPTH_MAX 256
#define SL_YTREE_NODES_MAX (4u << 20)

enum sl_ynode_type {
	SL_YN_SCALAR = 0,
	SL_YN_SEQUENCE = 1,
	SL_YN_MAPPING = 2,
};

enum sl_ynode_style {
	SL_YS_PLAIN = 0,  /* a plain scalar, or any collection */
	SL_YS_QUOTED = 1, /* single- or double-quoted, literal or folded scalar */
	SL_YS_ALIAS = 2,  /* "*name": a scalar node whose text is the anchor name */
};

struct sl_ynode;

/* One key and its value in a mapping. */
struct sl_ypair {
	struct sl_ynode *key;
	struct sl_ynode *value;
};

struct sl_ynode {
	enum sl_ynode_type type;
	enum sl_ynode_style style;
	int line; /* 1-based start of the node */
	int col;  /* 1-based */
	struct sl_ynode *parent;
	char *text; /* scalars: the value, NUL-terminated (it may hold NULs: use len) */
	size_t len;
	struct sl_ynode **items; /* sequences */
	struct sl_ypair *pairs;  /* mappings */
	size_t count;            /* items or pairs */
	size_t cap;
	struct sl_ynode *next_alloc; /* every node of the document, for freeing */
};

struct sl_ydoc {
	struct sl_ynode *root; /* NULL: the stream holds no document, or an empty one */
	struct sl_ynode *nodes;
	bool more;     /* a second document follows the first */
	int more_line; /* where it starts (1-based) */
	int more_col;
};

/* Why a text is not a YAML document we accept. */
struct sl_yerror {
	int line; /* 1-based */
	int col;
	char msg[200];
};

/*
 * Parses the first document of buf (len bytes; need not be NUL-terminated)
 * and notes whether another follows. 0 and *out; -EINVAL and *err for a
 * syntax error, a duplicate key, too deep or too many nodes; -ENOMEM.
 */
int sl_ydoc_parse(const char *buf, size_t len, struct sl_ydoc **out, struct sl_yerror *err);

/* NULL-safe. */
void sl_ydoc_free(struct sl_ydoc *doc);

/*
 * Accessors in the shape the config walker uses. Iterators start with
 * *it == NULL and return NULL at the end.
 */
static inline enum sl_ynode_type sl_ynode_type(const struct sl_ynode *n)
{
	return n->type;
}

static inline enum sl_ynode_style sl_ynode_style(const struct sl_ynode *n)
{
	return n->style;
}

static inline const char *sl_ynode_scalar(const struct sl_ynode *n, size_t *len)
{
	if (n->type != SL_YN_SCALAR)
		return NULL;
	*len = n->len;
	return n->text;
}

static inline struct sl_ynode *sl_ynode_parent(const struct sl_ynode *n)
{
	return n->parent;
}

/* Items of a sequence; -1 for another type (never happens for sequences). */
static inline int sl_ynode_seq_count(const struct sl_ynode *n)
{
	return n->type == SL_YN_SEQUENCE ? (int)n->count : -1;
}

static inline struct sl_ynode *sl_ynode_seq_get(const struct sl_ynode *n, int i)
{
	if (n->type != SL_YN_SEQUENCE || i < 0 || (size_t)i >= n->count)
		return NULL;
	return n->items[i];
}

struct sl_ynode *sl_ynode_seq_iterate(struct sl_ynode *n, void **it);

static inline struct sl_ypair *sl_ynode_map_get(const struct sl_ynode *n, int i)
{
	if (n->type != SL_YN_MAPPING || i < 0 || (size_t)i >= n->count)
		return NULL;
	return &n->pairs[i];
}

struct sl_ypair *sl_ynode_map_iterate(struct sl_ynode *n, void **it);

static inline struct sl_ynode *sl_ypair_key(const struct sl_ypair *p)
{
	return p->key;
}

static inline struct sl_ynode *sl_ypair_value(const struct sl_ypair *p)
{
	return p->value;
}

#endif /* SLUICE_YTREE_H */
