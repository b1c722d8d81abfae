# mmu-sim oracle probe guest: a freestanding 32-bit multiboot ELF, built
# only when the C compiler can target i386 (-m32, no libc needed).
set(MSIM_GUEST_DIR ${PROJECT_SOURCE_DIR}/sim/oracle/guest)
set(MSIM_GUEST_ELF ${PROJECT_BINARY_DIR}/oracle-guest.elf)
set(MSIM_GUEST_FLAGS -m32 -ffreestanding -nostdlib -static -fno-pic -no-pie
    -fno-stack-protector -fno-asynchronous-unwind-tables -mno-sse -mno-mmx
    -O2 -Wall -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments)
file(WRITE ${PROJECT_BINARY_DIR}/m32check.c "int m32check(void){return 0;}\n")
execute_process(COMMAND ${CMAKE_C_COMPILER} -m32 -ffreestanding -c
                ${PROJECT_BINARY_DIR}/m32check.c -o ${PROJECT_BINARY_DIR}/m32check.o
                RESULT_VARIABLE MSIM_M32_RC OUTPUT_QUIET ERROR_QUIET)
if(MSIM_M32_RC EQUAL 0)
  add_custom_command(OUTPUT ${MSIM_GUEST_ELF}
    COMMAND ${CMAKE_C_COMPILER} ${MSIM_GUEST_FLAGS} -T ${MSIM_GUEST_DIR}/guest.ld
            ${MSIM_GUEST_DIR}/guest.S ${MSIM_GUEST_DIR}/guest.c -o ${MSIM_GUEST_ELF}
    DEPENDS ${MSIM_GUEST_DIR}/guest.S ${MSIM_GUEST_DIR}/guest.c
            ${MSIM_GUEST_DIR}/guest.ld ${MSIM_GUEST_DIR}/proto.h
    COMMENT "Building the oracle probe guest (32-bit multiboot ELF)")
  add_custom_target(oracle-guest DEPENDS ${MSIM_GUEST_ELF})
  add_dependencies(mmu-sim oracle-guest)
  target_compile_definitions(mmu-sim PRIVATE
    MSIM_ORACLE_GUEST_DEFAULT="${MSIM_GUEST_ELF}")
else()
  message(STATUS "oracle probe guest: no 32-bit capable C compiler; `mmu-sim oracle` will skip")
endif()
