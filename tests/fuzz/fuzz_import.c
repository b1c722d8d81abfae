/*
 * libFuzzer harness: the ftrace importer (lib/import.c). Any text either
 * fails cleanly or imports; an imported trace must read back through the
 * trace reader and be canonical (reading and rewriting it is the
 * identity), under both option sets.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuzz_trace.h"
#include "mmu_sim/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void import_once(const uint8_t *data, size_t size,
			const msim_import_opts *o)
{
	FILE *in = fmemopen((void *)data, size, "rb");
	th_buf out = { 0 }, again = { 0 };
	FILE *fo = open_memstream(&out.p, &out.n);
	msim_trace_writer *w;
	int ret;

	FUZZ_CHECK(in && fo);
	FUZZ_CHECK(!msim_trace_writer_create(&w, fo, MSIM_TRACE_TEXT));
	ret = msim_import_stream(in, "fuzz", w, o, NULL);
	msim_trace_writer_free(w);
	fclose(fo);
	fclose(in);
	if (ret == 0) {
		FUZZ_CHECK(th_convert(out, MSIM_TRACE_TEXT, &again) == 0);
		FUZZ_CHECK(fuzz_same(out, again));
	}
	free(out.p);
	free(again.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msim_import_opts def = MSIM_IMPORT_OPTS_INIT;
	msim_import_opts all = { true, false };

	if (!size)
		return 0;
	import_once(data, size, &def);
	import_once(data, size, &all);
	return 0;
}
