/*
 * "k=v,k=v" parameter lists (workload parameters, chase options): the one
 * parser every layer above uses, so a malformed value reads the same
 * everywhere. SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/params.h"
#include "base/internal.h"

/* Find `key` as a whole key in "k=v,k=v"; returns the value start or NULL. */
static const char *param_find(const char *params, const char *key, size_t *vlen)
{
	size_t klen = strlen(key);

	for (const char *p = params; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			*vlen = len - klen - 1;
			return p + klen + 1;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

int msim_param_u64(const char *params, const char *key, uint64_t max,
		       uint64_t *val)
{
	size_t vlen;
	const char *v = param_find(params, key, &vlen);
	char buf[32], *end;
	unsigned long long x;

	if (!v)
		return 0;
	if (vlen == 0 || vlen >= sizeof(buf) || *v == '-' || *v == '+')
		return msim_err(MSIM_EINVAL, "parameter %s: '%.*s' is not a number",
				key, (int)(vlen < 64 ? vlen : 64), v);
	memcpy(buf, v, vlen);
	buf[vlen] = 0;
	errno = 0;
	x = strtoull(buf, &end, 0);
	if (errno || *end)
		return msim_err(MSIM_EINVAL, "parameter %s: '%s' is not a number", key, buf);
	if (x > max)
		return msim_err(MSIM_ERANGE, "parameter %s=%s is above the limit %llu",
				key, buf, (unsigned long long)max);
	*val = x;
	return 0;
}

int msim_param_check_keys(const char *params, const char *const *known)
{
	for (const char *p = params; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		bool ok = false;

		if (!eq)
			return msim_err(MSIM_EINVAL, "parameter '%.*s' is not key=value",
					(int)(len < 64 ? len : 64), p);
		for (const char *const *k = known; *k; k++)
			if (strlen(*k) == klen && !strncmp(*k, p, klen))
				ok = true;
		if (!ok)
			return msim_err(MSIM_EINVAL, "unknown parameter '%.*s'",
					(int)(klen < 64 ? klen : 64), p);
		p = end ? end + 1 : NULL;
	}
	return 0;
}
