#!/bin/sh
# Compare every saved baseline (bench/acc.ts) bit for bit. With --save, write them instead: run that from a
# checkout of the code before a change (git worktree add /tmp/orig HEAD; cp -r bench /tmp/orig/).
# Usage: [BASE=/tmp/baseline] sh bench/check-all.sh [--save] [--dist]   (BASE: where the files go)
set -e
cd "$(dirname "$0")/.."
mode=--check; [ "$1" = "--save" ] && { mode=--save; shift; }
acc="npx tsx bench/acc.ts $*"
b=${BASE:-/tmp/baseline}
$acc $mode $b-acc.json
[ $mode = --check ] && $acc --workers 2 $mode $b-acc.json
$acc --scenario bench/configs/rules.yaml --patients 50000 $mode $b-rules.json
$acc --scenario bench/configs/rules.yaml --patients 50000 --trial 3 $mode $b-rules-trial3.json
$acc --patients 50000 --trial 0 $mode $b-canonical-trial0.json
$acc --scenario bench/configs/stay.yaml --patients 50000 $mode $b-six-vs-nine-stay.json
