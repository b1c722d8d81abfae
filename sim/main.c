/* mmu-sim CLI entry point (being built). SPDX-License-Identifier: MIT */
#include <stdio.h>
#include "mmu_sim/common.h"
int main(void)
{
	printf("mmu-sim %s\n", msim_version());
	return 0;
}
