/*
 * mmu-sim: import KVM ftrace output as a native trace.
 *
 * Input: the text of a tracefs `trace` file (default or `fields` output,
 * as written by `mmu-sim record`) or of `trace-cmd report`, holding
 * kvm/kvmmmu events and trace_marker lines. Markers "msim: <line>" carry
 * native trace lines (the inputs the recording guest executed and the
 * outcomes its #PF handler reported); "msim: # text" become comments.
 *
 * KVM events become `expect` lines placed after the input they followed:
 *   kvm_mmu_get_page         expect root|sp created|found gfn= [role=]
 *                            (root: non-direct page at the guest's root
 *                            level, 4 or 5 in long mode; role= only when
 *                            the full word is known, i.e. `fields` output)
 *   kvm_mmu_prepare_zap_page expect zap gfn= [role=]
 *   kvm_mmu_sync_page        expect sync gfn= [role=]
 *   kvm_mmu_unsync_page      expect unsync gfn= [role=]
 *   kvm_mmu_paging_element   expect walk level= gpa= val=   (entry gpa
 *                            computed from CR3 and the walked address)
 *   kvm_mmu_set_accessed_bit expect ad gpa= val=  one line per entry, with
 *   kvm_mmu_set_dirty_bit    the final value (| A, and | D for the leaf)
 *   kvm_mmu_walker_error     expect pf gva= ec=
 * Walk events (pagetable_walk, paging_element, set_*_bit, walker_error)
 * are kept only for walks of the current `access` event's page; the
 * others are the recording harness's own instruction fetches and stack
 * accesses (counted as ignored). Shadow-page events for gfns listed by a
 * "msim: # harness-gfns ..." marker are ignored too.
 * Without msim markers (a foreign recording), kvm_cr writes, kvm_msr
 * writes of IA32_EFER and kvm_page_fault become the input events.
 * Every other line is counted, by event name, as used or ignored;
 * malformed lines and lost events are errors naming file:line.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_IMPORT_H
#define MMU_SIM_IMPORT_H

#include <stdio.h>

#include "mmu_sim/common.h"
#include "mmu_sim/event.h"
#include "mmu_sim/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of msim_import_*(). */
typedef struct msim_import_opts {
	/** Keep every walk and every shadow page, harness ones included. */
	bool keep_harness;
	/**
	 * After a `cr3` input that loads a new gfn and produced no root
	 * kvm_mmu_get_page, emit `expect root cached gfn=` (shadow MMU: the
	 * root came from prev_roots, which fires no event).
	 */
	bool infer_cached;
} msim_import_opts;

#define MSIM_IMPORT_OPTS_INIT { false, true }

/** Most distinct event names counted per table; the rest go to "(other)". */
#define MSIM_IMPORT_MAX_NAMES 48

/** Per-name counter. */
typedef struct msim_import_count {
	char name[48];
	uint64_t count;
} msim_import_count;

/** What an import did with each input line. */
typedef struct msim_import_stats {
	uint64_t lines;      /**< input lines read */
	uint64_t headers;    /**< ftrace header/comment/blank lines */
	uint64_t inputs;     /**< input events written (markers or derived) */
	uint64_t comments;   /**< comment lines written */
	uint64_t expects[MSIM_EXP_COUNT_]; /**< expect lines written, by kind */
	size_t n_used, n_ignored;
	msim_import_count used[MSIM_IMPORT_MAX_NAMES];    /**< by event name */
	msim_import_count ignored[MSIM_IMPORT_MAX_NAMES]; /**< by event name */
} msim_import_stats;

/**
 * Import ftrace text from `in` (`name` is used in error messages) and
 * append the events to writer `w`. `opts` may be NULL (defaults), `st`
 * may be NULL. Fails with MSIM_EPARSE ("name:line: reason") on a
 * malformed line, a malformed msim marker or a lost-events note, and
 * with the writer's error on output failure.
 */
MSIM_API int msim_import_stream(FILE *in, const char *name,
				msim_trace_writer *w,
				const msim_import_opts *opts,
				msim_import_stats *st);

/**
 * Import file `in_path` ("-" = stdin) into a text trace at `out_path`
 * ("-" = stdout). The output is written to a temporary name next to
 * out_path and renamed on success only. MSIM_EIO on open/write errors.
 */
MSIM_API int msim_import_file(const char *in_path, const char *out_path,
			      const msim_import_opts *opts,
			      msim_import_stats *st);

/**
 * Write a human-readable summary of `st` to `f` (lines, inputs, expect
 * lines by kind, used and ignored events by name). MSIM_EIO on error.
 */
MSIM_API int msim_import_summary(const msim_import_stats *st, FILE *f);

/** Count of `name` in a used/ignored table (0 if absent). */
MSIM_API uint64_t msim_import_count_of(const msim_import_count *tab, size_t n,
				       const char *name);

#ifdef __cplusplus
}
#endif
#endif
