/*
 * Data-cache hierarchy: L1D, L2, LLC, each set-associative with true LRU,
 * physically indexed (the LLC through a hash of the upper address bits,
 * as Intel's slice hash spreads pages over sets), inclusive fill. One instance is shared by a vCPU's
 * data accesses and its page-walk references, so walks and data compete
 * for the same lines (SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5 last bullet).
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "hw/cache_internal.h"
#include "base/internal.h"

static int level_init(struct msim_clevel *l, const msim_cache_level *g,
		      unsigned line)
{
	memset(l, 0, sizeof(*l));
	l->sets = g->size / ((uint64_t)line * g->ways);
	l->ways = g->ways;
	l->latency = g->latency;
	l->pow2 = !(l->sets & (l->sets - 1));
	l->set_mask = l->sets - 1;
	l->tag = calloc(l->sets * l->ways, sizeof(uint64_t));
	l->stamp = calloc(l->sets * l->ways, sizeof(uint64_t));
	if (!l->tag || !l->stamp)
		return msim_err(MSIM_ENOMEM, "cache: out of memory");
	return 0;
}

void msim_cache_free(msim_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < 3; i++) {
		free(c->own[i].tag);
		free(c->own[i].stamp);
	}
	free(c);
}

static int create(msim_cache **out, const msim_cost_params *p,
		  msim_cache *llc_of)
{
	const msim_cache_level *g[3] = { &p->l1d, &p->l2, &p->llc };
	msim_cache *c;
	int rc;

	if (!out || !p)
		return msim_err(MSIM_EINVAL, "cache: NULL argument");
	*out = NULL;
	if ((rc = msim_cost_validate(p)))
		return rc;
	if (llc_of && (!llc_of->nlv || !llc_of->lv[llc_of->nlv - 1]->hash))
		return msim_err(MSIM_EINVAL, "cache: nothing to share (no LLC)");
	c = calloc(1, sizeof(*c));
	if (!c)
		return msim_err(MSIM_ENOMEM, "cache: out of memory");
	c->line_shift = (unsigned)__builtin_ctz(p->line);
	c->dram = p->lat_dram;
	c->tick = llc_of ? llc_of->tick : &c->own_tick;
	for (unsigned i = 0; i < 3; i++) {
		if (i == 2 && llc_of) {
			c->lv[c->nlv++] = llc_of->lv[llc_of->nlv - 1];
			continue;
		}
		if (!g[i]->size)
			continue;
		if ((rc = level_init(&c->own[i], g[i], p->line))) {
			msim_cache_free(c);
			return rc;
		}
		c->own[i].hash = i == 2;
		c->lv[c->nlv++] = &c->own[i];
	}
	for (unsigned i = 0; i < 3; i++)
		c->memo_ok |= c->nlv && c->lv[0] == &c->own[i];
	c->lat0 = c->nlv ? c->lv[0]->latency : 0;
	*out = c;
	return 0;
}

int msim_cache_create(msim_cache **out, const msim_cost_params *p)
{
	return create(out, p, NULL);
}

int msim_cache_create_shared(msim_cache **out, const msim_cost_params *p,
			     msim_cache *llc_of)
{
	if (!llc_of)
		return msim_err(MSIM_EINVAL, "cache: NULL LLC owner");
	return create(out, p, llc_of);
}

/*
 * Look `ln` up in one level; on a miss install it over the LRU way.
 * Returns the way's stamp slot on a hit, NULL on a miss.
 */
static uint64_t *level_access(struct msim_clevel *l, uint64_t ln, uint64_t tick)
{
	uint64_t x = ln;
	uint64_t set;

	if (l->hash) /* fold upper bits in, like the LLC slice hash */
		x ^= (ln >> 11) ^ (ln >> 17) ^ (ln >> 23);
	set = l->pow2 ? (x & l->set_mask) : (x % l->sets);
	uint64_t *tag = l->tag + set * l->ways;
	uint64_t *st = l->stamp + set * l->ways;
	unsigned victim = 0;

	for (unsigned w = 0; w < l->ways; w++)
		if (tag[w] == ln + 1) {
			st[w] = tick;
			return &st[w];
		}
	for (unsigned w = 1; w < l->ways; w++)
		if (st[w] < st[victim])
			victim = w;
	tag[victim] = ln + 1;
	st[victim] = tick;
	return NULL;
}

unsigned msim_cache_access_slow(msim_cache *c, uint64_t ln, bool from_l2,
				uint64_t tick, uint64_t *cycles)
{
	unsigned first = from_l2 && c->nlv > 1 ? 1 : 0;

	if (!first && c->memo_ok) {
		uint64_t *st = level_access(c->lv[0], ln, tick);

		if (st) {
			c->memo[ln % MSIM_CMEMO] = (struct msim_cmemo){ ln + 1, c->gen, st };
			*cycles += c->lv[0]->latency;
			return 1;
		}
		c->gen++; /* ln replaced a line of level 0 */
		first = 1;
	}
	for (unsigned i = first; i < c->nlv; i++)
		/* a miss installs the line on the way down (inclusive fill) */
		if (level_access(c->lv[i], ln, tick)) {
			*cycles += c->lv[i]->latency;
			return i + 1;
		}
	*cycles += c->dram;
	return 4;
}

unsigned msim_cache_access(msim_cache *c, uint64_t pa, bool from_l2,
			   uint64_t *cycles)
{
	return msim_cache_access_inline(c, pa, from_l2, cycles);
}

void msim_cache_flush(msim_cache *c)
{
	c->gen++;
	for (unsigned i = 0; i < c->nlv; i++) {
		memset(c->lv[i]->tag, 0, c->lv[i]->sets * c->lv[i]->ways * 8);
		memset(c->lv[i]->stamp, 0, c->lv[i]->sets * c->lv[i]->ways * 8);
	}
}
