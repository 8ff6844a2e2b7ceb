/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one parser of prefix text. inet_pton does the address; the length
 * and the host bits are checked here. Input is never trusted to be
 * NUL-terminated: it is copied into a bounded local buffer first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prefix.h"

/* Faults a prefix can have; the static texts are in prefix_fault_text. */
enum prefix_fault {
	PF_OK = 0,
	PF_EMPTY,
	PF_TOO_LONG,
	PF_NUL,
	PF_BAD_ADDR4,
	PF_BAD_ADDR6,
	PF_NO_LEN,
	PF_BAD_LEN,
	PF_LEN4_RANGE,
	PF_LEN6_RANGE,
	PF_HOST_BITS,
};

static const char *const prefix_fault_text[] = {
	[PF_OK] = "ok",
	[PF_EMPTY] = "empty",
	[PF_TOO_LONG] = "too long",
	[PF_NUL] = "contains a NUL byte",
	[PF_BAD_ADDR4] = "not an IPv4 address",
	[PF_BAD_ADDR6] = "not an IPv6 address",
	[PF_NO_LEN] = "no prefix length after '/'",
	[PF_BAD_LEN] = "prefix length is not a decimal number",
	[PF_LEN4_RANGE] = "prefix length out of range for IPv4 (0-32)",
	[PF_LEN6_RANGE] = "prefix length out of range for IPv6 (0-128)",
	[PF_HOST_BITS] = "host bits are set",
};

/* Clears the bits after len; returns whether any were set. */
static int clear_host_bits(struct sl_prefix *p)
{
	unsigned int bytes = p->family == AF_INET ? 4 : 16;
	unsigned int i;
	int had = 0;

	for (i = 0; i < bytes; i++) {
		unsigned int first = i * 8;
		uint8_t keep;

		if (first + 8 <= p->len)
			continue;
		keep = first >= p->len ? 0 : (uint8_t)(0xff << (8 - (p->len - first)));
		if (p->addr[i] & (uint8_t)~keep)
			had = 1;
		p->addr[i] &= keep;
	}
	return had;
}

/*
 * Parses into out. On PF_HOST_BITS out holds the network (host bits
 * cleared), which the message variant shows.
 */
static enum prefix_fault prefix_parse(const char *s, size_t len, struct sl_prefix *out)
{
	char buf[SL_PREFIX_TEXT_MAX + 1];
	struct sl_prefix p;
	char *slash;
	unsigned int max;

	if (len == 0)
		return PF_EMPTY;
	if (len > SL_PREFIX_TEXT_MAX)
		return PF_TOO_LONG;
	if (memchr(s, '\0', len))
		return PF_NUL;
	memcpy(buf, s, len);
	buf[len] = '\0';

	memset(&p, 0, sizeof(p));
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (strchr(buf, ':')) {
		p.family = AF_INET6;
		max = 128;
		if (inet_pton(AF_INET6, buf, p.addr) != 1)
			return PF_BAD_ADDR6;
	} else {
		p.family = AF_INET;
		max = 32;
		if (inet_pton(AF_INET, buf, p.addr) != 1)
			return PF_BAD_ADDR4;
	}
	p.len = (uint8_t)max;
	if (slash) {
		const char *l = slash + 1;
		size_t n = strlen(l);
		unsigned int v = 0;
		size_t i;

		if (n == 0)
			return PF_NO_LEN;
		/* At most three digits: anything longer is junk or out of range. */
		if (n > 3)
			return PF_BAD_LEN;
		for (i = 0; i < n; i++) {
			if (l[i] < '0' || l[i] > '9')
				return PF_BAD_LEN;
			v = v * 10 + (unsigned int)(l[i] - '0');
		}
		if (v > max)
			return p.family == AF_INET ? PF_LEN4_RANGE : PF_LEN6_RANGE;
		p.len = (uint8_t)v;
	}
	if (clear_host_bits(&p)) {
		*out = p;
		return PF_HOST_BITS;
	}
	*out = p;
	return PF_OK;
}

int sl_prefix_parse(const char *s, size_t len, struct sl_prefix *out, const char **why)
{
	enum prefix_fault f = prefix_parse(s, len, out);

	if (f == PF_OK)
		return 0;
	if (why)
		*why = prefix_fault_text[f];
	return -EINVAL;
}

