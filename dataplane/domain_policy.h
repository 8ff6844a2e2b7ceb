/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A domain policy (docs/inspect.md): exact names and `*.suffix` wildcards,
 * each allowed or denied, and a default for names nothing matches.
 *
 * Matching is case-insensitive and the most specific entry wins: an exact
 * name beats every wildcard, and a wildcard with a longer suffix beats a
 * shorter one (`www.example.com` > `*.example.com` > `*.com`). `*.suffix`
 * matches names strictly below suffix, at any depth, never suffix itself.
 *
 * Built once from a list of entries into one open-addressing hash table of
 * exact names and wildcard suffixes; a lookup hashes the name, then each
 * suffix after a dot from the longest to the shortest: at most one probe
 * sequence per label, no allocation, no lock (the built policy is read-only
 * and may be shared between threads).
 */
#ifndef SLUICE_DATAPLANE_DOMAIN_POLICY_H
#define SLUICE_DATAPLANE_DOMAIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_DOMAIN_NAME_MAX 253      /* characters of a name, no trailing dot */
#define SL_DOMAIN_PATTERN_MAX 255   /* "*." plus a name */
#define SL_DOMAIN_POLICY_MAX (1u << 22) /* entries per policy */

/* What an entry or the default says. Values are used in the config struct. */
enum sl_domain_action {
	SL_DOMAIN_ALLOW = 0,
	SL_DOMAIN_DENY = 1,
};

/* One entry as the builder takes it. */
struct sl_domain_entry {
	const char *pattern; /* "name" or "*.suffix", any case, NUL-terminated */
	uint8_t action;      /* enum sl_domain_action */
};

/* Which entry decided a lookup. */
struct sl_domain_match {
	uint8_t action;  /* enum sl_domain_action */
	bool matched;    /* false: the default decided */
	bool wildcard;   /* the entry is a `*.suffix` one */
	size_t entry;    /* index of the entry in the builder's list, if matched */
};

struct sl_domain_policy;

/*
 * Checks pattern (len bytes, need not be NUL-terminated) and writes its
 * normal form, lower case, into out (at least SL_DOMAIN_PATTERN_MAX + 1
 * bytes): a name of dotted labels, 1-63 characters each, letters, digits,
 * '-' and '_', at most 253 characters, optionally prefixed by "*." (the
 * suffix then needs no more than one label: `*.com` is allowed). One
 * trailing dot is dropped. Returns 0, or -EINVAL with *why set to a
 * static English reason.
 */
int sl_domain_pattern_normalize(const char *pattern, size_t len, char *out, const char **why);

/*
 * Builds a policy from n entries (n <= SL_DOMAIN_POLICY_MAX) and a default
 * action. Returns 0 and *out (sl_domain_policy_free), -EINVAL when an
 * entry is not a valid pattern (*bad = its index), -EEXIST when two
 * entries have the same normal form (*bad = the later one, *first = the
 * earlier one), -E2BIG for too many entries, -ENOMEM. bad and first may be
 * NULL.
 */
int sl_domain_policy_build(const struct sl_domain_entry *entries, size_t n, uint8_t default_action,
			   struct sl_domain_policy **out, size_t *bad, size_t *first);

/* NULL-safe. */
void sl_domain_policy_free(struct sl_domain_policy *p);

/*
 * Looks name (len bytes, any case, one trailing dot ignored) up and fills
 * *m. A name longer than SL_DOMAIN_NAME_MAX matches no entry.
 * Returns the action (enum sl_domain_action).
 */
uint8_t sl_domain_policy_lookup(const struct sl_domain_policy *p, const char *name, size_t len,
				struct sl_domain_match *m);

/* The number of entries. */
size_t sl_domain_policy_count(const struct sl_domain_policy *p);

#endif /* SLUICE_DATAPLANE_DOMAIN_POLICY_H */
