#!/usr/bin/env bash
# @WithCluster overhead benchmark (issue "@WithCluster"): rerunnable, prints a table.
# With the shared sandbox already up, how long a namespace-per-class test class whose namespace
# holds one small Deployment takes from the class starting to its first test running: namespace,
# wiring, apply, rollout. Each run starts one sandbox, then runs five such classes.
# Usage: bench/extension-overhead.sh [RUNS]   (default 1, so 5 samples). Needs what `./mvnw verify`
# needs; in an air-gapped setup export SANDBOX_CONFIG first (see README, "Air-gapped use").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-1}"
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -B -Dspotless.check.skip=true test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test -pl junit-extension -am >&2
cp="junit-extension/target/test-classes:junit-extension/target/classes:$(cat "$cp_file")"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

samples=(); teardowns=()
for i in $(seq 1 "$runs"); do
  out="$(cd junit-extension && java -cp "$(echo "$cp" | sed 's|junit-extension/target|target|g')" \
    dev.sandbox.junit.OverheadBench 2>/dev/null)"
  while read -r _ ms _; do samples+=("$ms"); done < <(grep '^class-ready-ms ' <<<"$out")
  while read -r _ ms _; do teardowns+=("$ms"); done < <(grep '^class-teardown-ms ' <<<"$out")
  echo "run $i: ready $(grep '^class-ready-ms ' <<<"$out" | awk '{printf "%s ms  ", $2}')" >&2
  echo "run $i: teardown $(grep '^class-teardown-ms ' <<<"$out" | awk '{printf "%s ms  ", $2}')" >&2
done
med=$(printf '%s\n' "${samples[@]}" | median)
med_teardown=$(printf '%s\n' "${teardowns[@]}" | median)
echo
echo "@WithCluster overhead, ${#samples[@]} namespace-per-class test classes, median ($(nproc) cores, $(date -u +%F))"
printf '| %-62s | %9s | %-7s |\n' "measure" "median" "target"
printf '|%s|%s|%s|\n' "----------------------------------------------------------------" "-----------" "---------"
printf '| %-62s | %7.1f s | %-7s |\n' "class start -> first test (own namespace, 1 small Deployment)" \
  "$(awk -v m="$med" 'BEGIN{print m/1000}')" "<= 3 s"
printf '| %-62s | %7.1f s | %-7s |\n' "last test -> class done (namespace deleted)" \
  "$(awk -v m="$med_teardown" 'BEGIN{print m/1000}')" ""
