/*
 * Replay: trace reader -> machine, with progress and per-event callbacks.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "mmu_sim/replay.h"

/*
 * Events are read in batches and fed with msim_machine_events (runs of
 * TLB hits in one pass); per-event results only when someone wants them.
 */
#define REPLAY_BATCH 256

/* Feed ev[0..k): 0, or the machine's error as "name:line: reason". */
static int feed(msim_machine *m, const char *name, const msim_replay_opts *opts,
		const msim_event *ev, size_t k)
{
	msim_event_result res;
	size_t done = 0;
	int r = 0;

	if (!opts->on_event) {
		r = msim_machine_events(m, ev, k, &done);
	} else {
		for (; done < k; done++) {
			if ((r = msim_machine_event(m, &ev[done], &res)))
				break;
			opts->on_event(opts->event_ctx, &ev[done], &res);
		}
	}
	if (r) {
		char msg[400];

		snprintf(msg, sizeof(msg), "%s", msim_last_error());
		r = msim_err(r, "%s:%llu: %s", name,
			     (unsigned long long)ev[done].line, msg);
	}
	return r;
}

int msim_replay_opts_init(msim_replay_opts *opts, unsigned version)
{
	static const msim_replay_opts def = MSIM_REPLAY_OPTS_INIT;

	if (!opts || version != MSIM_REPLAY_OPTS_VERSION)
		return msim_err(MSIM_EINVAL, "msim_replay_opts_init: %s (this "
				"library knows version %d)",
				opts ? "unknown version" : "opts is NULL",
				MSIM_REPLAY_OPTS_VERSION);
	*opts = def;
	return 0;
}

int msim_replay_reader(msim_trace_reader *rd, const char *name,
		       const msim_replay_opts *opts, msim_machine **out)
{
	msim_replay_opts def = MSIM_REPLAY_OPTS_INIT;
	msim_machine *m = NULL;
	msim_event *ev = NULL;
	uint64_t n = 0, every;
	int r;

	if (!rd || !out)
		return msim_err(MSIM_EINVAL, "msim_replay: missing reader or output");
	if (!opts)
		opts = &def;
	if (opts->version != MSIM_REPLAY_OPTS_VERSION)
		return msim_err(MSIM_EINVAL, "msim_replay_opts: version %u (this "
				"library knows %d); start from MSIM_REPLAY_OPTS_INIT",
				opts->version, MSIM_REPLAY_OPTS_VERSION);
	every = opts->progress_every ? opts->progress_every : 1u << 16;
	if (!(ev = malloc(REPLAY_BATCH * sizeof(*ev))))
		return msim_err(MSIM_ENOMEM, "msim_replay: out of memory");
	if ((r = msim_machine_create(&m, &opts->machine)))
		goto fail;
	if (opts->observer)
		msim_machine_set_observer(m, opts->observer, opts->observer_ctx);

	for (;;) {
		size_t k = 0;
		int rr = 0;
		char rmsg[400];

		while (k < REPLAY_BATCH &&
		       (!opts->max_events || n + k < opts->max_events) &&
		       !(rr = msim_trace_next(rd, &ev[k])))
			k++;
		/* a reader error comes after the events read before it */
		if (rr && rr != MSIM_EEOF)
			snprintf(rmsg, sizeof(rmsg), "%s", msim_last_error());
		if ((r = feed(m, name, opts, ev, k)))
			goto fail;
		if (rr && rr != MSIM_EEOF) {
			/* the reader's message already carries file:line */
			r = msim_err(rr, "%s", rmsg);
			goto fail;
		}
		if (opts->progress && k && (n + k) / every != n / every)
			opts->progress(opts->progress_ctx, msim_trace_offset(rd),
				       msim_trace_size(rd), n + k);
		n += k;
		if (rr == MSIM_EEOF || k < REPLAY_BATCH)
			break;
	}
	if (opts->progress)
		opts->progress(opts->progress_ctx, msim_trace_offset(rd),
			       msim_trace_size(rd), n);
	free(ev);
	*out = m;
	return 0;
fail:
	free(ev);
	msim_machine_free(m);
	return r;
}

int msim_replay(const char *path, const msim_replay_opts *opts,
		msim_machine **out)
{
	msim_trace_reader *rd;
	int r;

	if (!path)
		return msim_err(MSIM_EINVAL, "msim_replay: no trace path");
	if ((r = msim_trace_open(&rd, path)))
		return r;
	r = msim_replay_reader(rd, path, opts, out);
	msim_trace_close(rd);
	return r;
}
