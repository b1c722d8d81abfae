/*
 * libFuzzer harness: the cost config-file parser (lib/cost.c). Any text
 * either fails cleanly or loads; a loaded, valid parameter set written
 * back with msim_cost_write must load again (on top of any preset) and
 * give every parameter the same value (the header comment names the
 * preset the set came from, so the texts themselves may differ).
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/cost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Same value for every parameter, compared in msim_cost_get's format. */
static int same_params(const msim_cost_params *p, const msim_cost_params *q)
{
	char a[128], b[128];

	for (unsigned i = 0; i < msim_cost_param_count(); i++) {
		const char *name = msim_cost_param_name(i);

		if (msim_cost_get(p, name, a, sizeof(a)) ||
		    msim_cost_get(q, name, b, sizeof(b)))
			abort();
		if (strcmp(a, b)) {
			fprintf(stderr, "%s: %s before, %s after reload\n", name, a, b);
			return 0;
		}
	}
	return 1;
}

static char *write_params(const msim_cost_params *p, size_t *n)
{
	char *s = NULL;
	FILE *f = open_memstream(&s, n);

	if (!f || msim_cost_write(p, f))
		abort();
	fclose(f);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const *names = msim_cost_preset_names();
	msim_cost_params p, q;
	char *text = malloc(size + 1), *w1;
	size_t n1;

	if (!text || !names || !names[0] || msim_cost_preset(names[0], &p))
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (!msim_cost_load_string(&p, text, "fuzz") && !msim_cost_validate(&p)) {
		w1 = write_params(&p, &n1);
		if (msim_cost_preset(names[0], &q) ||
		    msim_cost_load_string(&q, w1, "written")) {
			fprintf(stderr, "written config does not load: %s\n",
				msim_last_error());
			abort();
		}
		if (!same_params(&p, &q))
			abort();
		free(w1);
	}
	free(text);
	return 0;
}
