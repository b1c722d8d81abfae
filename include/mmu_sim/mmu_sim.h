/*
 * mmu-sim: umbrella header. Including it gives the whole public API.
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_H
#define MMU_SIM_H

#include "mmu_sim/common.h"
#include "mmu_sim/cost.h"
#include "mmu_sim/event.h"
#include "mmu_sim/gen.h"
#include "mmu_sim/gmem.h"
#include "mmu_sim/import.h"
#include "mmu_sim/kvm.h"
#include "mmu_sim/machine.h"
#include "mmu_sim/replay.h"
#include "mmu_sim/sched.h"
#include "mmu_sim/stats.h"
#include "mmu_sim/tlb.h"
#include "mmu_sim/trace.h"
#include "mmu_sim/validate.h"
#include "mmu_sim/walk.h"
#include "mmu_sim/ept.h"

#endif
