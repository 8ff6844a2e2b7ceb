/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes the domain policy: the input is lines; those before an empty
 * line are patterns ('!' first: deny), the rest are names to look up.
 * Each lookup is checked against a plain scan of the entries for the most
 * specific match (an exact name, else the longest `*.suffix`).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/domain_policy.h"

#define MAX_LINES 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool ieq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* The reference: index of the most specific entry matching name, or -1. */
static long scan(char norm[][SL_DOMAIN_PATTERN_MAX + 1], size_t n, const char *name, size_t len)
{
	long best = -1;
	size_t i, best_len = 0;

	if (len && name[len - 1] == '.')
		len--;
	if (!len || len > SL_DOMAIN_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (norm[i][0] != '*' && ieq(norm[i], strlen(norm[i]), name, len))
			return (long)i;
	for (i = 0; i < n; i++) {
		const char *suf = norm[i] + 2;
		size_t sl = strlen(suf);

		if (norm[i][0] != '*' || sl + 1 > len || name[len - sl - 1] != '.')
			continue;
		if (ieq(suf, sl, name + len - sl, sl) && sl > best_len) {
			best = (long)i;
			best_len = sl;
		}
	}
	return best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[65536 + 1];
	static char norm[MAX_LINES][SL_DOMAIN_PATTERN_MAX + 1];
	struct sl_domain_entry e[MAX_LINES];
	struct sl_domain_policy *p = NULL;
	size_t n = 0, i, off = 0, bad, first;
	const char *why;
	int err;

	if (size > 65536)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* Patterns up to the first empty line. */
	while (off < size && n < MAX_LINES) {
		char *line = text + off, *nl = memchr(line, '\n', size - off);
		size_t len = nl ? (size_t)(nl - line) : size - off;

		off += len + (nl ? 1 : 0);
		if (nl)
			*nl = '\0';
		if (len == 0)
			break;
		e[n].action = line[0] == '!' ? SL_DOMAIN_DENY : SL_DOMAIN_ALLOW;
		e[n].pattern = line + (line[0] == '!');
		n++;
	}
	err = sl_domain_policy_build(e, n, SL_DOMAIN_DENY, &p, &bad, &first);
	if (err == -EINVAL) {
		if (bad >= n)
			abort();
		return 0;
	}
	if (err == -EEXIST) {
		if (bad >= n || first >= bad)
			abort();
		return 0;
	}
	if (err)
		abort();
	for (i = 0; i < n; i++)
		if (sl_domain_pattern_normalize(e[i].pattern, strlen(e[i].pattern), norm[i], &why))
			abort();
	while (off < size) {
		char *line = text + off, *nl = memchr(line, '\n', size - off);
		size_t len = nl ? (size_t)(nl - line) : size - off;
		struct sl_domain_match m;
		long want;
		uint8_t act;

		off += len + (nl ? 1 : 0);
		act = sl_domain_policy_lookup(p, line, len, &m);
		want = scan(norm, n, line, len);
		if (act != m.action)
			abort();
		if (want < 0 ? m.matched || act != SL_DOMAIN_DENY
			     : !m.matched || m.entry != (size_t)want || act != e[want].action)
			abort();
	}
	sl_domain_policy_free(p);
	return 0;
}
