/*
 * Workload generator registry and parameter parsing. The workloads live
 * in gen_chase.c (pointer chase, for calibration) and gen_kvm.c (guest
 * behaviours that exercise the KVM MMU model).
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen_internal.h"
#include "base/internal.h"

#define GEN_MAX 64

static const struct msim_gen_workload *const gen_tables[] = {
	msim_gen_chase_workloads,
	msim_gen_kvm_workloads,
};

static const char *gen_names[GEN_MAX + 1];

static const struct msim_gen_workload *gen_find(const char *name)
{
	for (size_t t = 0; t < MSIM_ARRAY_SIZE(gen_tables); t++)
		for (const struct msim_gen_workload *w = gen_tables[t]; w && w->name; w++)
			if (!strcmp(w->name, name))
				return w;
	return NULL;
}

const char *const *msim_gen_workloads(void)
{
	unsigned n = 0;

	for (size_t t = 0; t < MSIM_ARRAY_SIZE(gen_tables); t++)
		for (const struct msim_gen_workload *w = gen_tables[t];
		     w && w->name && n < GEN_MAX; w++)
			gen_names[n++] = w->name;
	gen_names[n] = NULL;
	return gen_names;
}

const char *msim_gen_help(const char *name)
{
	const struct msim_gen_workload *w = gen_find(name);

	return w ? w->help : NULL;
}

int msim_gen_opts_init(msim_gen_opts *opts, unsigned version)
{
	static const msim_gen_opts def = MSIM_GEN_OPTS_INIT;

	if (!opts || version != MSIM_GEN_OPTS_VERSION)
		return msim_err(MSIM_EINVAL, "msim_gen_opts_init: %s (this library "
				"knows version %d)",
				opts ? "unknown version" : "opts is NULL",
				MSIM_GEN_OPTS_VERSION);
	*opts = def;
	return 0;
}

int msim_gen(const char *name, const msim_gen_opts *opts, msim_trace_writer *w)
{
	msim_gen_opts def = MSIM_GEN_OPTS_INIT;
	const struct msim_gen_workload *wl;

	if (!name || !w)
		return msim_err(MSIM_EINVAL, "msim_gen: missing workload or writer");
	if (opts && opts->version != MSIM_GEN_OPTS_VERSION)
		return msim_err(MSIM_EINVAL, "msim_gen_opts: version %u (this "
				"library knows %d); start from MSIM_GEN_OPTS_INIT",
				opts->version, MSIM_GEN_OPTS_VERSION);
	wl = gen_find(name);
	if (!wl)
		return msim_err(MSIM_ENOENT, "unknown workload '%s'", name);
	return wl->run(opts ? opts : &def, w);
}


uint64_t msim_gen_rng_next(uint64_t *state)
{
	return msim_rng_next(state);
}
