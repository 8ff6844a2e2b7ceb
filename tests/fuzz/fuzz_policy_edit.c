/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes a rule's text as the control socket receives it (rule add,
 * control/policy_edit.c): anything is refused with a one-line message or
 * added; an added rule listed as text (sl_policy_rule_text) and added back
 * in place of itself gives the same policy (same hash).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/policy.h"
#include "control/policy_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] =
	"version: 1\n"
	"interfaces: [{name: sl-a0}, {name: sl-a1}]\n"
	"sets:\n"
	"  - name: s\n"
	"    prefixes: [198.18.1.0/24, \"2001:db8:1::/48\"]\n"
	"rules:\n"
	"  - {name: first, protocol: udp, dport: 53, action: accept}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_config *cfg = NULL, *again = NULL;
	struct sl_diag diag = { { 0 } };
	char text[4096], listed[8192];
	uint64_t h;
	int err;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (sl_config_load_buffer(base, sizeof(base) - 1, "base.yaml", NULL, &cfg, &diag))
		abort();
	err = sl_policy_rule_add(cfg, text, SL_RULE_AT_INDEX, 0, NULL, &diag);
	if (err) {
		if (!diag.msg[0] || strchr(diag.msg, '\n'))
			abort();
		goto out;
	}
	if (cfg->n_rules != 2 || sl_policy_rule_text(cfg, 0, listed, sizeof(listed)))
		abort();
	h = sl_policy_hash(cfg);
	if (sl_policy_copy(cfg, &again) || sl_policy_rule_delete(again, cfg->rules[0].name, &diag) ||
	    sl_policy_rule_add(again, listed, SL_RULE_AT_INDEX, 0, NULL, &diag) ||
	    sl_policy_hash(again) != h)
		abort();
out:
	sl_config_free(again);
	sl_config_free(cfg);
	return 0;
}
