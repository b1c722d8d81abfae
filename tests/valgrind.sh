#!/usr/bin/env bash
# valgrind memcheck smoke subset: the CLI on representative inputs, failing
# on any invalid access or leak. Usage: tests/valgrind.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
cli=${1:-build}/mmu-sim
# a static glibc's start-up confuses memcheck: use the dynamic twin
[ -x "${1:-build}/mmu-sim-dynamic" ] && cli=${1:-build}/mmu-sim-dynamic
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$@"; }

vg "$cli" replay -v traces/walk-demo.trace > /dev/null
vg "$cli" validate traces/walk-demo.trace > /dev/null
vg "$cli" convert traces/walk-demo.trace "$tmp/d.bin"
vg "$cli" convert "$tmp/d.bin" "$tmp/d.trace"
printf 'mmu-sim-trace 1\ncr4 0x\n' > "$tmp/bad.trace"
set +e
vg "$cli" replay "$tmp/bad.trace" > /dev/null 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || { echo "malformed trace under valgrind: exit $rc, want 2"; exit 1; }
# every generator, each trace replayed under the KVM model (nested
# workloads need one) with the TDP MMU and with shadow paging
for w in $("$cli" help workloads | awk '/^[a-z0-9-]+$/'); do
	vg "$cli" gen "$w" -o "$tmp/$w.trace"
	for p in preset=5.18 preset=6.18-pvm; do
		vg "$cli" replay -q --kvm "$p" "$tmp/$w.trace" > /dev/null
	done
done
for t in traces/kvm/*.trace; do
	[ -e "$t" ] || continue
	vg "$cli" validate --preset 6.18-pvm "$t" > /dev/null
done
echo "valgrind smoke: clean"
