/*
 * libFuzzer harness: the trace reader on arbitrary bytes (text encoding
 * mostly; seeds are text traces and the malformed corpus).
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuzz_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_trace_properties(data, size);
	return 0;
}
