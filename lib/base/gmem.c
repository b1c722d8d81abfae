/*
 * Sparse physical memory: open-addressing hash from frame number to a
 * 4 KiB backing page, fronted by a small direct-mapped cache of recent
 * frames (a walk touches a handful of table pages over and over). Reads
 * never allocate, so the walker's hot path allocates nothing. The cache
 * makes even reads mutate the object: one msim_gmem must not be used from
 * two threads at once.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "base/gmem_internal.h"

#define GM_EMPTY UINT64_MAX
#define GM_CACHE MSIM_GMEM_CACHE

static inline uint64_t gm_hash(uint64_t pfn)
{
	pfn ^= pfn >> 29;
	pfn *= 0xbf58476d1ce4e5b9ULL;
	pfn ^= pfn >> 32;
	return pfn;
}

static uint8_t *gm_find(const msim_gmem *m, uint64_t pfn)
{
	uint64_t mask = m->cap - 1;

	for (uint64_t i = gm_hash(pfn) & mask;; i = (i + 1) & mask) {
		if (m->slots[i].pfn == pfn)
			return m->slots[i].page;
		if (m->slots[i].pfn == GM_EMPTY)
			return NULL;
	}
}

static int gm_grow(msim_gmem *m)
{
	uint64_t ncap = m->cap * 2;
	struct msim_gmem_slot *ns = malloc(ncap * sizeof(*ns));

	if (!ns)
		return msim_err(MSIM_ENOMEM, "out of memory growing guest memory");
	for (uint64_t i = 0; i < ncap; i++)
		ns[i].pfn = GM_EMPTY;
	for (uint64_t i = 0; i < m->cap; i++) {
		if (m->slots[i].pfn == GM_EMPTY)
			continue;
		uint64_t j = gm_hash(m->slots[i].pfn) & (ncap - 1);
		while (ns[j].pfn != GM_EMPTY)
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int msim_gmem_create(msim_gmem **out, const msim_gmem_opts *opts)
{
	msim_gmem_opts def = MSIM_GMEM_OPTS_INIT;
	msim_gmem *m;

	if (!out)
		return msim_err(MSIM_EINVAL, "msim_gmem_create: out is NULL");
	if (!opts)
		opts = &def;
	m = calloc(1, sizeof(*m));
	if (!m)
		return msim_err(MSIM_ENOMEM, "out of memory");
	m->cap = 64;
	m->slots = malloc(m->cap * sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return msim_err(MSIM_ENOMEM, "out of memory");
	}
	for (uint64_t i = 0; i < m->cap; i++)
		m->slots[i].pfn = GM_EMPTY;
	m->max_pages = opts->max_bytes >> 12;
	for (unsigned i = 0; i < GM_CACHE; i++)
		m->cache_pfn[i] = GM_EMPTY;
	*out = m;
	return 0;
}

void msim_gmem_free(msim_gmem *m)
{
	if (!m)
		return;
	for (uint64_t i = 0; i < m->cap; i++)
		if (m->slots[i].pfn != GM_EMPTY)
			free(m->slots[i].page);
	free(m->slots);
	free(m);
}

void msim_gmem_clear(msim_gmem *m)
{
	for (uint64_t i = 0; i < m->cap; i++) {
		if (m->slots[i].pfn != GM_EMPTY)
			free(m->slots[i].page);
		m->slots[i].pfn = GM_EMPTY;
	}
	m->used = 0;
	for (unsigned i = 0; i < GM_CACHE; i++)
		m->cache_pfn[i] = GM_EMPTY;
}

static inline uint8_t *gm_lookup(msim_gmem *m, uint64_t pfn)
{
	unsigned c = msim_gmem_cache_idx(pfn);
	uint8_t *p;

	if (msim_likely(m->cache_pfn[c] == pfn))
		return m->cache_page[c];
	p = gm_find(m, pfn);
	if (p) { /* never cache absence: a later write would not be seen */
		m->cache_pfn[c] = pfn;
		m->cache_page[c] = p;
	}
	return p;
}

/* Reads go through the cache too; it is not part of the memory's value. */
static inline const uint8_t *gm_page_ro(const msim_gmem *m, uint64_t pfn)
{
	return gm_lookup((msim_gmem *)(uintptr_t)m, pfn);
}

static uint8_t *gm_page_rw(msim_gmem *m, uint64_t pfn, int *err)
{
	uint8_t *p = gm_lookup(m, pfn);

	if (p)
		return p;
	if (m->used >= m->max_pages) {
		*err = msim_err(MSIM_ERANGE,
				"guest memory limit reached (%llu pages)",
				(unsigned long long)m->max_pages);
		return NULL;
	}
	if ((m->used + 1) * 4 > m->cap * 3 && (*err = gm_grow(m)))
		return NULL;
	p = calloc(1, 4096);
	if (!p) {
		*err = msim_err(MSIM_ENOMEM, "out of memory");
		return NULL;
	}
	uint64_t mask = m->cap - 1, i = gm_hash(pfn) & mask;
	while (m->slots[i].pfn != GM_EMPTY)
		i = (i + 1) & mask;
	m->slots[i].pfn = pfn;
	m->slots[i].page = p;
	m->used++;
	return p;
}

uint64_t msim_gmem_read64(const msim_gmem *m, uint64_t pa)
{
	const uint8_t *p = gm_page_ro(m, pa >> 12);
	uint64_t v;

	if (!p)
		return 0;
	memcpy(&v, p + (pa & 0xff8), 8);
	return v;
}

uint32_t msim_gmem_read32(const msim_gmem *m, uint64_t pa)
{
	const uint8_t *p = gm_page_ro(m, pa >> 12);
	uint32_t v;

	if (!p)
		return 0;
	memcpy(&v, p + (pa & 0xffc), 4);
	return v;
}

static int gm_check(uint64_t pa, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return msim_err(MSIM_EINVAL, "memory access size %u is not 1, 2, 4 or 8", size);
	if ((pa & 0xfff) + size > 4096)
		return msim_err(MSIM_EINVAL, "memory access at 0x%llx crosses a page",
				(unsigned long long)pa);
	return 0;
}

int msim_gmem_read(const msim_gmem *m, uint64_t pa, unsigned size, uint64_t *val)
{
	int r = gm_check(pa, size);
	const uint8_t *p;

	if (r)
		return r;
	*val = 0;
	p = gm_page_ro(m, pa >> 12);
	if (p)
		memcpy(val, p + (pa & 0xfff), size); /* x86 host: little endian */
	return 0;
}

int msim_gmem_write(msim_gmem *m, uint64_t pa, unsigned size, uint64_t val)
{
	int r = gm_check(pa, size), err = 0;
	uint8_t *p;

	if (r)
		return r;
	p = gm_page_rw(m, pa >> 12, &err);
	if (!p)
		return err;
	memcpy(p + (pa & 0xfff), &val, size);
	return 0;
}

uint64_t msim_gmem_pages(const msim_gmem *m)
{
	return m->used;
}
