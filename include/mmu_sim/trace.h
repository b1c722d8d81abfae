/*
 * mmu-sim: trace readers and writers.
 *
 * Two encodings of the same event stream (traces/FORMAT.md):
 *  - text: "mmu-sim-trace 1" header, one event per line, '#' comments;
 *  - binary: compact records, "MSIMTRB" magic + version byte.
 * Readers stream (bounded memory whatever the trace length), detect the
 * encoding from the first bytes, and fail with "file:line: reason" on any
 * malformed input. Converting text -> binary -> text is lossless (comments
 * included; numbers come back in canonical form).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_TRACE_H
#define MMU_SIM_TRACE_H

#include <stdio.h>

#include "mmu_sim/common.h"
#include "mmu_sim/event.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MSIM_TRACE_VERSION 1

typedef enum msim_trace_encoding {
	MSIM_TRACE_TEXT = 0,
	MSIM_TRACE_BINARY = 1,
} msim_trace_encoding;

typedef struct msim_trace_reader msim_trace_reader;
typedef struct msim_trace_writer msim_trace_writer;

/**
 * Open `path` for reading ("-" = stdin). The encoding is detected.
 * Fails with MSIM_EIO (cannot open), MSIM_EVERSION (unknown version) or
 * MSIM_EPARSE (not a trace).
 */
MSIM_API int msim_trace_open(msim_trace_reader **out, const char *path);

/**
 * Read from an open stream; `name` is used in error messages. The stream
 * is not closed by msim_trace_close().
 */
MSIM_API int msim_trace_open_stream(msim_trace_reader **out, FILE *f,
				    const char *name);

/**
 * Read the next event into *ev. Returns 0, MSIM_EEOF at the end, or a
 * negative error (message "file:line: reason"). Comments are skipped
 * unless msim_trace_next_comment() is used.
 */
MSIM_API int msim_trace_next(msim_trace_reader *r, msim_event *ev);

/**
 * Like msim_trace_next() but also returns comments: if the next item is a
 * comment, *ev->type is MSIM_EV_NONE and *comment points at its text
 * (without '#', valid until the next call); otherwise *comment is NULL.
 */
MSIM_API int msim_trace_next_comment(msim_trace_reader *r, msim_event *ev,
				     const char **comment);

/** Encoding of the open trace. */
MSIM_API msim_trace_encoding msim_trace_encoding_of(const msim_trace_reader *r);

/** Line (text) or record number (binary) of the last item read. */
MSIM_API uint64_t msim_trace_line(const msim_trace_reader *r);

/** Bytes consumed so far (for progress reporting). */
MSIM_API uint64_t msim_trace_offset(const msim_trace_reader *r);

/** Total size in bytes if known (regular file), else 0. */
MSIM_API uint64_t msim_trace_size(const msim_trace_reader *r);

/** Close a reader (NULL is fine). */
MSIM_API void msim_trace_close(msim_trace_reader *r);

/**
 * Create a writer on `f` (not closed by msim_trace_writer_free). Writes
 * the header immediately.
 */
MSIM_API int msim_trace_writer_create(msim_trace_writer **out, FILE *f,
				      msim_trace_encoding enc);

/** Append one event. `ev->vcpu` changes emit a `vcpu` event first. */
MSIM_API int msim_trace_write(msim_trace_writer *w, const msim_event *ev);

/** Append a comment (text without the leading '#'). */
MSIM_API int msim_trace_write_comment(msim_trace_writer *w, const char *text);

/** Flush buffered output; MSIM_EIO on a write error. */
MSIM_API int msim_trace_writer_flush(msim_trace_writer *w);

/** Free a writer (flushes first; NULL is fine). */
MSIM_API void msim_trace_writer_free(msim_trace_writer *w);

/**
 * Format one event as a canonical text line (no newline) into buf.
 * Returns the length, or a negative error if it does not fit.
 */
MSIM_API int msim_event_format(const msim_event *ev, char *buf, size_t len);

/**
 * Parse one text line (no newline, no header) into *ev. `vcpu` is the
 * currently selected vCPU. Errors name `file` and `line`.
 */
MSIM_API int msim_event_parse(const char *text, msim_event *ev, uint32_t vcpu,
			      const char *file, uint64_t line);

#ifdef __cplusplus
}
#endif
#endif
