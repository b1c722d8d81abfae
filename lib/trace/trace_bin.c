/*
 * Binary codec for one record (traces/FORMAT.md, "Binary encoding"):
 * LEB128 varints, a present-mask per event, nothing implicit.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>

#include "base/internal.h"
#include "trace/trace_internal.h"

static size_t varint_put(uint64_t v, uint8_t *out)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

/* msim_varint_get, inline for the decoders in this file */
static inline int varint_get(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (msim_likely(n && p[0] < 0x80)) { /* most values: one byte */
		*v = p[0];
		return 1;
	}
	for (size_t i = 0; i < MSIM_VARINT_MAX; i++) {
		if (i == n)
			return 0;
		/* The 10th group holds bit 63 only. */
		if (i == MSIM_VARINT_MAX - 1 && p[i] > 1)
			return -1;
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			/* Canonical only: a trailing zero group is overlong. */
			if (i > 0 && p[i] == 0)
				return -1;
			*v = x;
			return (int)i + 1;
		}
	}
	return -1;
}

int msim_varint_get(const uint8_t *p, size_t n, uint64_t *v)
{
	return varint_get(p, n, v);
}

size_t msim_bin_encode_event(const msim_event *ev, uint8_t *out)
{
	unsigned nargs = msim_trace_nargs(ev);
	uint64_t mask = 0;
	size_t n;

	for (unsigned i = 0; i < nargs; i++)
		if (msim_trace_arg_written(ev, i))
			mask |= 1u << i;
	n = varint_put(ev->type, out);
	n += varint_put(mask, out + n);
	for (unsigned i = 0; i < nargs; i++)
		if (mask >> i & 1)
			n += varint_put(ev->arg[i], out + n);
	return n;
}

size_t msim_bin_encode_comment_head(size_t len, uint8_t *out)
{
	size_t n = varint_put(MSIM_EV_NONE, out);

	return n + varint_put(len, out + n);
}

int msim_bin_decode_event(unsigned type, const uint8_t *p, size_t n,
			  msim_event *ev, const char *file, uint64_t rec)
{
	const msim_arg_spec *a0;
	struct msim_argv v;
	uint64_t mask;
	size_t used;
	int k;

	k = msim_varint_get(p, n, &mask);
	if (k <= 0)
		goto varint;
	used = (size_t)k;
	if (mask >> MSIM_EV_MAX_ARGS)
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64
				": bad argument mask 0x%" PRIx64, file, rec, mask);
	ev->type = (uint16_t)type;
	ev->present = (uint16_t)mask;
	for (uint64_t m = mask; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctzll(m);

		k = msim_varint_get(p + used, n - used, &ev->arg[i]);
		if (k <= 0)
			goto varint;
		used += (size_t)k;
	}
	/* absent args take their defaults; expect's kind (arg 0) first,
	 * as it selects the table of the others */
	if (!(mask & 1) && (a0 = msim_trace_arg(ev, 0)))
		ev->arg[0] = a0->def;
	msim_trace_argv(ev, &v);
	for (unsigned i = 1; i < v.n; i++)
		if (!(mask >> i & 1))
			ev->arg[i] = msim_argv_at(&v, i)->def;
	/* Bits inside the 8 slots but beyond this event's args. */
	if (ev->present >> v.n)
		return msim_err(MSIM_EPARSE, "%s:%" PRIu64
				": bad argument mask 0x%" PRIx64 " for type %u",
				file, rec, mask, type);
	return (int)used;
varint:
	if (k == 0)
		return 0;
	return msim_err(MSIM_EPARSE, "%s:%" PRIu64
			": bad varint (overlong or above 64 bits)", file, rec);
}

void msim_type_plan_init(struct msim_type_plan plan[MSIM_EV_COUNT_])
{
	memset(plan, 0, sizeof(*plan) * MSIM_EV_COUNT_);
	for (unsigned t = 0; t < MSIM_EV_COUNT_; t++) {
		const msim_event_spec *s = msim_event_spec_get(t);

		if (!s || t == MSIM_EV_EXPECT || t == MSIM_EV_WRMEM ||
		    t == MSIM_EV_MACHINE || s->nargs > MSIM_EV_MAX_ARGS)
			continue;
		plan[t].fast = 1;
		plan[t].n = (uint8_t)s->nargs;
		for (unsigned i = 0; i < s->nargs; i++) {
			plan[t].def[i] = s->args[i].def;
			plan[t].max[i] = s->args[i].max;
			if (s->args[i].required)
				plan[t].required |= (uint8_t)(1u << i);
		}
	}
}

int msim_bin_decode_fast(const struct msim_type_plan *tp, unsigned type,
			 const uint8_t *p, size_t n, msim_event *ev)
{
	uint64_t mask, bad = 0;
	size_t used = 1;

	if (!tp->fast || !n || p[0] >= 0x80)
		return 0;
	mask = p[0];
	if (mask >> tp->n || (tp->required & ~mask))
		return 0;
	ev->type = (uint16_t)type;
	ev->present = (uint16_t)mask;
	/* absent args: their defaults; beyond n: 0 (def[] is 0 there) */
	memcpy(ev->arg, tp->def, sizeof(ev->arg));
	for (; mask; mask &= mask - 1) {
		unsigned i = (unsigned)__builtin_ctzll(mask);
		int k = varint_get(p + used, n - used, &ev->arg[i]);

		if (k <= 0) /* truncated or bad: the table path says which */
			return 0;
		used += (size_t)k;
		bad |= ev->arg[i] > tp->max[i];
	}
	return bad ? 0 : (int)used;
}
