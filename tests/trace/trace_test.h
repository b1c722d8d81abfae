/*
 * Internals the trace tests look at: the codec layer below the stream
 * (trace_internal.h) and the library's PRNG for random records.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_TRACE_TEST_H
#define MSIM_TRACE_TEST_H

#include "trace/trace_internal.h"
#include "base/rng.h"

#endif
