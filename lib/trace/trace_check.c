/*
 * Event validation shared by both readers and the writer: the table's
 * ranges plus the few cross-argument rules the table cannot express.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>

#include "base/internal.h"
#include "trace/trace_internal.h"

void msim_trace_argv(const msim_event *ev, struct msim_argv *v)
{
	const msim_event_spec *s = msim_event_spec_get(ev->type);

	v->head = v->rest = NULL;
	v->n = 0;
	if (!s)
		return;
	v->head = s->args;
	v->rest = s->args + 1;
	v->n = s->nargs;
	if (ev->type == MSIM_EV_EXPECT) {
		const msim_event_spec *k = ev->arg[0] < MSIM_EXP_COUNT_ ?
			msim_expect_spec_get((unsigned)ev->arg[0]) : NULL;

		v->rest = k ? k->args : NULL;
		v->n = k ? 1 + k->nargs : 1;
	}
}

const msim_arg_spec *msim_trace_arg(const msim_event *ev, unsigned i)
{
	struct msim_argv v;

	msim_trace_argv(ev, &v);
	return msim_argv_at(&v, i);
}

unsigned msim_trace_nargs(const msim_event *ev)
{
	struct msim_argv v;

	msim_trace_argv(ev, &v);
	return v.n;
}

bool msim_trace_arg_written(const msim_event *ev, unsigned i)
{
	const msim_arg_spec *a = msim_trace_arg(ev, i);

	/*
	 * Explicit args stay even when equal to the default: for some args
	 * absence has its own meaning (vmexit without cr3= means "L1's CR3
	 * at entry", not CR3 = 0).
	 */
	return a && (a->positional || a->required || (ev->present >> i & 1) ||
		     ev->arg[i] != a->def);
}

static const char *ev_name(const msim_event *ev)
{
	const msim_event_spec *s = msim_event_spec_get(ev->type);

	if (ev->type == MSIM_EV_EXPECT && ev->arg[0] < MSIM_EXP_COUNT_)
		return msim_expect_spec_get((unsigned)ev->arg[0])->name;
	return s ? s->name : "?";
}

int msim_event_init(msim_event *ev, unsigned type, unsigned kind)
{
	unsigned n;

	if (!ev)
		return msim_err(MSIM_EINVAL, "msim_event_init: NULL event");
	memset(ev, 0, sizeof(*ev));
	if (!msim_event_spec_get(type))
		return msim_err(MSIM_EINVAL, "unknown event type %u", type);
	if (type == MSIM_EV_EXPECT && kind >= MSIM_EXP_COUNT_)
		return msim_err(MSIM_EINVAL, "unknown expect kind %u", kind);
	ev->type = (uint16_t)type;
	if (type == MSIM_EV_EXPECT) {
		ev->arg[0] = kind;
		ev->present = 1;
	}
	n = msim_trace_nargs(ev);
	for (unsigned i = type == MSIM_EV_EXPECT; i < n; i++)
		ev->arg[i] = msim_trace_arg(ev, i)->def;
	return 0;
}

/* wrmem: an aligned 1/2/4/8-byte store whose value fits its size. */
static int check_wrmem(const msim_event *ev, const char *file, uint64_t line)
{
	uint64_t gpa = ev->arg[0], val = ev->arg[1], size = ev->arg[2];

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return msim_err(MSIM_EINVAL,
				"%s:%" PRIu64 ": wrmem size=%" PRIu64
				" impossible (must be 1, 2, 4 or 8)",
				file, line, size);
	if (gpa & (size - 1))
		return msim_err(MSIM_EINVAL,
				"%s:%" PRIu64 ": wrmem gpa 0x%" PRIx64
				" not aligned to size %" PRIu64,
				file, line, gpa, size);
	if (size < 8 && val >> (size * 8))
		return msim_err(MSIM_EINVAL,
				"%s:%" PRIu64 ": wrmem value 0x%" PRIx64
				" does not fit in a %" PRIu64 "-byte store",
				file, line, val, size);
	return 0;
}

static int check_machine(const msim_event *ev, const char *file, uint64_t line)
{
	if (ev->arg[0] < 1)
		return msim_err(MSIM_EINVAL,
				"%s:%" PRIu64 ": machine vcpus=0 impossible (1..%d)",
				file, line, MSIM_MAX_VCPUS);
	/*
	 * SDM Vol. 3A 4.1.4: without CPUID 80000008H the width is 36 with
	 * PAE and 32 otherwise, so 32 is the smallest MAXPHYADDR.
	 */
	if (ev->arg[1] < 32)
		return msim_err(MSIM_EINVAL,
				"%s:%" PRIu64 ": machine maxphyaddr=%" PRIu64
				" impossible (32..52)", file, line, ev->arg[1]);
	return 0;
}

int msim_event_check(const msim_event *ev, const char *file, uint64_t line)
{
	struct msim_argv v;
	unsigned n;

	if (!ev)
		return msim_err(MSIM_EINVAL, "NULL event");
	if (!file)
		file = "<event>";
	if (!msim_event_spec_get(ev->type))
		return msim_err(MSIM_EINVAL, "%s:%" PRIu64 ": unknown event type %u",
				file, line, ev->type);
	if (ev->type == MSIM_EV_EXPECT && ev->arg[0] >= MSIM_EXP_COUNT_)
		return msim_err(MSIM_ERANGE, "%s:%" PRIu64
				": unknown expect kind %" PRIu64,
				file, line, ev->arg[0]);
	msim_trace_argv(ev, &v);
	n = v.n;
	if (ev->present >> n)
		return msim_err(MSIM_EINVAL, "%s:%" PRIu64
				": present mask 0x%x names args beyond the %u of '%s'",
				file, line, ev->present, n, ev_name(ev));
	for (unsigned i = 0; i < n; i++) {
		const msim_arg_spec *a = msim_argv_at(&v, i);

		if (a->required && !(ev->present >> i & 1))
			return msim_err(MSIM_EPARSE, "%s:%" PRIu64
					": missing required argument '%s' for '%s'",
					file, line, a->name, ev_name(ev));
		if (ev->arg[i] > a->max)
			return msim_err(MSIM_ERANGE, "%s:%" PRIu64
					": %s=%" PRIu64 " out of range for '%s' (max %" PRIu64 ")",
					file, line, a->name, ev->arg[i],
					ev_name(ev), a->max);
	}
	for (unsigned i = n; i < MSIM_EV_MAX_ARGS; i++)
		if (ev->arg[i])
			return msim_err(MSIM_EINVAL, "%s:%" PRIu64
					": arg[%u] set but '%s' has %u args",
					file, line, i, ev_name(ev), n);
	if (ev->type == MSIM_EV_WRMEM)
		return check_wrmem(ev, file, line);
	if (ev->type == MSIM_EV_MACHINE)
		return check_machine(ev, file, line);
	return 0;
}
