/*
 * Validation: replay the inputs of a recorded trace and match the
 * machine's observations against the expectation lines, per input event.
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "mmu_sim/trace.h"
#include "mmu_sim/validate.h"

/* Observations of one input event; more than this is a runaway model. */
#define VAL_MAX_OBS 8192
#define VAL_MAX_UNTRACKED 256

struct val_range {
	uint64_t gfn, npages;
};

struct val_state {
	msim_validate_report *rep;
	unsigned max_div;
	msim_observation obs[VAL_MAX_OBS];
	bool used[VAL_MAX_OBS];
	unsigned nobs;
	uint64_t overflow;
	uint64_t input_line; /* line of the input event the buffer belongs to */
	struct val_range untracked[VAL_MAX_UNTRACKED];
	unsigned nuntracked;
};

/* The gfn an observation is about, for the kinds that name one. */
static bool obs_gfn(const msim_observation *o, uint64_t *gfn)
{
	switch (o->kind) {
	case MSIM_EXP_ROOT:
	case MSIM_EXP_SP:
		*gfn = o->arg[1];
		return true;
	case MSIM_EXP_ZAP:
	case MSIM_EXP_SYNC:
	case MSIM_EXP_UNSYNC:
		*gfn = o->arg[0];
		return true;
	default:
		return false;
	}
}

static bool untracked(const struct val_state *st, const msim_observation *o)
{
	uint64_t gfn;

	if (!obs_gfn(o, &gfn))
		return false;
	for (unsigned i = 0; i < st->nuntracked; i++)
		if (gfn - st->untracked[i].gfn < st->untracked[i].npages)
			return true;
	return false;
}

static void val_observe(void *ctx, const msim_observation *o)
{
	struct val_state *st = ctx;

	if (o->kind >= MSIM_EXP_COUNT_ || !st->rep->checked[o->kind] ||
	    untracked(st, o))
		return;
	if (st->nobs == VAL_MAX_OBS) {
		st->overflow++;
		return;
	}
	st->obs[st->nobs] = *o;
	st->used[st->nobs] = false;
	st->nobs++;
}

/* Expectation-style text of kind + args (all args shown). */
static void fmt_expect(unsigned kind, const uint64_t *args, uint16_t present,
		       char *buf, size_t len)
{
	msim_event ev = { 0 };
	const msim_event_spec *sp = msim_expect_spec_get(kind);

	ev.type = MSIM_EV_EXPECT;
	ev.arg[0] = kind;
	ev.present = 1 | present;
	for (unsigned i = 0; sp && i < sp->nargs; i++)
		ev.arg[i + 1] = args[i];
	if (msim_event_format(&ev, buf, len) < 0)
		snprintf(buf, len, "expect kind %u", kind);
}

static void divergence(struct val_state *st, uint64_t line, const char *fmt,
		       const char *a, const char *b)
{
	msim_validate_report *rep = st->rep;

	rep->divergences++;
	if (rep->ndiv >= st->max_div)
		return;
	rep->div[rep->ndiv].line = line;
	snprintf(rep->div[rep->ndiv].text, sizeof(rep->div[0].text), fmt, a, b);
	rep->ndiv++;
}

static bool obs_matches(const msim_observation *o, const msim_event *ev)
{
	const msim_event_spec *sp = msim_expect_spec_get((unsigned)ev->arg[0]);

	if (o->kind != ev->arg[0])
		return false;
	for (unsigned i = 0; i < sp->nargs; i++)
		if ((ev->present & (1u << (i + 1))) && o->arg[i] != ev->arg[i + 1])
			return false;
	return true;
}

static void val_expect(struct val_state *st, const msim_event *ev)
{
	unsigned kind = (unsigned)ev->arg[0];
	char want[200], got[200];
	int near = -1;

	st->rep->total[kind]++;
	for (unsigned i = 0; i < st->nobs; i++) {
		if (st->used[i] || st->obs[i].kind != kind)
			continue;
		if (obs_matches(&st->obs[i], ev)) {
			st->used[i] = true;
			st->rep->matched[kind]++;
			return;
		}
		if (near < 0)
			near = (int)i;
	}
	fmt_expect(kind, ev->arg + 1, ev->present >> 1, want, sizeof(want));
	if (near >= 0) {
		/* pair them: one divergence, not a missing and an extra one */
		st->used[near] = true;
		fmt_expect(kind, st->obs[near].arg, 0xfe, got, sizeof(got));
		divergence(st, ev->line, "recorded `%s`, model `%s`", want, got);
	} else {
		divergence(st, ev->line, "recorded `%s`, model: %s", want,
			   "nothing of this kind");
	}
}

/* The input event is over: every unmatched prediction is a divergence. */
static void val_close_event(struct val_state *st)
{
	char got[200];

	for (unsigned i = 0; i < st->nobs; i++) {
		if (st->used[i])
			continue;
		st->rep->total[st->obs[i].kind]++;
		fmt_expect(st->obs[i].kind, st->obs[i].arg, 0xfe, got, sizeof(got));
		divergence(st, st->input_line, "model `%s`, recorded: %s", got,
			   "nothing");
	}
	st->nobs = 0;
}

