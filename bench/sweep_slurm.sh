#!/usr/bin/env bash
# A policy grid as a Slurm job array: each array task runs one shard of
# the same `mmu-sim sweep`, the last step merges them (bench/README.md).
#
#   sbatch --array=0-15 bench/sweep_slurm.sh        # 16 shards
#   # when all tasks are done:
#   ./build/mmu-sim merge sweep-out/shard-*.csv -o sweep-out/grid.csv
#
# Edit GRID for your points; keep it identical across the array's tasks.
#SBATCH --job-name=mmu-sim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --output=sweep-out/slurm-%A_%a.log
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?run under sbatch --array=0-N (see the header)}"
: "${SLURM_ARRAY_TASK_COUNT:?needs Slurm 18.08+ (SLURM_ARRAY_TASK_COUNT)}"
MMU_SIM=${MMU_SIM:-./build/mmu-sim}
GRID=(-p preset=5.10 -p preset=5.18 -p preset=6.4 -p preset=6.18-pvm
      --costs skylake-sp,zen4,sapphire-rapids-2d traces/wp-storm.trace)
mkdir -p sweep-out
# array ids may start above 0 (--array=1-16): shard = offset from the minimum
k=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
exec "$MMU_SIM" sweep -q "${GRID[@]}" -j "${SLURM_CPUS_PER_TASK:-1}" \
	--shard "$k/$SLURM_ARRAY_TASK_COUNT" -o "sweep-out/shard-$k.csv"
