/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Edits of a policy (the rules, sets and interfaces of a struct
 * sl_config) for the control commands (docs/control.md, "Changing the
 * policy"). Pure: no system calls, so every validation is unit-tested.
 * The policy engine applies an edited copy as one generation.
 *
 * A rule's text is a YAML flow mapping with the keys of a rule in the
 * config ({name: web, protocol: tcp, dport: [80, 443], action: accept});
 * it is parsed by the config loader itself, in a document that declares
 * the policy's interfaces and sets, so a rule means over the socket
 * exactly what it means in a config file.
 *
 * Every function returns 0 or a negative errno with a one-line diag:
 * -EINVAL (bad text, bad name), -ENOENT (no such rule or set), -EEXIST
 * (the name is taken), -EBUSY (a set a rule names), -E2BIG (a limit of
 * abi.h or config.h), -ENOMEM.
 */
#ifndef SLUICE_POLICY_EDIT_H
#define SLUICE_POLICY_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* A deep copy of cfg (policy and daemon settings). */
int sl_policy_copy(const struct sl_config *cfg, struct sl_config **out);

/* Where rule add puts the rule. */
enum sl_rule_where {
	SL_RULE_AT_END = 0,
	SL_RULE_AT_INDEX,  /* index: 0..n_rules */
	SL_RULE_BEFORE,    /* ref: a rule's name */
	SL_RULE_AFTER,
};

/* Adds the rule of text (it must have a name no rule has) where asked. */
int sl_policy_rule_add(struct sl_config *cfg, const char *text, enum sl_rule_where where,
		       uint32_t index, const char *ref, struct sl_diag *diag);

/* Deletes the rule named name. */
int sl_policy_rule_delete(struct sl_config *cfg, const char *name, struct sl_diag *diag);

/*
 * Replaces the rule named name, in place, by text; the text may leave
 * the name out or repeat it (a rename is delete plus add).
 */
int sl_policy_rule_replace(struct sl_config *cfg, const char *name, const char *text,
			   struct sl_diag *diag);

/*
 * The rule at index as a one-line flow mapping that sl_policy_rule_add
 * reads back to the same rule. 0, -ENOENT, or -ENOSPC when buf is short.
 */
int sl_policy_rule_text(const struct sl_config *cfg, size_t index, char *buf, size_t size);

/* Creates an empty named set, with prefixes when n > 0. */
int sl_policy_set_create(struct sl_config *cfg, const char *name, const struct sl_prefix *p,
			 size_t n, struct sl_diag *diag);

/* Deletes a named set no rule names. */
int sl_policy_set_delete(struct sl_config *cfg, const char *name, struct sl_diag *diag);

/*
 * Adds prefixes to a named set (those it has already are skipped); with
 * create, a missing set is created first.
 */
int sl_policy_set_add(struct sl_config *cfg, const char *name, const struct sl_prefix *p,
		      size_t n, bool create, struct sl_diag *diag);

/*
 * sl_policy_set_add for many adds to one set in a row (a bulk load in a
 * transaction): *index (NULL at first) remembers the set's elements
 * between calls, so each add costs what it adds, not the set's size. An
 * index of another set, or of a set changed by other edits since, is
 * rebuilt. Free it with sl_set_index_free.
 */
struct sl_set_index;
int sl_policy_set_add_idx(struct sl_config *cfg, const char *name, const struct sl_prefix *p,
			  size_t n, bool create, struct sl_set_index **index, struct sl_diag *diag);
void sl_set_index_free(struct sl_set_index *index);

/* Removes prefixes from a named set; prefixes it does not have are -ENOENT. */
int sl_policy_set_remove(struct sl_config *cfg, const char *name, const struct sl_prefix *p,
			 size_t n, struct sl_diag *diag);

/* Empties a named set. */
int sl_policy_set_flush(struct sl_config *cfg, const char *name, struct sl_diag *diag);

#endif /* SLUICE_POLICY_EDIT_H */