/* Pass 1: which expectation kinds does the trace hold, what is untracked? */
static int val_scan(const char *path, struct val_state *st)
{
	msim_trace_reader *rd;
	msim_event ev;
	int r;

	if ((r = msim_trace_open(&rd, path)))
		return r;
	while (!(r = msim_trace_next(rd, &ev))) {
		if (ev.type == MSIM_EV_EXPECT && ev.arg[0] < MSIM_EXP_COUNT_)
			st->rep->checked[ev.arg[0]] = true;
		if (ev.type != MSIM_EV_UNTRACKED)
			continue;
		if (st->nuntracked == VAL_MAX_UNTRACKED) {
			r = msim_err(MSIM_ERANGE, "%s:%llu: more than %d untracked ranges",
				     path, (unsigned long long)ev.line, VAL_MAX_UNTRACKED);
			break;
		}
		st->untracked[st->nuntracked].gfn = ev.arg[0];
		st->untracked[st->nuntracked].npages = (ev.present & 2) ? ev.arg[1] : 1;
		st->nuntracked++;
	}
	msim_trace_close(rd);
	return r == MSIM_EEOF ? 0 : r;
}

int msim_validate(const char *path, const msim_validate_opts *opts,
		  msim_validate_report *out)
{
	msim_validate_opts def = MSIM_VALIDATE_OPTS_INIT;
	struct val_state *st;
	msim_trace_reader *rd = NULL;
	msim_machine *m = NULL;
	msim_event ev;
	int r;

	if (!path || !out)
		return msim_err(MSIM_EINVAL, "msim_validate: missing trace or report");
	if (!strcmp(path, "-"))
		return msim_err(MSIM_EINVAL, "validate reads the trace twice: give a file");
	if (!opts)
		opts = &def;
	memset(out, 0, sizeof(*out));
	st = calloc(1, sizeof(*st));
	if (!st)
		return msim_err(MSIM_ENOMEM, "out of memory");
	st->rep = out;
	if ((r = val_scan(path, st))) {
		free(st);
		return r;
	}
	st->max_div = opts->max_divergences < MSIM_VALIDATE_MAX_DIVERGENCES ?
		      opts->max_divergences : MSIM_VALIDATE_MAX_DIVERGENCES;
	if ((r = msim_trace_open(&rd, path)) ||
	    (r = msim_machine_create(&m, &opts->machine)))
		goto out;
	msim_machine_set_observer(m, val_observe, st);
	for (;;) {
		r = msim_trace_next(rd, &ev);
		if (r == MSIM_EEOF) {
			r = 0;
			break;
		}
		if (r)
			goto out;
		if (ev.type == MSIM_EV_EXPECT) {
			if (ev.arg[0] < MSIM_EXP_COUNT_)
				val_expect(st, &ev);
			continue;
		}
		val_close_event(st);
		st->input_line = ev.line;
		out->events++;
		r = msim_machine_event(m, &ev, NULL);
		if (r) {
			char msg[400];

			snprintf(msg, sizeof(msg), "%s", msim_last_error());
			r = msim_err(r, "%s:%" PRIu64 ": %s", path, ev.line, msg);
			goto out;
		}
	}
	val_close_event(st);
	if (st->overflow) {
		out->divergences += st->overflow;
		r = msim_err(MSIM_ERANGE, "%s: more than %d observations for one event",
			     path, VAL_MAX_OBS);
	}
out:
	msim_machine_free(m);
	msim_trace_close(rd);
	free(st);
	return r;
}

bool msim_validate_ok(const msim_validate_report *rep)
{
	return rep->divergences == 0;
}

int msim_validate_write(const msim_validate_report *rep, FILE *f,
			msim_format fmt)
{
	bool first = true;

	if (fmt == MSIM_FORMAT_JSON) {
		fprintf(f, "{\"events\": %" PRIu64 ", \"divergences\": %" PRIu64
			   ", \"categories\": {", rep->events, rep->divergences);
		for (unsigned k = 0; k < MSIM_EXP_COUNT_; k++) {
			if (!rep->checked[k])
				continue;
			fprintf(f, "%s\"%s\": {\"matched\": %" PRIu64 ", \"total\": %" PRIu64 "}",
				first ? "" : ", ", msim_expect_spec_get(k)->name,
				rep->matched[k], rep->total[k]);
			first = false;
		}
		fputs("}, \"first\": [", f);
		for (unsigned i = 0; i < rep->ndiv; i++) {
			fprintf(f, "%s{\"line\": %" PRIu64 ", \"text\": \"", i ? ", " : "",
				rep->div[i].line);
			for (const char *p = rep->div[i].text; *p; p++)
				fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
			fputs("\"}", f);
		}
		fputs("]}\n", f);
	} else if (fmt == MSIM_FORMAT_CSV) {
		fputs("category,matched,total\n", f);
		for (unsigned k = 0; k < MSIM_EXP_COUNT_; k++)
			if (rep->checked[k])
				fprintf(f, "%s,%" PRIu64 ",%" PRIu64 "\n",
					msim_expect_spec_get(k)->name, rep->matched[k],
					rep->total[k]);
	} else {
		fprintf(f, "%-10s %10s %10s\n", "category", "matched", "total");
		for (unsigned k = 0; k < MSIM_EXP_COUNT_; k++)
			if (rep->checked[k])
				fprintf(f, "%-10s %10" PRIu64 " %10" PRIu64 "%s\n",
					msim_expect_spec_get(k)->name, rep->matched[k],
					rep->total[k],
					rep->matched[k] == rep->total[k] ? "" : "  MISMATCH");
		fprintf(f, "%" PRIu64 " input events, %" PRIu64 " divergences\n",
			rep->events, rep->divergences);
		for (unsigned i = 0; i < rep->ndiv; i++)
			fprintf(f, "  line %" PRIu64 ": %s\n", rep->div[i].line,
				rep->div[i].text);
		if (rep->divergences > rep->ndiv)
			fprintf(f, "  ... %" PRIu64 " more\n", rep->divergences - rep->ndiv);
	}
	return ferror(f) ? msim_err(MSIM_EIO, "error writing the report") : 0;
}
