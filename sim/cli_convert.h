/*
 * mmu-sim CLI: `convert` (text <-> binary trace, lossless).
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_CLI_CONVERT_H
#define MSIM_CLI_CONVERT_H

/**
 * `mmu-sim convert IN OUT [--to text|binary]`: re-encode a trace in
 * canonical form. argv[0] is "convert". Handles --help itself. The output
 * is written to a temporary file next to OUT and renamed only on success,
 * so a failed or interrupted run leaves no OUT and no temporary behind.
 * Returns the exit code: 0 ok, 2 bad usage or malformed input (message
 * "file:line: reason" on stderr), 1 I/O failure.
 */
int msim_cli_convert(int argc, char **argv);

#endif
