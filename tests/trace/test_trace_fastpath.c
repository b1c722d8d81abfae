/*
 * The binary reader's fast path (msim_bin_decode_fast, per-type plan)
 * against the table-driven path it shortcuts (msim_bin_decode_event +
 * msim_event_check): on random records of every type - random masks,
 * values in and out of range, 1..10-byte and overlong varints, truncation
 * - the fast path either declines (0) or gives exactly the event the slow
 * path accepts; and it declines nothing it is meant for.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <string.h>

#include "trace_test.h"

static uint64_t seed = 99;

static uint64_t rnd(void)
{
	return msim_rng_next(&seed);
}

/* LEB128, canonical unless `pad` extra zero-valued groups are asked for. */
static size_t put(uint8_t *out, uint64_t v, unsigned pad)
{
	size_t n = 0;

	while (v >= 0x80 || pad) {
		out[n++] = (uint8_t)(v | 0x80);
		if (v < 0x80)
			pad--;
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

static uint64_t value(uint64_t max)
{
	switch (rnd() % 6) {
	case 0: return rnd() % 128;              /* one byte */
	case 1: return max == UINT64_MAX ? rnd() : rnd() % (max + 1); /* in range */
	case 2: return max + 1 + rnd() % 4;       /* just out of range (or wraps) */
	case 3: return rnd();                     /* up to 10 bytes */
	case 4: return rnd() >> (rnd() % 64);
	default: return max;
	}
}

Test(trace_fastpath, fast_decode_agrees_with_the_table_path)
{
	struct msim_type_plan plan[MSIM_EV_COUNT_];
	unsigned accepted = 0, declined_valid = 0;

	msim_type_plan_init(plan);
	for (unsigned t = 1; t < MSIM_EV_COUNT_; t++) {
		const msim_event_spec *s = msim_event_spec_get(t);

		if (!s)
			continue;
		for (unsigned trial = 0; trial < 3000; trial++) {
			uint8_t buf[128];
			uint64_t mask = rnd() % (1u << s->nargs);
			size_t len = 0;
			bool simple = true; /* what the fast path is for */
			msim_event slow, fast;
			int rs, rf, cs = -1;

			if (rnd() % 16 == 0)
				mask |= 1ULL << (rnd() % 9); /* maybe beyond nargs */
			if (rnd() % 32 == 0)
				mask |= 0x80; /* a two-byte mask */
			simple &= mask < 0x80;
			len += put(buf, mask, 0);
			for (unsigned i = 0; i < 8 && len < sizeof(buf) - 24; i++) {
				uint64_t v;
				unsigned pad = rnd() % 64 == 0;

				if (!(mask >> i & 1))
					continue;
				v = value(i < s->nargs ? s->args[i].max : 0);
				simple &= !pad && (v >> 63) == 0;
				len += put(buf + len, v, pad);
			}
			if (rnd() % 16 == 0) {
				len = rnd() % (len + 1); /* truncated */
				simple = false;
			}
			memset(&slow, 0, sizeof(slow));
			rs = msim_bin_decode_event(t, buf, len, &slow, "f", 1);
			if (rs > 0)
				cs = msim_event_check(&slow, "f", 1);
			memset(&fast, 0xa5, sizeof(fast));
			rf = msim_bin_decode_fast(&plan[t], t, buf, len, &fast);
			if (rf > 0) {
				cr_assert_eq(rf, rs, "type %u trial %u: bytes", t, trial);
				cr_assert_eq(cs, 0, "type %u trial %u: fast accepted what "
					     "the check rejects", t, trial);
				cr_assert_eq(fast.type, slow.type);
				cr_assert_eq(fast.present, slow.present);
				cr_assert_eq(memcmp(fast.arg, slow.arg, sizeof(fast.arg)), 0,
					     "type %u trial %u: arguments", t, trial);
				accepted++;
			} else if (rs > 0 && cs == 0 && simple && plan[t].fast) {
				declined_valid++;
			}
		}
	}
	cr_assert_gt(accepted, 10000, "the fast path must take most records (%u)",
		     accepted);
	cr_assert_eq(declined_valid, 0,
		     "valid simple records the fast path declined: %u", declined_valid);
}

Test(trace_fastpath, plan_leaves_rule_types_to_the_table)
{
	struct msim_type_plan plan[MSIM_EV_COUNT_];

	msim_type_plan_init(plan);
	/* cross-argument rules (wrmem alignment, machine ranges) and expect's
	 * kind-dependent tables are not ranges: never on the fast path */
	cr_assert_eq(plan[MSIM_EV_WRMEM].fast, 0);
	cr_assert_eq(plan[MSIM_EV_MACHINE].fast, 0);
	cr_assert_eq(plan[MSIM_EV_EXPECT].fast, 0);
	cr_assert_eq(plan[MSIM_EV_NONE].fast, 0);
	cr_assert_eq(plan[MSIM_EV_ACCESS].fast, 1);
	cr_assert_eq(plan[MSIM_EV_ACCESS].n, msim_event_spec_get(MSIM_EV_ACCESS)->nargs);
}
