#!/bin/bash
# One shard of a sharded `jaksim run` or `jaksim sweep` per task of a Slurm job array. The arguments
# are jaksim's; this script adds --workers and --shard. Submit from the project folder:
#   jid=$(sbatch --parsable --array=1-8 examples/slurm/shards.sh run scenarios/default.yaml --patients 100000000 --checkpoint --out results/big)
#   sbatch --dependency=afterok:$jid examples/slurm/merge.sh results/big
# Task i runs shard i of n, n the array's task count (so --array=1-n). To rerun lost shard 5 of 8:
#   sbatch --array=5 --export=ALL,SHARDS=8 examples/slurm/shards.sh <the same arguments>
#SBATCH --job-name=jaksim-shard
#SBATCH --cpus-per-task=4
#SBATCH --time=02:00:00
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?submit as a job array: sbatch --array=1-N}"
# Relative paths (the scenario, --out) are the submit folder's: keep it on a file system every node sees.
cd "$SLURM_SUBMIT_DIR"
# node itself rather than npx: Slurm's SIGTERM reaches jaksim (which then saves the blocks in flight), and
# no npm starts, or writes its cache, in every task.
exec node bin/jaksim.js "$@" --workers "${SLURM_CPUS_PER_TASK:-1}" --shard "$SLURM_ARRAY_TASK_ID/${SHARDS:-$SLURM_ARRAY_TASK_COUNT}"
