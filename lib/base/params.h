/* "k=v,k=v" parameter lists (internal). SPDX-License-Identifier: MIT */
#ifndef MSIM_PARAMS_H
#define MSIM_PARAMS_H

#include <stdint.h>

/*
 * Find key in "k=v,k=v" and parse a u64 (decimal/0x). Returns 0 and leaves
 * *val unchanged if absent, MSIM_EINVAL if malformed, MSIM_ERANGE above
 * max. Unknown keys are rejected by msim_param_check_keys().
 */
int msim_param_u64(const char *params, const char *key, uint64_t max,
		   uint64_t *val);
/* MSIM_EINVAL unless every item is key=value with a key in known (NULL-ended). */
int msim_param_check_keys(const char *params, const char *const *known);

#endif
