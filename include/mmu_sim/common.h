/*
 * mmu-sim: common definitions shared by every public header.
 *
 * Conventions (hold for the whole API):
 *  - every function and type carries the msim_ prefix, macros and enum
 *    constants the MSIM_ prefix;
 *  - objects are opaque handles with a *_create / *_free pair;
 *  - option structs come with an *_INIT macro giving the defaults;
 *  - functions return 0 (MSIM_OK) or a negative MSIM_E* code, and
 *    msim_last_error() then describes what went wrong;
 *  - the library never prints and never exits.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_COMMON_H
#define MMU_SIM_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MSIM_VERSION_MAJOR 0
#define MSIM_VERSION_MINOR 1
#define MSIM_VERSION_PATCH 0
#define MSIM_VERSION_STRING "0.1.0"
/** Single comparable number: 0x00MMmmpp. */
#define MSIM_VERSION_NUMBER                                                    \
	((MSIM_VERSION_MAJOR << 16) | (MSIM_VERSION_MINOR << 8) |              \
	 MSIM_VERSION_PATCH)

#if defined(__GNUC__) && !defined(MSIM_STATIC_BUILD)
#define MSIM_API __attribute__((visibility("default")))
#else
#define MSIM_API
#endif

/** Error codes returned (negated) by every fallible function. */
typedef enum msim_error {
	MSIM_OK = 0,
	MSIM_EINVAL = -1,    /**< invalid argument or impossible value */
	MSIM_ENOMEM = -2,    /**< allocation failed */
	MSIM_EIO = -3,       /**< read/write error on a file */
	MSIM_EPARSE = -4,    /**< malformed input (message names file:line) */
	MSIM_EVERSION = -5,  /**< unsupported format version */
	MSIM_ERANGE = -6,    /**< number out of range / limit exceeded */
	MSIM_ENOTSUP = -7,   /**< feature not supported by this build/config */
	MSIM_EMISMATCH = -8, /**< validation found a divergence */
	MSIM_ENOENT = -9,    /**< named object (preset, counter, file) not found */
	MSIM_EEOF = -10,     /**< end of stream (not an error for readers) */
	MSIM_EPERM = -11,    /**< operation needs privileges / a device */
} msim_error;

/**
 * Text describing the last error raised by a library call on this thread.
 * Never NULL; "no error" when nothing failed yet. The pointer stays valid
 * until the next failing call on the same thread.
 */
MSIM_API const char *msim_last_error(void);

/** Short constant name of an error code ("MSIM_EPARSE", ...). */
MSIM_API const char *msim_strerror(int err);

/** Runtime library version string (equals MSIM_VERSION_STRING of the build). */
MSIM_API const char *msim_version(void);

#ifdef __cplusplus
}
#endif
#endif
