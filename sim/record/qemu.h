/* `mmu-sim record --qemu`: record inside QEMU TCG. SPDX-License-Identifier: MIT */
#ifndef MSIM_RECORD_QEMU_H
#define MSIM_RECORD_QEMU_H

#include <stdint.h>

struct msim_qemu_opts {
	const char *kernel;      /* alias (6.1, 6.12) or linux-image-* package */
	const char *mmu;         /* tdp | legacy | shadow */
	const char *scenario;    /* or script */
	const char *script;
	const char *out;
	const char *qemu;        /* NULL: qemu-system-x86_64 from PATH */
	const char *cache;       /* NULL: $XDG_CACHE_HOME/mmu-sim/qemu */
	const char *extra_flags; /* passed to the recorder inside, or NULL */
	uint64_t seed;
	unsigned timeout_s;
};

/* Fetch (cached), boot, record, bring the ftrace text back to o->out.
 * Returns the exit code: 0, 1 runtime failure, 2 bad usage. */
int msim_record_qemu(const struct msim_qemu_opts *o);

#endif
