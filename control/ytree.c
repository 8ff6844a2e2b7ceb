/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Builds struct sl_ydoc from libyaml's events (see ytree.h for why events).
 * Open collections are kept on an explicit stack, so nesting costs no C
 * stack and is bounded by SL_YTREE_DEPTH_MAX.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ytree.h"

/* Keys in one mapping: duplicates are found by comparing with each earlier key. */
#define MAP_KEYS_MAX 4096u

struct builder {
	struct sl_ydoc *doc;
	struct sl_yerror *err;
	struct sl_ynode *stack[SL_YTREE_DEPTH_MAX];
	size_t depth;
	size_t nodes;
};

static int fail(struct builder *b, const yaml_mark_t *m, const char *msg)
{
	b->err->line = (int)m->line + 1;
	b->err->col = (int)m->column + 1;
	snprintf(b->err->msg, sizeof(b->err->msg), "%s", msg);
	return -EINVAL;
}

static struct sl_ynode *new_node(struct builder *b, enum sl_ynode_type type,
				 const yaml_mark_t *m)
{
	struct sl_ynode *n;

	if (b->nodes >= SL_YTREE_NODES_MAX)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->type = type;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->next_alloc = b->doc->nodes;
	b->doc->nodes = n;
	b->nodes++;
	return n;
}

static bool same_key(const struct sl_ynode *a, const struct sl_ynode *b)
{
	return a && a->type == SL_YN_SCALAR && b->type == SL_YN_SCALAR && a->style != SL_YS_ALIAS &&
	       b->style != SL_YS_ALIAS && a->len == b->len && !memcmp(a->text, b->text, a->len);
}

/* Grows n's items or pairs so one more fits. */
static int reserve(struct sl_ynode *n)
{
	size_t cap;
	void *p;

	if (n->count < n->cap)
		return 0;
	cap = n->cap ? n->cap * 2 : 4;
	if (n->type == SL_YN_SEQUENCE)
		p = reallocarray(n->items, cap, sizeof(*n->items));
	else
		p = reallocarray(n->pairs, cap, sizeof(*n->pairs));
	if (!p)
		return -ENOMEM;
	if (n->type == SL_YN_SEQUENCE)
		n->items = p;
	else
		n->pairs = p;
	n->cap = cap;
	return 0;
}

