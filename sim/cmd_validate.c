/*
 * `mmu-sim validate`: replay a recorded trace and compare the model's
 * predictions with the expectation lines recorded from real KVM.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "cli.h"

int cli_validate(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			puts("usage: mmu-sim validate TRACE --preset KERNEL\n\n"
			     "Not built yet: validation needs the KVM MMU model.");
			return CLI_OK;
		}
	cli_error("validate: not built yet (it needs the KVM MMU model)");
	return CLI_FAIL;
}
