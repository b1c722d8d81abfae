/* RFC 4180 fields for the CLI's CSV outputs. SPDX-License-Identifier: MIT */
#ifndef MSIM_CLI_CSV_H
#define MSIM_CLI_CSV_H

#include <stddef.h>

/* Append s to the growing line *buf (length *len, capacity *cap), after a
 * comma unless it is the first field; quoted only when it holds a comma,
 * quote, CR or LF. Returns 0, or -1 out of memory. */
int csv_field(char **buf, size_t *len, size_t *cap, const char *s);

/* Split one CSV line in place into at most max fields (quotes undone).
 * Returns the field count, or -1 on a malformed quote or more than max. */
int csv_split(char *line, char **fields, int max);

#endif
