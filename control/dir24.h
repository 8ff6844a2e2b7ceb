/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IPv4 prefix table in DIR-24-8 form (docs/classifier.md): a flat
 * array indexed by the top 24 bits of the address, whose entries hold an
 * address class or, for /24s that contain longer prefixes, the number of
 * a 256-entry group indexed by the last byte. Any lookup is one or two
 * array reads, however many prefixes there are. Pure computation.
 */
#ifndef SLUICE_DIR24_H
#define SLUICE_DIR24_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"

/* How many 256-entry groups sl_dir24_build needs for these prefixes. */
size_t sl_dir24_groups(const struct sl_pfx4_entry *pfx, size_t n);

/*
 * Writes the table for n prefixes (any order; overlapping prefixes resolve
 * to the longest): tbl24 has SL_DIR24_ENTRIES entries, tbl8 has
 * groups * SL_DIR8_GROUP entries with groups from sl_dir24_groups. Both
 * are overwritten entirely; addresses in no prefix get default_class.
 * Returns 0, -ENOMEM, or -E2BIG if groups is too small.
 */
int sl_dir24_build(const struct sl_pfx4_entry *pfx, size_t n, uint32_t default_class,
		   uint32_t *tbl24, uint32_t *tbl8, size_t groups);

/* The class of addr (network order) in a built table, as the XDP program finds it. */
uint32_t sl_dir24_lookup(const uint32_t *tbl24, const uint32_t *tbl8, const uint8_t addr[4]);

#endif /* SLUICE_DIR24_H */
