/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fuzzes the config loader with arbitrary bytes as YAML. base_dir is NULL,
 * so set files are refused with an error and nothing is read from disk.
 * Every outcome must be a loaded config or a one-line diagnostic.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_config *cfg = NULL;
	struct sl_diag diag;
	int err;

	err = sl_config_load_buffer((const char *)data, size, "fuzz.yaml", NULL, &cfg, &diag);
	if (err) {
		/* A failure always explains itself, on one line. */
		if (cfg || !diag.msg[0] || strchr(diag.msg, '\n') ||
		    strnlen(diag.msg, sizeof(diag.msg)) == sizeof(diag.msg))
			abort();
		return 0;
	}
	if (!cfg || cfg->n_rules > SL_MAX_RULES || cfg->n_sets > SL_MAX_SETS)
		abort();
	sl_config_free(cfg);
	return 0;
}