/* Hangs a finished (or just opened) node under the innermost open collection. */
static int attach(struct builder *b, struct sl_ynode *n, const yaml_mark_t *m)
{
	struct sl_ynode *top;
	size_t i;

	if (!b->depth) {
		b->doc->root = n;
		return 0;
	}
	top = b->stack[b->depth - 1];
	n->parent = top;
	if (top->type == SL_YN_SEQUENCE) {
		if (reserve(top))
			return -ENOMEM;
		top->items[top->count++] = n;
		return 0;
	}
	/* A mapping: a pair whose value is still missing takes n as its value. */
	if (top->count && !top->pairs[top->count - 1].value) {
		top->pairs[top->count - 1].value = n;
		return 0;
	}
	if (top->count >= MAP_KEYS_MAX)
		return fail(b, m, "a mapping with more than 4096 keys");
	for (i = 0; i < top->count; i++)
		if (same_key(top->pairs[i].key, n))
			return fail(b, m, "duplicate key");
	if (reserve(top))
		return -ENOMEM;
	top->pairs[top->count].key = n;
	top->pairs[top->count].value = NULL;
	top->count++;
	return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct sl_ynode *n = new_node(b, SL_YN_SCALAR, &ev->start_mark);
	size_t len;
	const char *src;

	if (!n)
		return b->nodes >= SL_YTREE_NODES_MAX ? fail(b, &ev->start_mark, "too many nodes")
						      : -ENOMEM;
	if (ev->type == YAML_ALIAS_EVENT) {
		n->style = SL_YS_ALIAS;
		src = (const char *)ev->data.alias.anchor;
		len = src ? strlen(src) : 0;
		n->col++; /* where the name starts, after '*' */
	} else {
		n->style = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? SL_YS_PLAIN
									    : SL_YS_QUOTED;
		src = (const char *)ev->data.scalar.value;
		len = ev->data.scalar.length;
		/* A quoted scalar's place is its first character, after the quote:
		 * messages about its text count columns from there. */
		if (ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
			n->col++;
	}
	n->text = malloc(len + 1);
	if (!n->text)
		return -ENOMEM;
	if (len)
		memcpy(n->text, src, len);
	n->text[len] = '\0';
	n->len = len;
	return attach(b, n, &ev->start_mark);
}

static int on_open(struct builder *b, const yaml_event_t *ev, enum sl_ynode_type type)
{
	struct sl_ynode *n;
	int err;

	if (b->depth >= SL_YTREE_DEPTH_MAX)
		return fail(b, &ev->start_mark, "nesting is deeper than 256 levels");
	n = new_node(b, type, &ev->start_mark);
	if (!n)
		return b->nodes >= SL_YTREE_NODES_MAX ? fail(b, &ev->start_mark, "too many nodes")
						      : -ENOMEM;
	err = attach(b, n, &ev->start_mark);
	if (err)
		return err;
	b->stack[b->depth++] = n;
	return 0;
}

static int parser_error(struct builder *b, const yaml_parser_t *p)
{
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	b->err->line = (int)m->line + 1;
	b->err->col = (int)m->column + 1;
	if (p->problem && p->context)
		snprintf(b->err->msg, sizeof(b->err->msg), "%s %s", p->problem, p->context);
	else
		snprintf(b->err->msg, sizeof(b->err->msg), "%s",
			 p->problem ? p->problem : "syntax error");
	return -EINVAL;
}

int sl_ydoc_parse(const char *buf, size_t len, struct sl_ydoc **out, struct sl_yerror *err)
{
	struct builder b = { .err = err };
	yaml_parser_t parser;
	unsigned docs = 0;
	bool done = false;
	int ret = 0;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	b.doc = calloc(1, sizeof(*b.doc));
	if (!b.doc)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		free(b.doc);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)(len ? buf : ""), len);
	while (!done && !ret) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&parser, &ev)) {
			ret = parser_error(&b, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			docs++;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (docs > 1) {
				/* Only where the second document starts matters; its
				 * syntax is still checked to the end of the stream. */
				if (!b.doc->more) {
					b.doc->more = true;
					b.doc->more_line = (int)ev.start_mark.line + 1;
					b.doc->more_col = (int)ev.start_mark.column + 1;
				}
				break;
			}
			if (ev.type == YAML_SEQUENCE_START_EVENT)
				ret = on_open(&b, &ev, SL_YN_SEQUENCE);
			else if (ev.type == YAML_MAPPING_START_EVENT)
				ret = on_open(&b, &ev, SL_YN_MAPPING);
			else
				ret = on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (docs == 1 && b.depth)
				b.depth--;
			break;
		case YAML_DOCUMENT_END_EVENT:
			if (docs > 1 && !b.doc->more) {
				/* An empty second document: it starts at its end. */
				b.doc->more = true;
				b.doc->more_line = (int)ev.start_mark.line + 1;
				b.doc->more_col = (int)ev.start_mark.column + 1;
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (ret) {
		sl_ydoc_free(b.doc);
		return ret;
	}
	*out = b.doc;
	return 0;
}

void sl_ydoc_free(struct sl_ydoc *doc)
{
	struct sl_ynode *n, *next;

	if (!doc)
		return;
	for (n = doc->nodes; n; n = next) {
		next = n->next_alloc;
		free(n->text);
		free(n->items);
		free(n->pairs);
		free(n);
	}
	free(doc);
}

struct sl_ynode *sl_ynode_seq_iterate(struct sl_ynode *n, void **it)
{
	uintptr_t i = (uintptr_t)*it;

	if (n->type != SL_YN_SEQUENCE || i >= n->count)
		return NULL;
	*it = (void *)(i + 1);
	return n->items[i];
}

struct sl_ypair *sl_ynode_map_iterate(struct sl_ynode *n, void **it)
{
	uintptr_t i = (uintptr_t)*it;

	if (n->type != SL_YN_MAPPING || i >= n->count)
		return NULL;
	*it = (void *)(i + 1);
	return &n->pairs[i];
}
