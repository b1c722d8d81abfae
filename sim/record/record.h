/*
 * mmu-sim CLI: `record` (minimal KVM VMM recording real KVM MMU behaviour
 * through tracefs) and `import` (ftrace text -> native trace).
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_CLI_RECORD_H
#define MSIM_CLI_RECORD_H

/**
 * `mmu-sim record`: run a built-in scenario (or --script FILE) in a KVM
 * guest and write the ftrace text of the run. Handles --help itself.
 * Returns the process exit code: 0 ok, 1 runtime failure (no /dev/kvm,
 * no tracefs, lost events, KVM error), 2 bad usage.
 */
int msim_cli_record(int argc, char **argv);

/**
 * `mmu-sim import`: convert tracefs / trace-cmd text into a native trace
 * with `expect` lines. Handles --help itself. Returns 0 ok, 1 runtime
 * failure (I/O), 2 bad usage or malformed input.
 */
int msim_cli_import(int argc, char **argv);

#endif
