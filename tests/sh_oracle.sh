#!/usr/bin/env bash
# Differential oracle: 2000 fixed-seed cases through QEMU/TCG and msim_walk
# must agree (known QEMU deviations from the SDM excluded, see
# sim/oracle/known-deviations.md). Skips without QEMU or the probe guest.
set -uo pipefail
src=$1 bin=$2 cli=$3
qemu=${MSIM_QEMU:-/usr/bin/qemu-system-x86_64}
if [ ! -x "$qemu" ]; then
	echo "skipped: QEMU not found at $qemu"
	exit 0
fi
guest=${MSIM_ORACLE_GUEST:-$bin/oracle-guest.elf}
if [ ! -f "$guest" ]; then
	echo "skipped: probe guest $guest not built (no 32-bit capable compiler?)"
	exit 0
fi
out=$("$cli" oracle --cases 2000 --seed 20261207 --qemu "$qemu" --guest "$guest" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -eq 77 ]; then
	echo "skipped: mmu-sim oracle could not run QEMU/the guest"
	exit 0
fi
[ $rc -eq 0 ] || { echo "FAIL: oracle exit $rc"; exit 1; }
# the run must really have covered the cases
grep -q '^oracle: 2000 cases, 0 mismatches' <<<"$out" || { echo "FAIL: no summary"; exit 1; }
echo "ok"
