/*
 * `mmu-sim convert`: stream a trace through a reader and a writer of the
 * other (or the requested) encoding. Comments are carried over; numbers
 * come out in canonical form (traces/FORMAT.md).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "cli.h"
#include "cli_convert.h"
#include "mmu_sim/trace.h"

static const char convert_help[] =
	"usage: mmu-sim convert IN OUT [--to text|binary]\n"
	"\n"
	"Re-encode trace IN as OUT in canonical form (traces/FORMAT.md).\n"
	"The input encoding is detected; the output encoding is --to, or by\n"
	"default the other one (text -> binary, binary -> text). Comments are\n"
	"kept; text -> binary -> text gives back the canonical text exactly.\n"
	"IN or OUT may be '-' (stdin/stdout). OUT is written to a temporary\n"
	"file in the same directory and renamed at the end: on any error, or\n"
	"if interrupted, OUT is not created or changed.\n"
	"\n"
	"  --to text|binary   output encoding\n"
	"  -h, --help         this text\n"
	"\n"
	"Examples:\n"
	"  mmu-sim convert traces/wp-storm.trace /tmp/wp.mtrb\n"
	"  mmu-sim convert /tmp/wp.mtrb - --to text | less\n"
	"\n"
	"Exit status: 0 ok, 2 bad usage or malformed input (the message names\n"
	"file:line), 1 I/O failure.\n";

/* Copy every event and comment from r to w. */
static int copy(msim_trace_reader *r, msim_trace_writer *w)
{
	for (;;) {
		const char *comment;
		msim_event ev;
		int ret = msim_trace_next_comment(r, &ev, &comment);

		if (ret == MSIM_EEOF)
			return msim_trace_writer_flush(w);
		if (ret)
			return ret;
		ret = comment ? msim_trace_write_comment(w, comment) :
				msim_trace_write(w, &ev);
		if (ret)
			return ret;
	}
}

int msim_cli_convert(int argc, char **argv)
{
	const char *in = NULL, *outp = NULL, *to = NULL;
	msim_trace_reader *r;
	msim_trace_writer *w;
	msim_trace_encoding enc;
	struct cli_out out;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(convert_help, stdout);
			return CLI_OK;
		} else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
			to = argv[++i];
		} else if (!strncmp(argv[i], "--to=", 5)) {
			to = argv[i] + 5;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_error("convert: unknown option or missing value '%s' (see --help)",
				  argv[i]);
			return CLI_BADINPUT;
		} else if (!in) {
			in = argv[i];
		} else if (!outp) {
			outp = argv[i];
		} else {
			cli_error("convert: too many arguments ('%s'); see --help", argv[i]);
			return CLI_BADINPUT;
		}
	}
	if (!in || !outp) {
		cli_error("convert: need IN and OUT (see --help)");
		return CLI_BADINPUT;
	}
	if (cli_out_same_file(outp, in))
		return CLI_BADINPUT;
	if (to && strcmp(to, "text") && strcmp(to, "binary")) {
		cli_error("convert: --to must be text or binary, not '%s'", to);
		return CLI_BADINPUT;
	}
	ret = msim_trace_open(&r, in);
	if (ret) {
		cli_error("%s", msim_last_error());
		return cli_exit_code(ret);
	}
	if (to)
		enc = !strcmp(to, "text") ? MSIM_TRACE_TEXT : MSIM_TRACE_BINARY;
	else
		enc = msim_trace_encoding_of(r) == MSIM_TRACE_TEXT ?
			MSIM_TRACE_BINARY : MSIM_TRACE_TEXT;
	if (cli_out_open(&out, outp)) {
		msim_trace_close(r);
		return CLI_FAIL;
	}
	ret = msim_trace_writer_create(&w, out.f, enc);
	if (!ret) {
		ret = copy(r, w);
		msim_trace_writer_free(w);
	}
	msim_trace_close(r);
	if (ret) {
		cli_error("%s", msim_last_error());
		cli_out_abort(&out);
		return cli_exit_code(ret);
	}
	return cli_out_commit(&out) ? CLI_FAIL : CLI_OK;
}
