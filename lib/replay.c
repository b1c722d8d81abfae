/*
 * Replay: trace reader -> machine, with progress and per-event callbacks.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "internal.h"
#include "mmu_sim/replay.h"

int msim_replay_reader(msim_trace_reader *rd, const char *name,
		       const msim_replay_opts *opts, msim_machine **out)
{
	msim_replay_opts def = MSIM_REPLAY_OPTS_INIT;
	msim_machine *m = NULL;
	msim_event ev;
	msim_event_result res;
	uint64_t n = 0, every;
	int r;

	if (!rd || !out)
		return msim_err(MSIM_EINVAL, "msim_replay: missing reader or output");
	if (!opts)
		opts = &def;
	every = opts->progress_every ? opts->progress_every : 1u << 16;
	if ((r = msim_machine_create(&m, &opts->machine)))
		return r;
	if (opts->observer)
		msim_machine_set_observer(m, opts->observer, opts->observer_ctx);

	while (!opts->max_events || n < opts->max_events) {
		r = msim_trace_next(rd, &ev);
		if (r == MSIM_EEOF)
			break;
		if (r)
			goto fail; /* reader messages already carry file:line */
		r = msim_machine_event(m, &ev, opts->on_event ? &res : NULL);
		if (r) {
			char msg[400];

			snprintf(msg, sizeof(msg), "%s", msim_last_error());
			r = msim_err(r, "%s:%llu: %s", name,
				     (unsigned long long)ev.line, msg);
			goto fail;
		}
		if (opts->on_event)
			opts->on_event(opts->event_ctx, &ev, &res);
		if (++n % every == 0 && opts->progress)
			opts->progress(opts->progress_ctx, msim_trace_offset(rd),
				       msim_trace_size(rd), n);
	}
	if (opts->progress)
		opts->progress(opts->progress_ctx, msim_trace_offset(rd),
			       msim_trace_size(rd), n);
	*out = m;
	return 0;
fail:
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
