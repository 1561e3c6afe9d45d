#!/bin/sh
# Compare every saved baseline (bench/acc.ts) bit for bit. With --save, write them instead: run that from a
# checkout of the code before a change (git worktree add /tmp/orig HEAD; cp -r bench /tmp/orig/).
# Usage: sh bench/check-all.sh [--save] [--dist]
set -e
cd "$(dirname "$0")/.."
mode=--check; [ "$1" = "--save" ] && { mode=--save; shift; }
acc="npx tsx bench/acc.ts $*"
$acc $mode /tmp/baseline-acc.json
[ $mode = --check ] && $acc --workers 2 $mode /tmp/baseline-acc.json
$acc --scenario bench/configs/rules.yaml --patients 50000 $mode /tmp/baseline-rules.json
$acc --scenario bench/configs/rules.yaml --patients 50000 --trial 3 $mode /tmp/baseline-rules-trial3.json
$acc --patients 50000 --trial 0 $mode /tmp/baseline-canonical-trial0.json
$acc --scenario scenarios/six-vs-nine-stay.yaml --patients 50000 $mode /tmp/baseline-six-vs-nine-stay.json
