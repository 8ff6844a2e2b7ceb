/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* IPv4/IPv6 prefixes: the one parser of prefix text (config and set files). */
#ifndef SLUICE_PREFIX_H
#define SLUICE_PREFIX_H

#include <stddef.h>

#include "config.h"

/*
 * Parses "ADDR/LEN" or a bare "ADDR" (a host prefix) of at most len bytes
 * (no NUL needed). Host bits must be zero. Returns 0, or -EINVAL with
 * *why set to a static description of the fault.
 */
int sl_prefix_parse(const char *s, size_t len, struct sl_prefix *out, const char **why);

/*
 * The same, with the fault written into why (why_size bytes, always
 * NUL-terminated) as one line; when only host bits are wrong it names
 * the network the prefix should be ("host bits are set; the network is
 * 10.0.0.0/8"). For messages in the config and set-file loaders.
 */
int sl_prefix_parse_msg(const char *s, size_t len, struct sl_prefix *out, char *why,
			size_t why_size);

/* Longest prefix text sl_prefix_parse accepts, in bytes. */
#define SL_PREFIX_TEXT_MAX 64

/* Formats as ADDR/LEN into buf (at least 50 bytes). Returns buf. */
char *sl_prefix_format(const struct sl_prefix *p, char *buf, size_t size);

/* Appends to the set, growing it. 0 or -ENOMEM. */
int sl_set_add(struct sl_set *set, const struct sl_prefix *p);

/*
 * Copies at most max bytes of user text (len bytes at s, no NUL needed)
 * into out for a message: printable ASCII only, quotes and control bytes
 * shown as '?', "..." when cut. Returns out.
 */
const char *sl_text_shown(const char *s, size_t len, size_t max, char *out, size_t size);

/* Frees the set's prefixes (not the set itself). */
void sl_set_clear(struct sl_set *set);

#endif /* SLUICE_PREFIX_H */