int sl_prefix_parse_msg(const char *s, size_t len, struct sl_prefix *out, char *why,
			size_t why_size)
{
	enum prefix_fault f = prefix_parse(s, len, out);
	char net[64];

	if (f == PF_OK)
		return 0;
	if (why && why_size) {
		if (f == PF_HOST_BITS)
			snprintf(why, why_size, "%s; the network is %s", prefix_fault_text[f],
				 sl_prefix_format(out, net, sizeof(net)));
		else
			snprintf(why, why_size, "%s", prefix_fault_text[f]);
	}
	return -EINVAL;
}

/* Appends v in decimal at out; returns the length. */
static size_t fmt_dec(char *out, unsigned int v)
{
	char rev[10];
	size_t n = 0, i;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(rev));
	for (i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	return n;
}

static size_t fmt_ip4(char *out, const uint8_t *a)
{
	size_t n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			out[n++] = '.';
		n += fmt_dec(out + n, a[i]);
	}
	return n;
}

/*
 * The text inet_ntop gives for an IPv6 address (the longest run of two or
 * more zero groups, the first of equal ones, becomes "::"; lowercase hex
 * without leading zeros; the IPv4-compatible and -mapped forms end in
 * dotted quad), without its sprintf per group: sets of a million
 * prefixes are formatted whole for every saved generation and every load.
 * tests/unit/test_prefix.c compares the two.
 */
static size_t fmt_ip6(char *out, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0, i;
	size_t n = 0;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8; i++) {
		if (!w[i]) {
			if (cur < 0) {
				cur = i;
				cur_len = 0;
			}
			cur_len++;
			continue;
		}
		if (cur >= 0 && (best < 0 || cur_len > best_len)) {
			best = cur;
			best_len = cur_len;
		}
		cur = -1;
	}
	if (cur >= 0 && (best < 0 || cur_len > best_len)) {
		best = cur;
		best_len = cur_len;
	}
	if (best >= 0 && best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		int shift, started = 0;

		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				out[n++] = ':';
			continue;
		}
		if (i)
			out[n++] = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return n + fmt_ip4(out + n, a + 12);
		for (shift = 12; shift >= 0; shift -= 4) {
			unsigned int d = (w[i] >> shift) & 0xf;

			if (d || started || !shift) {
				out[n++] = hex[d];
				started = 1;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		out[n++] = ':';
	return n;
}

char *sl_prefix_format(const struct sl_prefix *p, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	size_t n;

	if (!size)
		return buf;
	if (p->family != AF_INET && p->family != AF_INET6) {
		snprintf(buf, size, "?");
		return buf;
	}
	n = p->family == AF_INET ? fmt_ip4(tmp, p->addr) : fmt_ip6(tmp, p->addr);
	tmp[n++] = '/';
	n += fmt_dec(tmp + n, p->len);
	if (n >= size)
		n = size - 1; /* cut, as snprintf would */
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return buf;
}

int sl_set_add(struct sl_set *set, const struct sl_prefix *p)
{
	if (set->n_prefixes == set->cap_prefixes) {
		/* Geometric growth keeps a million-line set file linear. */
		size_t cap = set->cap_prefixes ? set->cap_prefixes * 2 : 64;
		struct sl_prefix *np;

		if (cap > SIZE_MAX / sizeof(*np))
			return -ENOMEM;
		np = realloc(set->prefixes, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		set->prefixes = np;
		set->cap_prefixes = cap;
	}
	set->prefixes[set->n_prefixes++] = *p;
	return 0;
}

void sl_set_clear(struct sl_set *set)
{
	free(set->prefixes);
	set->prefixes = NULL;
	set->n_prefixes = 0;
	set->cap_prefixes = 0;
}

const char *sl_text_shown(const char *s, size_t len, size_t max, char *out, size_t size)
{
	size_t i, n = 0;

	if (!size)
		return out;
	for (i = 0; i < len && i < max && n + 1 < size; i++)
		out[n++] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'') ? s[i] : '?';
	if (len > max && n + 4 < size) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}
