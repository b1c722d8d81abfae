/*
 * Internal helpers shared by the library's modules. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_INTERNAL_H
#define MSIM_INTERNAL_H

#include "mmu_sim/common.h"

#if defined(__GNUC__)
#define MSIM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define msim_likely(x) __builtin_expect(!!(x), 1)
#define msim_unlikely(x) __builtin_expect(!!(x), 0)
/* hot helpers whose copies GCC's unit-growth limits would otherwise leave
 * out of line in large callers (the walker) */
#define MSIM_ALWAYS_INLINE __attribute__((always_inline))
#else
#define MSIM_PRINTF(a, b)
#define msim_likely(x) (x)
#define msim_unlikely(x) (x)
#define MSIM_ALWAYS_INLINE
#endif

#define MSIM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MSIM_BIT(n) (1ULL << (n))
/* bits h..l inclusive, as a mask */
#define MSIM_GENMASK(h, l) ((~0ULL >> (63 - (h))) & ~((1ULL << (l)) - 1))

/*
 * Record an error for msim_last_error() and return code, so callers can
 * write `return msim_err(MSIM_EINVAL, "vcpu %u out of range", id);`.
 */
int msim_err(int code, const char *fmt, ...) MSIM_PRINTF(2, 3);

/* Reset the thread's last error to "no error". */
void msim_err_clear(void);

#endif
