#!/usr/bin/env bash
# Every recording of real KVM committed under traces/kvm/ must validate
# with 100% match against the preset of the host it was recorded on
# (6.18-pvm: kernel 6.18, kvm_pvm, shadow MMU). KVM is right: a divergence is a model bug.
set -euo pipefail
src=$1 cli=$3
n=0
for t in "$src"/traces/kvm/*.trace; do
	out=$("$cli" validate --preset 6.18-pvm "$t") || { echo "$out"; echo "FAIL: $t"; exit 1; }
	grep -q " 0 divergences" <<<"$out" || { echo "$out"; exit 1; }
	echo "$(basename "$t"): $(tail -1 <<<"$out")"
	n=$((n + 1))
done
[ "$n" -ge 6 ] || { echo "expected at least 6 recordings, found $n"; exit 1; }
# and the walker alone against the architecture
"$cli" validate "$src/traces/walk-demo.trace" >/dev/null
echo "validated $n recordings"
