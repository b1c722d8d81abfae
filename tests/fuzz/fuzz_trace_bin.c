/*
 * libFuzzer harness: binary trace records. The input follows a valid
 * header ("MSIMTRB" + version 1) so mutations land in the records.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuzz_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 8);

	if (!buf)
		return 0;
	memcpy(buf, MSIM_TRACE_MAGIC "\1", 8);
	if (size)
		memcpy(buf + 8, data, size);
	fuzz_trace_properties(buf, size + 8);
	free(buf);
	return 0;
}
