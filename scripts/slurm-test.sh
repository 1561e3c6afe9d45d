#!/usr/bin/env bash
# The README's Slurm recipe (examples/slurm/shards.sh and merge.sh, submitted as they are) on a real
# single-node Slurm started here: a sharded run and a sharded sweep merged by a dependent job equal a
# single-machine run byte for byte; a failing shard cancels the merge; a shard cancelled mid-run and
# resubmitted resumes from its checkpoint; two tasks given the same index are caught by the merge.
# Installs Debian's Slurm and MUNGE when missing (needs root), runs munged, slurmctld and slurmd in a
# temporary folder with their own socket and ports, and stops them by process id on exit.
# A test of the recipe, not a way users must run jaksim. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
passed=0
failed=0
daemons=() # pids of the daemons started here, stopped in reverse order on exit
tmp=

check() { # check DESCRIPTION COMMAND...: run the command; count and print the outcome
  if "${@:2}"; then
    passed=$((passed + 1))
    echo "ok - $1"
  else
    failed=$((failed + 1))
    echo "FAIL - $1"
  fi
}

abort() { # a step without which the rest cannot run
  echo "slurm-test: $1" >&2
  failed=$((failed + 1))
  exit 1
}

cleanup() {
  if [ ${#daemons[@]} -gt 0 ]; then
    # Jobs first: slurmd's job processes would outlive it.
    squeue -h -o %A 2>/dev/null | sort -u | xargs -r scancel 2>/dev/null
    for _ in $(seq 1 120); do
      [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
      sleep 0.5
    done
    for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
      kill "${daemons[i]}" 2>/dev/null
      wait "${daemons[i]}" 2>/dev/null
    done
  fi
  [ -n "$tmp" ] && [ "${KEEP_SLURM_TEST:-}" != 1 ] && rm -rf "$tmp"
  echo "$passed passed, $failed failed"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || abort "needs root (to install Slurm and run munged as the munge user)"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq slurmctld slurmd munge slurm-client; } </dev/null >/dev/null \
    || abort "could not install slurmctld slurmd munge slurm-client"
fi
npm run build --silent || abort "npm run build failed"

tmp=$(mktemp -d /tmp/jaksim-slurm.XXXXXX)
chmod 755 "$tmp" # munged (the munge user) must reach its folder inside
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
chown munge:munge "$tmp/munge"
mungekey --create --keyfile="$tmp/munge/munge.key" || abort "mungekey failed"
chown munge:munge "$tmp/munge/munge.key"
setpriv --reuid=munge --regid=munge --init-groups munged --foreground --socket="$tmp/munge/socket" \
  --key-file="$tmp/munge/munge.key" --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
  --seed-file="$tmp/munge/munged.seed" >"$tmp/log/munged.out" 2>&1 &
daemons+=($!)

export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=jaksimtest
SlurmctldHost=localhost
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
for _ in $(seq 1 50); do [ -S "$tmp/munge/socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge/socket" ] || abort "munged did not start: $(cat "$tmp/log/munged.out")"
slurmctld -D -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$tmp/log/slurmd.out" 2>&1 &
daemons+=($!)
for _ in $(seq 1 60); do [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break; sleep 0.5; done
[ "$(sinfo -h -o %t 2>/dev/null)" = idle ] || abort "the Slurm node did not come up: $(tail -3 "$tmp/log/slurmctld.log" "$tmp/log/slurmd.log")"
echo "# $(sinfo -V) (Debian $(dpkg-query -W -f '${Version}' slurmctld)), munge $(dpkg-query -W -f '${Version}' munge)"

# --- helpers -----------------------------------------------------------------------------------
jaksim() { node "$repo/bin/jaksim.js" "$@"; }
# The example scripts, submitted as the README says; only the test node's size and the log folder differ.
submit_shards() { sbatch --parsable --cpus-per-task=1 --output="$tmp/log/%x-%A_%a.out" "$@" 2>"$tmp/log/sbatch.err"; }
submit_merge() { sbatch --parsable --output="$tmp/log/%x-%j.out" "$@" 2>"$tmp/log/sbatch.err"; }
wait_jobs() { # wait until none of the jobs (comma list) is pending, running or completing
  for _ in $(seq 1 1200); do
    [ -z "$(squeue -h -r --jobs="$1" -o %i 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  return 1
}
states() { squeue -h -r -t all --jobs="$1" -o '%K %T' | sort -n | awk '{print $2}' | paste -sd ' '; } # array tasks in order
reason() { squeue -h -t all --jobs="$1" -o %r; }
run_folder() { find "$1" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name 'shards-*' ! -name 'sweep-shards-*'; }
same_file() { [ -n "$1" ] && [ -n "$2" ] && cmp -s "$1" "$2"; }
same_json_but_command() { # the JSON documents equal once their `command` is removed
  node -e 'const fs = require("fs");
    const doc = (f) => { const d = JSON.parse(fs.readFileSync(f, "utf8")); delete d.command; return JSON.stringify(d); };
    process.exit(doc(process.argv[1]) === doc(process.argv[2]) ? 0 : 1);' "$1" "$2" 2>/dev/null
}
holds() { grep -qF -- "$2" "$1" 2>/dev/null; } # holds FILE TEXT
log_of() { echo "$tmp/log/$1-$2.out"; }         # log_of NAME JOBID[_TASK]
shards=examples/slurm/shards.sh
merge=examples/slurm/merge.sh

# --- 1. a sharded run: 4 array tasks, the merge after them (afterok) -------------------------------
out=$tmp/run
args=(run scenarios/default.yaml --patients 40000 --checkpoint --out "$out")
jaksim run scenarios/default.yaml --patients 40000 --workers 1 --out "$tmp/single-run" >/dev/null
jid=$(submit_shards --array=1-4 "$shards" "${args[@]}")
mid=$(submit_merge --dependency=afterok:"$jid" "$merge" "$out")
wait_jobs "$jid,$mid"
check "run: the 4 shard tasks completed" [ "$(states "$jid")" = "COMPLETED COMPLETED COMPLETED COMPLETED" ]
check "run: the merge job completed after them" [ "$(states "$mid")" = COMPLETED ]
single=$(run_folder "$tmp/single-run/default")
merged=$(run_folder "$out/default")
check "run: merged curves.csv byte-identical to a single-machine run" same_file "$single/curves.csv" "$merged/curves.csv"
check "run: merged summary.json equal to a single-machine run's but for the command" same_json_but_command "$single/summary.json" "$merged/summary.json"
folder=$(find "$out/default" -maxdepth 1 -name 'shards-*')
check "run: each shard printed the exact merge command for its run" \
  holds "$(log_of jaksim-shard "${jid}_3")" "Merge once every shard is done: npx jaksim merge $folder --out $out"
check "run: the shards removed their checkpoints" [ -z "$(find "$out/default" -maxdepth 1 -name '.checkpoint-*')" ]

# --- 2. a sharded sweep: 3 array tasks, the merge after them --------------------------------------
out=$tmp/sweep
args=(sweep scenarios/default.yaml --set rhoClass=0,0.5 --patients 12000 --out "$out")
jaksim sweep scenarios/default.yaml --set rhoClass=0,0.5 --patients 12000 --workers 1 --out "$tmp/single-sweep" >/dev/null
jid=$(submit_shards --array=1-3 "$shards" "${args[@]}")
mid=$(submit_merge --dependency=afterok:"$jid" "$merge" "$out")
wait_jobs "$jid,$mid"
check "sweep: the 3 shard tasks and the merge completed" [ "$(states "$jid") $(states "$mid")" = "COMPLETED COMPLETED COMPLETED COMPLETED" ]
single=$(run_folder "$tmp/single-sweep/default")
merged=$(run_folder "$out/default")
check "sweep: merged sweep.csv byte-identical to a single-machine sweep" same_file "$single/sweep.csv" "$merged/sweep.csv"
check "sweep: merged sweep.json equal to a single-machine sweep's but for the command" same_json_but_command "$single/sweep.json" "$merged/sweep.json"

# --- 3. a failing shard: a 0-based array (0-2), so task 0 is refused and shard 3/3 never runs ------
out=$tmp/failing
args=(run scenarios/default.yaml --patients 12000 --out "$out")
jid=$(submit_shards --array=0-2 "$shards" "${args[@]}")
mid=$(submit_merge --dependency=afterok:"$jid" "$merge" "$out")
wait_jobs "$jid,$mid"
check "failing shard: task 0 failed, tasks 1 and 2 completed" [ "$(states "$jid")" = "FAILED COMPLETED COMPLETED" ]
check "failing shard: its log says why in one line" \
  holds "$(log_of jaksim-shard "${jid}_0")" 'jaksim: --shard: expected i/n with 1 <= i <= n <= 1000000 (such as 2/8), got "0/3"'
check "failing shard: Slurm cancelled the merge job (DependencyNeverSatisfied)" \
  [ "$(states "$mid") $(reason "$mid")" = "CANCELLED DependencyNeverSatisfied" ]
mid=$(submit_merge "$merge" "$out")
wait_jobs "$mid"
check "failing shard: a merge submitted anyway fails, naming the shard not given" \
  eval '[ "$(states "$mid")" = FAILED ] && holds "$(log_of jaksim-merge "$mid")" "jaksim: 1 of 3 blocks are missing (blocks 2): shard 3/3 not given"'
check "failing shard: nothing merged" [ -z "$(run_folder "$out/default")" ]

# --- 4. a shard cancelled mid-run (scancel) and resubmitted: it resumes from its checkpoint --------
out=$tmp/resume
args=(run scenarios/default.yaml --patients 1000000 --checkpoint --out "$out") # 245 blocks, 123 in shard 1
jid=$(submit_shards --array=1-2 "$shards" "${args[@]}")
saved() { find "$out/default" -path '*/.checkpoint-*-shard-1-of-2/block-*.f64' 2>/dev/null | wc -l; }
for _ in $(seq 1 600); do [ "$(saved)" -ge 3 ] && break; sleep 0.1; done
scancel "${jid}_1"
wait_jobs "$jid"
kept=$(saved)
check "resume: shard 1 was cancelled part way ($kept of 123 blocks saved), shard 2 completed" \
  eval '[ "$(states "$jid")" = "CANCELLED COMPLETED" ] && [ "$kept" -ge 3 ] && [ "$kept" -lt 123 ]'
check "resume: the cancelled shard got SIGTERM and saved the blocks in flight" \
  holds "$(log_of jaksim-shard "${jid}_1")" "jaksim: SIGTERM: stopped after $kept of 123 blocks"
check "resume: the cancelled shard wrote no partial result" [ -z "$(find "$out" -name 'shard-1-of-2.partial.json')" ]
rid=$(submit_shards --array=1 --export=ALL,SHARDS=2 "$shards" "${args[@]}")
mid=$(submit_merge --dependency=afterok:"${jid}_2:$rid" "$merge" "$out")
jaksim run scenarios/default.yaml --patients 1000000 --workers 1 --out "$tmp/single-resume" >/dev/null
wait_jobs "$rid,$mid"
check "resume: the resubmitted shard and the merge completed" [ "$(states "$rid") $(states "$mid")" = "COMPLETED COMPLETED" ]
check "resume: the resubmitted shard resumed from the saved blocks" \
  holds "$(log_of jaksim-shard "${rid}_1")" "resuming: $kept of 123 blocks already saved"
single=$(run_folder "$tmp/single-resume/default")
merged=$(run_folder "$out/default")
check "resume: merged curves.csv byte-identical to a single-machine run" same_file "$single/curves.csv" "$merged/curves.csv"
check "resume: merged summary.json equal to a single-machine run's but for the command" same_json_but_command "$single/summary.json" "$merged/summary.json"

# --- 5. two array tasks given the same index: shard 2 run again where shard 3 was meant ------------
out=$tmp/duplicate
args=(run scenarios/default.yaml --patients 12000 --out "$out")
jid=$(submit_shards --array=1-2 --export=ALL,SHARDS=3 "$shards" "${args[@]}")
rid=$(submit_shards --array=2 --export=ALL,SHARDS=3 --dependency=afterany:"$jid" "$shards" "${args[@]}")
mid=$(submit_merge --dependency=afterok:"$jid:$rid" "$merge" "$out")
wait_jobs "$jid,$rid,$mid"
check "same index twice: every shard task completed" [ "$(states "$jid") $(states "$rid")" = "COMPLETED COMPLETED COMPLETED" ]
check "same index twice: the merge job failed, naming the shard never run" \
  eval '[ "$(states "$mid")" = FAILED ] && holds "$(log_of jaksim-merge "$mid")" "jaksim: 1 of 3 blocks are missing (blocks 2): shard 3/3 not given"'
check "same index twice: nothing merged" [ -z "$(run_folder "$out/default")" ]
