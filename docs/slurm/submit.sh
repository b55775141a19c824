#!/bin/sh
# submit.sh - runs a kubesim sweep on a Slurm cluster: a job array of N shards
# (docs/slurm/sweep-shard.sbatch) and a merge job that starts when all of
# them succeeded (docs/slurm/merge.sbatch). Prints the merge job's id.
#   docs/slurm/submit.sh N OUTDIR RESULTS.db SCENARIO SWEEP-ARGS...
# e.g. docs/slurm/submit.sh 8 /shared/sweep1 /shared/sweep1.db \
#        scenarios/ecommerce.yaml --grid nodePools.0.count=4,5,6 --seeds 1..20
# OUTDIR and RESULTS.db must be on a filesystem every node sees. Set KUBESIM
# to the kubesim program's path if it is not on PATH, SBATCH_ARGS for extra
# sbatch options (partition, account, time limit). A failed shard can be
# resubmitted alone (sbatch --array=I-I ...): its sweep skips the runs its
# database already has.
set -eu
[ $# -ge 4 ] || { echo "usage: $0 N OUTDIR RESULTS.db SCENARIO SWEEP-ARGS..." >&2; exit 2; }
n=$1 outdir=$2 results=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$outdir"
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_ARGS:-} --array=1-"$n" --output="$outdir/shard-%a.log" \
	"$here/sweep-shard.sbatch" "$outdir" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --dependency=afterok:"$array" \
	--output="$outdir/merge.log" "$here/merge.sbatch" "$outdir" "$results")
echo "${merge%%;*}"
