#!/usr/bin/env bash
# Cluster-target benchmark (README, "Running on a shared cluster"): rerunnable, prints a table.
# A k3s-only sandbox (ci/shared-cluster/sandbox.yaml) stands in for the team's cluster, with the
# service images already on its node (as a registry would serve them there). Then, each run:
#   (s1) `sandbox up --context` of the embedded default stack on it (PostgreSQL and RabbitMQ as
#        StatefulSets, the policy packs, namespaces of its own), CLI start included
#   (sd) `sandbox down` of it (namespaces gone)
#   (s5) five such sandboxes (five names) started at once, until the last is ready
# Usage: bench/shared-cluster.sh [RUNS]   (default 3). Needs what `./sandbox up` needs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-3}"
home="${SANDBOX_HOME:-$HOME/.sandbox}"
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}'; }

cleanup() {
  for n in bench-s bench-p1 bench-p2 bench-p3 bench-p4 bench-p5; do ./sandbox down -q --name "$n" >/dev/null 2>&1 || true; done
  ./sandbox down -q --name shared-cluster --purge >/dev/null 2>&1 || true
}
trap cleanup EXIT
echo "setting up the stand-in cluster (not measured)" >&2
./sandbox up -q -f ci/shared-cluster/sandbox.yaml >/dev/null
./sandbox load -q --name shared-cluster postgres:17 rabbitmq:4.1-management >/dev/null
export KUBECONFIG="$home/shared-cluster/kubeconfig"
context=sandbox-shared-cluster
empty="$(mktemp -d)"   # no sandbox.yaml here: the embedded default stack

s1=(); sd=(); s5=()
for i in $(seq 1 "$runs"); do
  t0=$(now); (cd "$empty" && "$OLDPWD/sandbox" up -q --context "$context" --name bench-s >/dev/null); s1+=("$(since "$t0")")
  t0=$(now); ./sandbox down -q --name bench-s >/dev/null; sd+=("$(since "$t0")")
  t0=$(now)
  pids=()
  for p in 1 2 3 4 5; do
    (cd "$empty" && "$OLDPWD/sandbox" up -q --context "$context" --name "bench-p$p" >/dev/null) & pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  s5+=("$(since "$t0")")
  for p in 1 2 3 4 5; do ./sandbox down -q --name "bench-p$p" >/dev/null & done; wait
  echo "run $i: up ${s1[-1]}s, down ${sd[-1]}s, five at once ${s5[-1]}s" >&2
done
rm -rf "$empty"

m1=$(printf '%s\n' "${s1[@]}" | median); md=$(printf '%s\n' "${sd[@]}" | median); m5=$(printf '%s\n' "${s5[@]}" | median)
echo
echo "sandbox on a shared cluster, $runs run(s), medians ($(nproc) cores, $(date -u +%F))"
printf '| %-50s | %10s |\n' "measure" "median"
printf '|%s|%s|\n' "----------------------------------------------------" "------------"
printf '| %-50s | %9ss |\n' "(s1) up --context, default stack, images present" "$m1"
printf '| %-50s | %9ss |\n' "(sd) down (namespaces gone)" "$md"
printf '| %-50s | %9ss |\n' "(s5) five sandboxes up at once" "$m5"
printf '| %-50s | %10s |\n' "(s5)/(s1)" "$(awk -v x="$m5" -v y="$m1" 'BEGIN{printf "%.2f", x/y}')"
