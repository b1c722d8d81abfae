#!/usr/bin/env bash
# `mmu-sim record --qemu` end to end on a machine without /dev/kvm: Debian's
# 6.1 kernel under QEMU TCG, TDP MMU, the wp scenario. The recording must be
# complete (lost events fail the recorder), show the TDP MMU at work
# (kvm_tdp_mmu_spte_changed, a direct 5- or 4-level root) and import to the
# same inputs and expectations as the committed recording of that run.
# Usage: sh_record_qemu.sh SRC BUILD CLI
set -uo pipefail
src=$1; cli=$3
skip() { echo "skipped: $*"; exit 0; }
[ "${MSIM_SANITIZE:-0}" = 1 ] || [ "${MSIM_SANITIZE:-}" = ON ] &&
	skip "sanitizer build (record --qemu needs a statically linked mmu-sim)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
file -L "$cli" 2>/dev/null | grep -q 'statically linked' ||
	skip "$cli is not statically linked"
command -v apt-get >/dev/null || skip "no apt-get to fetch the kernel package"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$cli" record --qemu 6.1 --mmu tdp --scenario wp -o "$tmp/wp.ftrace" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ]; then
	if grep -q 'apt-get download' "$tmp/err"; then skip "kernel package not fetchable here: $(tail -1 "$tmp/err")"; fi
	cat "$tmp/err"; echo "FAIL: record --qemu exit $rc"; exit 1
fi
fail=0
grep -q 'tracing_mark_write: msim: cr3 0x400000' "$tmp/wp.ftrace" || { echo "FAIL: no input markers"; fail=1; }
n=$(grep -c 'kvm_tdp_mmu_spte_changed' "$tmp/wp.ftrace")
[ "$n" -gt 0 ] || { echo "FAIL: no kvm_tdp_mmu_spte_changed: not the TDP MMU"; fail=1; }
grep -q 'kvm_mmu_get_page: .* l[45] .*direct.* root 0 sync new' "$tmp/wp.ftrace" ||
	{ echo "FAIL: no direct TDP root"; fail=1; }
"$cli" import "$tmp/wp.ftrace" -o "$tmp/wp.trace" >/dev/null || { echo "FAIL: import"; fail=1; }
ref="$src/traces/kvm/qemu/6.1-tdp/wp.ftrace.gz"
if [ -f "$ref" ]; then
	gzip -dc "$ref" > "$tmp/ref.ftrace"
	"$cli" import "$tmp/ref.ftrace" -o "$tmp/ref.trace" >/dev/null
	if ! diff <(grep -v '^#' "$tmp/ref.trace") <(grep -v '^#' "$tmp/wp.trace") >"$tmp/d"; then
		echo "FAIL: the re-recording differs from traces/kvm/qemu/6.1-tdp/wp.ftrace.gz:"; head -20 "$tmp/d"; fail=1
	fi
fi
[ $fail -eq 0 ] && echo "record --qemu 6.1 tdp wp: recorded, TDP MMU seen ($n spte changes), import matches the committed recording"
exit $fail
