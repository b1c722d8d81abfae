/*
 * Thread-local last-error text.
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"

static _Thread_local char last_error[512] = "no error";

int msim_err(int code, const char *fmt, ...)
{
	/*
	 * Format into a scratch buffer first: callers may pass
	 * msim_last_error() itself as an argument ("%s: %s", ctx, last).
	 */
	char scratch[sizeof(last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(scratch, sizeof(scratch), fmt, ap);
	va_end(ap);
	memcpy(last_error, scratch, sizeof(last_error));
	return code;
}

void msim_err_clear(void)
{
	snprintf(last_error, sizeof(last_error), "no error");
}

const char *msim_last_error(void)
{
	return last_error;
}

const char *msim_strerror(int err)
{
	switch (err) {
	case MSIM_OK: return "MSIM_OK";
	case MSIM_EINVAL: return "MSIM_EINVAL";
	case MSIM_ENOMEM: return "MSIM_ENOMEM";
	case MSIM_EIO: return "MSIM_EIO";
	case MSIM_EPARSE: return "MSIM_EPARSE";
	case MSIM_EVERSION: return "MSIM_EVERSION";
	case MSIM_ERANGE: return "MSIM_ERANGE";
	case MSIM_ENOTSUP: return "MSIM_ENOTSUP";
	case MSIM_EMISMATCH: return "MSIM_EMISMATCH";
	case MSIM_ENOENT: return "MSIM_ENOENT";
	case MSIM_EEOF: return "MSIM_EEOF";
	case MSIM_EPERM: return "MSIM_EPERM";
	}
	return "MSIM_E?";
}

const char *msim_version(void)
{
	return MSIM_VERSION_STRING;
}
