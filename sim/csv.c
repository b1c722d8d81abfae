/* RFC 4180 fields for the CLI's CSV outputs. SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int csv_field(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t need = strlen(s) * 2 + 4;
	int q = strpbrk(s, ",\"\r\n") != NULL;

	if (*len + need >= *cap) {
		size_t nc = (*cap + need) * 2;
		char *nb = realloc(*buf, nc);

		if (!nb)
			return -1;
		*buf = nb;
		*cap = nc;
	}
	if (*len)
		(*buf)[(*len)++] = ',';
	if (q)
		(*buf)[(*len)++] = '"';
	for (; *s; s++) {
		if (*s == '"')
			(*buf)[(*len)++] = '"';
		(*buf)[(*len)++] = *s;
	}
	if (q)
		(*buf)[(*len)++] = '"';
	(*buf)[*len] = 0;
	return 0;
}

int csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *r = line, *w = line;

	for (;;) {
		if (n >= max)
			return -1;
		fields[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (!*r)
					return -1;
				if (*r == '"') {
					if (r[1] != '"')
						break;
					r++;
				}
				*w++ = *r++;
			}
			r++;
			if (*r && *r != ',')
				return -1;
		} else {
			while (*r && *r != ',') {
				if (*r == '"')
					return -1;
				*w++ = *r++;
			}
		}
		if (!*r) {
			*w = 0;
			return n;
		}
		*w++ = 0;
		r++;
	}
}
