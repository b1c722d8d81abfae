#!/usr/bin/env bash
# Checked numbers (issue 20 B/C): the importer rejects trailing garbage,
# signs, empty digits and overflow with file:line: reason, exit 2; an
# ftrace file without events is refused; errors name the right thing.
set -euo pipefail
src=$1 cli=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect RC EXACT-STDERR CMD...
	local want=$1 msg=$2 rc=0; shift 2
	"$@" >out.txt 2>err.txt || rc=$?
	[ "$rc" = "$want" ] || fail "$* -> rc $rc, want $want ($(cat err.txt))"
	[ "$(cat err.txt)" = "$msg" ] || fail "$*: stderr '$(cat err.txt)', want '$msg'"
}
L='             rec-17986   [000] .....   688.538459:'
imp() { # imp RC MESSAGE-AFTER-"n.ftrace:1: " BODY
	printf '%s %s\n' "$L" "$3" > n.ftrace
	rm -f n.trace
	if [ "$1" = 0 ]; then
		expect 0 "" "$cli" import n.ftrace -o n.trace --summary /dev/null
	else
		expect "$1" "mmu-sim import: n.ftrace:1: $2" "$cli" import n.ftrace -o n.trace
		[ ! -e n.trace ] || fail "failed import left n.trace"
	fi
}
imp 0 "" "kvm_cr: cr_write 0 = 0x80050033"
grep -qx 'cr0 0x80050033' n.trace || fail "cr0 value"
imp 2 "kvm_cr: val: trailing garbage 'zz33' after number" "kvm_cr: cr_write 0 = 0x8005zz33"
imp 2 "kvm_cr: val: expected a number, got '-1'" "kvm_cr: cr_write 0 = -1"
imp 2 "kvm_cr: val: expected a number, got '0x'" "kvm_cr: cr_write 0 = 0x"
imp 2 "kvm_cr: val: expected a number, got '0xzz'" "kvm_cr: cr_write 0 = 0xzz"
imp 2 "kvm_msr: data: number '0x1ffffffffffffffff' out of range" \
	"kvm_msr: msr_write c0000080 = 0x1ffffffffffffffff"
imp 2 "kvm_page_fault: error_code: expected a number, got '0xqq'" \
	"kvm_page_fault: vcpu 0 rip 0x0 address 0x7000 error_code 0xqq"
imp 2 "kvm_page_fault: address: number '0x1ffffffffffffffff' out of range" \
	"kvm_page_fault: vcpu 0 rip 0x0 address 0x1ffffffffffffffff error_code 0x6"
imp 0 "" "kvm_page_fault: vcpu 0 rip 0x0 address 0x7000 error_code 0x6"
grep -qx 'access w 0x7000 cpl=3' n.trace || fail "page fault access"

: > empty.ftrace
expect 2 "mmu-sim import: empty.ftrace: no kvm or kvmmmu events in 0 lines; record with the kvm:kvm_cr, kvm:kvm_msr, kvm:kvm_page_fault and kvmmmu:* events enabled (mmu-sim record does)" \
	"$cli" import empty.ftrace -o e.trace
[ ! -e e.trace ] || fail "empty import left output"
echo ok
