#!/usr/bin/env bash
# One prefix for the whole API: every global symbol the static and the
# shared library define is msim_* (public) or msim__* (internal link names,
# lib/kvm_names.h), so linking mmu-sim into a VMM or a tool with its own
# kvm_* / walk_* / ... functions never clashes.
set -euo pipefail
bin=$2
fail=0
check() { # $1 = label, stdin = symbol names
	local bad
	# (sanitizer builds add instrumentation symbols such as __odr_asan.*)
	bad=$(grep -v -e '^msim_' -e '^_init$' -e '^_fini$' \
		-e '^__odr_asan' -e '^__asan' -e '^__ubsan' -e '^__sanitizer' || true)
	if [ -n "$bad" ]; then
		echo "$1: symbols outside the msim_ prefix:"
		echo "$bad" | sed 's/^/  /'
		fail=1
	fi
}
a=$bin/libmmu_sim.a
so=$(ls "$bin"/libmmu_sim.so* | head -n 1)
# (process substitution, not a pipe: check must run in this shell to set fail)
check "$a" < <(nm -g --defined-only "$a" | awk 'NF == 3 && $2 ~ /[A-Z]/ { print $3 }' | sort -u)
check "$so" < <(nm -D --defined-only "$so" | awk 'NF == 3 && $2 ~ /[A-Z]/ { print $3 }' | sort -u)
n=$(nm -g --defined-only "$a" | awk 'NF == 3 && $2 ~ /[A-Z]/' | grep -c ' msim_')
[ "$n" -gt 100 ] || { echo "only $n msim_ symbols in $a: nm output not understood"; fail=1; }
exit $fail
