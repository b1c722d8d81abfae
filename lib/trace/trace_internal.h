/*
 * Internals shared by the trace codecs (trace.c, trace_text.c,
 * trace_bin.c). Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_TRACE_INTERNAL_H
#define MSIM_TRACE_INTERNAL_H

#include <stdio.h>

#include "mmu_sim/trace.h"

/* Text header line, without newline. */
#define MSIM_TRACE_HEADER "mmu-sim-trace"

/* Longest varint: 64 bits in 7-bit groups. */
#define MSIM_VARINT_MAX 10

/*
 * Table describing arg[i] of `ev`, or NULL if i is not an argument of this
 * event. For expect, arg[0] is the kind and arg[1..] the kind's args;
 * `ev->arg[0]` must already be a valid kind for i > 0.
 */
const msim_arg_spec *msim_trace_arg(const msim_event *ev, unsigned i);

/* Number of argument slots of `ev` (expect: 1 + the kind's count). */
unsigned msim_trace_nargs(const msim_event *ev);

/*
 * The argument tables of one event, looked up once: arg[0] is head,
 * arg[i > 0] is rest[i - 1] (contiguous with head except for expect,
 * whose rest is the kind's table). n = 0 for an unknown type.
 */
struct msim_argv {
	const msim_arg_spec *head, *rest;
	unsigned n;
};

void msim_trace_argv(const msim_event *ev, struct msim_argv *v);

static inline const msim_arg_spec *msim_argv_at(const struct msim_argv *v,
						unsigned i)
{
	return i >= v->n ? NULL : i ? &v->rest[i - 1] : v->head;
}

/* Whether canonical output lists arg i (positional, present or non-default). */
bool msim_trace_arg_written(const msim_event *ev, unsigned i);

/* Encode one event / comment as a binary record; returns the byte count. */
size_t msim_bin_encode_event(const msim_event *ev, uint8_t *out);
size_t msim_bin_encode_comment_head(size_t len, uint8_t *out);

/* Bytes of the largest event record. */
#define MSIM_BIN_EVENT_MAX (2 * MSIM_VARINT_MAX + \
			    MSIM_EV_MAX_ARGS * MSIM_VARINT_MAX)

/*
 * Decode a varint from p[0..n). Returns bytes used, 0 if the input ends
 * first (truncated), or -1 for an overlong or >64-bit encoding.
 */
int msim_varint_get(const uint8_t *p, size_t n, uint64_t *v);

/*
 * Decode one binary event record body (after its type varint) from
 * p[0..n) into *ev. Returns bytes used, 0 if truncated, or a negative
 * error with the message set ("file:rec: reason").
 */
int msim_bin_decode_event(unsigned type, const uint8_t *p, size_t n,
			  msim_event *ev, const char *file, uint64_t rec);

/*
 * What a reader needs to decode and check a record of one type without
 * looking at the event table: built once per reader (msim_type_plan_init).
 * fast = 0 for types whose rules are more than ranges (expect, wrmem,
 * machine) and unknown ones.
 */
struct msim_type_plan {
	uint8_t fast, n, required; /* n args; required-argument mask */
	uint64_t def[MSIM_EV_MAX_ARGS], max[MSIM_EV_MAX_ARGS];
};

void msim_type_plan_init(struct msim_type_plan plan[MSIM_EV_COUNT_]);

/*
 * msim_bin_decode_event + msim_event_check for a record that turns out to
 * be well-formed and valid: returns the bytes used (type, present, arg[]
 * set; line and vcpu left to the caller), or 0 for anything unusual
 * (truncated, bad varint, bad mask, missing or out-of-range argument),
 * which the caller then decodes the slow way for the exact diagnosis.
 */
int msim_bin_decode_fast(const struct msim_type_plan *tp, unsigned type,
			 const uint8_t *p, size_t n, msim_event *ev);

#endif
