#!/bin/bash
# The merge of a sharded run or sweep, submitted to start once every shard has succeeded:
#   sbatch --dependency=afterok:$jid examples/slurm/merge.sh results/big
# The argument is the shards' --out folder (the merged results go there too); more merge flags may follow.
# If a shard fails, Slurm cancels this job (reason DependencyNeverSatisfied) instead of leaving it
# pending: rerun that shard, then submit this script again.
#SBATCH --job-name=jaksim-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --kill-on-invalid-dep=yes
set -euo pipefail
: "${1:?give the --out folder of the shards}"
cd "$SLURM_SUBMIT_DIR"
folder=$1
shift
exec node bin/jaksim.js merge "$folder" --out "$folder" "$@"
