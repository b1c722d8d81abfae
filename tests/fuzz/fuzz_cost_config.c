/*
 * libFuzzer harness: the cost config-file parser (lib/cost.c). Any text
 * either fails cleanly or loads; a loaded, valid parameter set written
 * back with msim_cost_write must load again and write the same text.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/cost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	char *text = malloc(size + 1), *w1, *w2;
	size_t n1, n2;

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
		w2 = write_params(&q, &n2);
		if (n1 != n2 || memcmp(w1, w2, n1)) {
			fprintf(stderr, "msim_cost_write is not a fixed point\n");
			abort();
		}
		free(w1);
		free(w2);
	}
	free(text);
	return 0;
}
