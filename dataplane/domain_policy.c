/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "domain_policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum slot_kind {
	SLOT_EMPTY = 0,
	SLOT_EXACT = 1,
	SLOT_WILD = 2, /* the text is the suffix, without "*." */
};

struct slot {
	uint64_t hash;
	uint32_t off;   /* of the text in the pool */
	uint32_t entry; /* index in the builder's list */
	uint16_t len;
	uint8_t kind;   /* enum slot_kind */
	uint8_t action;
};

struct sl_domain_policy {
	struct slot *slots;
	size_t mask; /* slots - 1, a power of two minus one */
	char *pool;
	size_t n;
	uint8_t default_action;
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* FNV-1a, then a final mix so that the low bits (the slot) depend on every byte. */
static uint64_t hash_text(const char *s, size_t len, uint8_t kind)
{
	uint64_t h = 0xcbf29ce484222325ull ^ kind;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static bool pattern_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int sl_domain_pattern_normalize(const char *pattern, size_t len, char *out, const char **why)
{
	size_t i, start = 0, label = 0;

	if (len >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		start = 2;
		out[0] = '*';
		out[1] = '.';
	}
	if (len > start && pattern[len - 1] == '.')
		len--;
	if (len == 0) {
		*why = "an empty name";
		return -EINVAL;
	}
	if (len - start > SL_DOMAIN_NAME_MAX) {
		*why = "longer than 253 characters";
		return -EINVAL;
	}
	if (len == start) {
		*why = "a wildcard needs a suffix ('*.example.com')";
		return -EINVAL;
	}
	for (i = start; i < len; i++) {
		char c = lower(pattern[i]);

		if (c == '.') {
			if (label == 0) {
				*why = "an empty label";
				return -EINVAL;
			}
			label = 0;
		} else if (c == '*') {
			*why = "'*' only as the whole first label ('*.example.com')";
			return -EINVAL;
		} else if (!pattern_char(c)) {
			*why = "a character other than a letter, digit, '-' or '_'";
			return -EINVAL;
		} else if (++label > 63) {
			*why = "a label longer than 63 characters";
			return -EINVAL;
		}
		out[i] = c;
	}
	if (label == 0) {
		*why = "an empty label";
		return -EINVAL;
	}
	out[len] = '\0';
	return 0;
}

/* The slot holding (kind, text), or the empty slot where it would go. */
static struct slot *find(const struct sl_domain_policy *p, uint8_t kind, const char *s,
			 size_t len, uint64_t h)
{
	size_t i = (size_t)h & p->mask;

	/* Load is at most 1/2, so an empty slot always ends the probe. */
	for (;;) {
		struct slot *sl = &p->slots[i];

		if (sl->kind == SLOT_EMPTY)
			return sl;
		if (sl->hash == h && sl->kind == kind && sl->len == len &&
		    !memcmp(p->pool + sl->off, s, len))
			return sl;
		i = (i + 1) & p->mask;
	}
}

int sl_domain_policy_build(const struct sl_domain_entry *entries, size_t n, uint8_t default_action,
			   struct sl_domain_policy **out, size_t *bad, size_t *first)
{
	struct sl_domain_policy *p = NULL;
	size_t cap = 8, used = 0, i;
	int err;

	*out = NULL;
	if (n > SL_DOMAIN_POLICY_MAX)
		return -E2BIG;
	while (cap < 2 * n)
		cap <<= 1;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->slots = calloc(cap, sizeof(*p->slots));
	/* Normal forms are never longer than the patterns; one pool for all of them. */
	p->pool = malloc(n ? n * (SL_DOMAIN_PATTERN_MAX + 1) : 1);
	if (!p->slots || !p->pool) {
		err = -ENOMEM;
		goto out;
	}
	p->mask = cap - 1;
	p->n = n;
	p->default_action = default_action == SL_DOMAIN_DENY ? SL_DOMAIN_DENY : SL_DOMAIN_ALLOW;

	for (i = 0; i < n; i++) {
		char norm[SL_DOMAIN_PATTERN_MAX + 1];
		const char *why, *text = norm;
		const char *pat = entries[i].pattern;
		size_t len;
		uint8_t kind = SLOT_EXACT;
		struct slot *sl;
		uint64_t h;

		/* A pattern longer than any valid one is refused before it is measured in full. */
		len = pat ? strnlen(pat, SL_DOMAIN_PATTERN_MAX + 2) : 0;
		if (!pat || len > SL_DOMAIN_PATTERN_MAX + 1 ||
		    sl_domain_pattern_normalize(pat, len, norm, &why)) {
			if (bad)
				*bad = i;
			err = -EINVAL;
			goto out;
		}
		len = strlen(norm);
		if (norm[0] == '*') {
			kind = SLOT_WILD;
			text += 2;
			len -= 2;
		}
		h = hash_text(text, len, kind);
		sl = find(p, kind, text, len, h);
		if (sl->kind != SLOT_EMPTY) {
			if (bad)
				*bad = i;
			if (first)
				*first = sl->entry;
			err = -EEXIST;
			goto out;
		}
		memcpy(p->pool + used, text, len);
		sl->hash = h;
		sl->off = (uint32_t)used;
		sl->len = (uint16_t)len;
		sl->kind = kind;
		sl->action = entries[i].action == SL_DOMAIN_DENY ? SL_DOMAIN_DENY : SL_DOMAIN_ALLOW;
		sl->entry = (uint32_t)i;
		used += len;
	}
	*out = p;
	p = NULL;
	err = 0;
out:
	sl_domain_policy_free(p);
	return err;
}

void sl_domain_policy_free(struct sl_domain_policy *p)
{
	if (!p)
		return;
	free(p->slots);
	free(p->pool);
	free(p);
}

size_t sl_domain_policy_count(const struct sl_domain_policy *p)
{
	return p->n;
}

static uint8_t hit(const struct slot *sl, struct sl_domain_match *m)
{
	m->action = sl->action;
	m->matched = true;
	m->wildcard = sl->kind == SLOT_WILD;
	m->entry = sl->entry;
	return sl->action;
}

uint8_t sl_domain_policy_lookup(const struct sl_domain_policy *p, const char *name, size_t len,
				struct sl_domain_match *m)
{
	char buf[SL_DOMAIN_NAME_MAX];
	struct slot *sl;
	size_t i;

	m->action = p->default_action;
	m->matched = false;
	m->wildcard = false;
	m->entry = 0;
	if (len && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SL_DOMAIN_NAME_MAX)
		return m->action;
	for (i = 0; i < len; i++)
		buf[i] = lower(name[i]);

	sl = find(p, SLOT_EXACT, buf, len, hash_text(buf, len, SLOT_EXACT));
	if (sl->kind != SLOT_EMPTY)
		return hit(sl, m);
	/* Suffixes after each dot, longest first: the first hit is the most specific. */
	for (i = 0; i < len; i++) {
		const char *suffix;
		size_t slen;

		if (buf[i] != '.')
			continue;
		suffix = buf + i + 1;
		slen = len - i - 1;
		if (!slen)
			break;
		sl = find(p, SLOT_WILD, suffix, slen, hash_text(suffix, slen, SLOT_WILD));
		if (sl->kind != SLOT_EMPTY)
			return hit(sl, m);
	}
	return m->action;
}
