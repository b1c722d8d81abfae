/* Deterministic PRNG (internal). SPDX-License-Identifier: MIT */
#ifndef MSIM_RNG_H
#define MSIM_RNG_H

#include <stdint.h>

/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014); never rand(): output must
 * not depend on the libc. */
static inline uint64_t msim_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif
