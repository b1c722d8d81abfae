/*
 * libFuzzer harness: command-line arguments. The input is split at NUL
 * bytes into an argv and run through the parsers every subcommand uses:
 * the shared machine options (sim/cli.c cli_machine_opt), KVM policy
 * strings (msim_kvm_opts_parse) and workload parameters (gen.c). Any
 * argv must be accepted or rejected cleanly; an accepted policy string
 * must survive format -> parse -> format unchanged.
 * SPDX-License-Identifier: MIT
 */
#include "../../sim/cli.c" /* first: it sets its feature macros */

#include <stdint.h>
#include <stdlib.h>

#include "tools/gen_internal.h"
#include "mmu_sim/kvm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_policy(const char *s)
{
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT, o2 = MSIM_KVM_OPTS_INIT;
	char a[512], b[512];

	if (msim_kvm_opts_parse(&o, s))
		return;
	if (msim_kvm_opts_format(&o, a, sizeof(a)) >= (int)sizeof(a))
		abort();
	if (msim_kvm_opts_parse(&o2, a)) {
		fprintf(stderr, "formatted policy '%s' does not parse: %s\n", a,
			msim_last_error());
		abort();
	}
	msim_kvm_opts_format(&o2, b, sizeof(b));
	if (strcmp(a, b)) {
		fprintf(stderr, "policy round trip: '%s' -> '%s'\n", a, b);
		abort();
	}
}

static void check_params(const char *s)
{
	static const char *const keys[] = { "toggles", "ws", "procs", "pti", NULL };
	uint64_t v = 0;

	(void)msim_param_check_keys(s, keys);
	(void)msim_param_u64(s, "ws", 1000, &v);
	if (v > 1000)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[4097], *argv[33];
	int argc = 0;
	struct cli_machine_args a;

	if (size > 4096)
		size = 4096;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; p < buf + size + 1 && argc < 32; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	cli_machine_args_init(&a);
	for (int i = 0; i < argc; i++)
		if (cli_machine_opt(&a, argc, argv, &i) < 0)
			break;
	if (a.mo.nr_vcpus < 1 || a.mo.nr_vcpus > MSIM_MAX_VCPUS ||
	    a.mo.features.maxphyaddr < 32 || a.mo.features.maxphyaddr > 52)
		abort(); /* accepted options must respect the limits */
	if (a.mo.kvm)
		check_policy(a.mo.kvm);
	for (int i = 0; i < argc; i++) {
		check_policy(argv[i]);
		check_params(argv[i]);
	}
	return 0;
}
