#!/bin/sh
# Instructions per patient of an in-process run (callgrind's Ir, repeatable on a loaded machine, unlike
# time): the count for N patients minus the count for one block, over the difference in patients.
# Usage: sh bench/instructions.sh [ROOT=.] [N=50000] [SCENARIO]   (ROOT: a checkout with a build in dist/)
# Node runs --single-threaded (V8 compiles on the main thread, not in the background): repeatable counts.
# About a minute per 50,000 patients (valgrind runs Node some 50 times slower).
root=${1:-.}; n=${2:-50000}; scenario=$3
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded "$root/bench/profile.mjs" "$1" 1 $scenario 2>&1 | awk '/Collected/ {print $4}'; }
a=$(ir "$n"); b=$(ir 4096)
echo "$root: $(( (a - b) / (n - 4096) )) instructions per patient${scenario:+ ($scenario)}"
