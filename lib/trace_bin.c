/*
 * Binary codec for one record (traces/FORMAT.md, "Binary encoding"):
 * LEB128 varints, a present-mask per event, nothing implicit.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "trace_internal.h"

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

int msim_varint_get(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

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
	for (unsigned i = 0; i < MSIM_EV_MAX_ARGS; i++) {
		const msim_arg_spec *a;

		if (mask >> i & 1) {
			k = msim_varint_get(p + used, n - used, &ev->arg[i]);
			if (k <= 0)
				goto varint;
			used += (size_t)k;
		} else if ((a = msim_trace_arg(ev, i))) {
			ev->arg[i] = a->def;
		}
	}
	/* Bits inside the 8 slots but beyond this event's args. */
	if (ev->present >> msim_trace_nargs(ev))
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
