#!/usr/bin/env bash
# Install the build into a temporary prefix, then prove that programs
# outside the tree build against it: the README's C example through
# pkg-config (shared and static), and a CMake project via find_package.
set -euo pipefail
src=$1 bin=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$bin" --prefix "$prefix" >/dev/null
for f in include/mmu_sim/mmu_sim.h include/mmu_sim/common.h bin/mmu-sim share/man/man1/mmu-sim.1; do
	[ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
libdir=$(dirname "$(find "$prefix" -name mmu_sim.pc)")/..
[ -e "$libdir/libmmu_sim.a" ] && ls "$libdir"/libmmu_sim.so* >/dev/null

# The README's library example, extracted verbatim.
awk '/<!-- example:link -->/{f=1;next} f&&/^```c/{g=1;next} g&&/^```/{exit} g' \
	"$src/README.md" > "$tmp/example.c"
[ -s "$tmp/example.c" ] || { echo "README example not found"; exit 1; }
printf 'mmu-sim-trace 1\nsregs cr0=0x80000011 cr3=0x1000 cr4=0x20 efer=0x500\n' > "$tmp/t.trace"

export PKG_CONFIG_PATH=$libdir/pkgconfig
# a sanitizer build installs instrumented libraries: users link the runtime
san=()
[ "${MSIM_SANITIZE:-0}" = 1 ] && san=(-fsanitize=address,undefined)
cc -std=c11 -Wall -Wextra -Werror "${san[@]}" -o "$tmp/ex_shared" "$tmp/example.c" $(pkg-config --cflags --libs mmu_sim)
LD_LIBRARY_PATH=$libdir "$tmp/ex_shared" "$tmp/t.trace" > "$tmp/out_shared"
cc -std=c11 -Wall -Wextra -Werror "${san[@]}" -o "$tmp/ex_static" "$tmp/example.c" \
	$(pkg-config --cflags mmu_sim) "$libdir/libmmu_sim.a" $(pkg-config --libs-only-l --static mmu_sim | sed 's/-lmmu_sim//')
"$tmp/ex_static" "$tmp/t.trace" > "$tmp/out_static"
cmp "$tmp/out_shared" "$tmp/out_static"
grep -q "events.sregs" "$tmp/out_shared"

# find_package(mmu_sim)
mkdir -p "$tmp/cm"
cp "$tmp/example.c" "$tmp/cm/example.c"
cat > "$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(user C)
find_package(mmu_sim 0.1 REQUIRED)
add_executable(ex example.c)
target_link_libraries(ex PRIVATE mmu_sim::mmu_sim_static)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/b" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_FLAGS="${san[*]}" -DCMAKE_EXE_LINKER_FLAGS="${san[*]}" >/dev/null
cmake --build "$tmp/cm/b" >/dev/null
"$tmp/cm/b/ex" "$tmp/t.trace" | cmp - "$tmp/out_static"
echo "install + pkg-config + find_package: ok"
