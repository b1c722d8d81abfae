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

/**
 * Longest text line accepted, in bytes, newline excluded. Readers hold at
 * most one line in memory and reject a longer one with MSIM_ERANGE
 * ("line too long") without reading the rest of it. A binary comment
 * record may carry at most MSIM_TRACE_LINE_MAX - 1 bytes (so that "#text"
 * fits one text line).
 */
#define MSIM_TRACE_LINE_MAX 65536

/** Magic bytes that open a binary trace (followed by a version byte). */
#define MSIM_TRACE_MAGIC "MSIMTRB"

typedef enum msim_trace_encoding {
	MSIM_TRACE_TEXT = 0,
	MSIM_TRACE_BINARY = 1,
} msim_trace_encoding;

typedef struct msim_trace_reader msim_trace_reader;
typedef struct msim_trace_writer msim_trace_writer;

/**
 * Open `path` for reading ("-" = stdin). The encoding is detected from the
 * first bytes (MSIM_TRACE_MAGIC = binary, anything else = text) and the
 * header is checked. Fails with MSIM_EIO (cannot open), MSIM_ENOMEM,
 * MSIM_EVERSION (unknown version) or MSIM_EPARSE (empty file, missing or
 * wrong header, NUL byte); the message is "file:line: reason".
 *
 * Error codes of the readers, for every malformed item:
 *  MSIM_EPARSE   syntax: unknown event/key/kind, duplicate key, missing
 *                required argument, bad number, trailing garbage, NUL byte,
 *                truncated or garbage binary record, empty file;
 *  MSIM_ERANGE   number above 2^64-1, value above the table's max for its
 *                argument, line longer than MSIM_TRACE_LINE_MAX;
 *  MSIM_EINVAL   impossible combination (see msim_event_check());
 *  MSIM_EVERSION header names another format version.
 * Errors are sticky: once next() failed it keeps returning that error.
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
 * unless msim_trace_next_comment() is used. `vcpu` events are returned
 * too (ev->vcpu is then the newly selected id, equal to arg[0]); every
 * later event carries that id in ev->vcpu. ev->line is the text line, or
 * the binary record number (1 = first record after the header).
 */
MSIM_API int msim_trace_next(msim_trace_reader *r, msim_event *ev);

/**
 * Like msim_trace_next() but also returns comments: if the next item is a
 * comment, ev->type is MSIM_EV_NONE and *comment points at its text
 * (without '#', NUL-terminated, valid until the next call); otherwise
 * *comment is NULL. A trailing comment ("cr3 0x1000 # why") comes back as
 * a comment item right after its event.
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

/**
 * Bytes of heap the reader holds (fixed at open: the line buffer plus the
 * comment buffer). It never grows while reading, whatever the trace.
 */
MSIM_API size_t msim_trace_memory(const msim_trace_reader *r);

/** Close a reader (NULL is fine). */
MSIM_API void msim_trace_close(msim_trace_reader *r);

/**
 * Create a writer on `f` (not closed by msim_trace_writer_free). Writes
 * the header immediately. Output is canonical (traces/FORMAT.md), so
 * reading it back and writing it again gives the same bytes.
 */
MSIM_API int msim_trace_writer_create(msim_trace_writer **out, FILE *f,
				      msim_trace_encoding enc);

/**
 * Append one event after checking it with msim_event_check(). A `vcpu`
 * event is written as is and selects that vCPU; for any other event whose
 * ev->vcpu differs from the selected one a `vcpu` event is emitted first.
 * The first selected vCPU is 0. Fails with MSIM_EINVAL/MSIM_ERANGE (bad
 * event; nothing written) or MSIM_EIO.
 */
MSIM_API int msim_trace_write(msim_trace_writer *w, const msim_event *ev);

/**
 * Append a comment (text without the leading '#'), always on its own line.
 * MSIM_EINVAL if the text holds a newline or NUL, ends with '\r', or is
 * longer than MSIM_TRACE_LINE_MAX - 1 bytes.
 */
MSIM_API int msim_trace_write_comment(msim_trace_writer *w, const char *text);

/**
 * Hand everything written so far to the FILE and fflush it; MSIM_EIO on a
 * write error. The writer buffers events itself (64 KiB blocks): call this
 * before writing to the FILE by other means or checking its size.
 */
MSIM_API int msim_trace_writer_flush(msim_trace_writer *w);

/** Free a writer (flushes first; NULL is fine). */
MSIM_API void msim_trace_writer_free(msim_trace_writer *w);

/**
 * Format one event as a canonical text line (no newline, no vcpu prefix)
 * into buf: keyword, positional args bare, then in table order the
 * key=value args that were given (present bit) or differ from the
 * default. Numbers are lowercase 0x-hex except the small counts listed in
 * traces/FORMAT.md (decimal); enums by symbol. Returns the length, or
 * MSIM_EINVAL (unknown type/kind, enum out of range) / MSIM_ERANGE (does
 * not fit in len bytes including the NUL).
 */
MSIM_API int msim_event_format(const msim_event *ev, char *buf, size_t len);

/**
 * Parse one text line (no newline, no header) into *ev and check it with
 * msim_event_check(). `vcpu` is the currently selected vCPU (stamped into
 * ev->vcpu; a `vcpu` event stamps its own id). A '#' and what follows is
 * ignored; a blank or comment-only line yields ev->type == MSIM_EV_NONE
 * and returns 0. Errors (codes as for the readers) name `file` and `line`.
 */
MSIM_API int msim_event_parse(const char *text, msim_event *ev, uint32_t vcpu,
			      const char *file, uint64_t line);

/**
 * Start building an event: zero *ev, set its type and every argument to
 * its table default with no present bit. For MSIM_EV_EXPECT, `kind` goes
 * to arg[0] (present) and the kind's defaults to arg[1..]; otherwise
 * `kind` is ignored. Callers then set the args they give, with their
 * present bits. MSIM_EINVAL for an unknown type or kind.
 */
MSIM_API int msim_event_init(msim_event *ev, unsigned type, unsigned kind);

/**
 * Check an event against the table and the format's semantic rules: known
 * type (and expect kind), required args present, no present bit beyond the
 * table, every arg <= its max (MSIM_ERANGE), and the combination rules
 * (MSIM_EINVAL): wrmem size in {1,2,4,8}, gpa aligned to size, value fits
 * in size bytes; machine vcpus >= 1 and maxphyaddr >= 32. Errors read
 * "file:line: reason".
 */
MSIM_API int msim_event_check(const msim_event *ev, const char *file,
			      uint64_t line);

#ifdef __cplusplus
}
#endif
#endif
