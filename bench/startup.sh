#!/usr/bin/env bash
# Start-up benchmark of the sandbox (issue "The engine"): rerunnable, prints a table.
#   (a) bare k3s container start -> node Ready          (the floor everything else overlaps with)
#   (a') the same container -> CoreDNS available          (what `up` must wait for at least)
#   (b0) the first `sandbox up` on a machine: no cluster snapshot, no image seed, no image store
#        (removes the machine's cluster snapshots and image seeds: `sandbox gc --snapshots`)
#   (b) cold `sandbox up` of the embedded default stack, images present, no image store (a new
#       name), the node booting from the snapshot of a ready cluster that (b0) kept, its new store
#       starting from the machine's image seed (which the purge of (b0)'s sandbox refreshed)
#   (c) warm `sandbox up` on the running sandbox (reuse)
#   (d) resident memory of the whole slice (sum of the containers' memory usage)
#   (e) `sandbox apply` after a YAML-only change (a stack with one app Deployment and its image),
#       10 s after its `up` returned, as after an edit; (e0) the same right after `up` returned,
#       while the new cluster's pods still settle
#   (f) `sandbox apply` after one changed app image (rebuilt under the same tag), and the import
#       time of that image alone, so (f) - import is what apply adds
#   (h) cold `sandbox up` of the default stack after a `down` of it (the morning after): the node's
#       image store was kept, so no image is imported again
#   (g) the peer baseline: Testcontainers' K3s, PostgreSQL and RabbitMQ modules started together in
#       one JVM and waited to CoreDNS available (bench/PeerBaseline.java), no wiring/policies/
#       monitoring; (b)/(g) is what the sandbox costs over doing it by hand
# Usage: bench/startup.sh [RUNS]   (default 5). Needs what `./sandbox up` needs; in an air-gapped
# setup export SANDBOX_CONFIG first (see README, "Air-gapped use").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
runs="${1:-5}"
name=bench
k3s_image="$(./sandbox version >/dev/null 2>&1; java -cp sandbox-cli/target/sandbox.jar dev.sandbox.cli.Main version | sed -n 's/.*default images: \([^,]*\),.*/\1/p')"
# the image map the sandbox uses: the user config, else the local images ./sandbox up prepared
for map_file in "${SANDBOX_CONFIG:-}" "${SANDBOX_LOCAL_IMAGES:-$HOME/.sandbox/local-images.yaml}"; do
  [[ -n "$map_file" && -f "$map_file" ]] || continue
  mapped="$(sed -n "s|^  \"rancher/k3s\": \"\(.*\)\"|\1|p" "$map_file" | tail -1)"
  if [[ -n "$mapped" ]]; then k3s_image="$mapped"; break; fi
done
official_images="$(java -cp sandbox-cli/target/sandbox.jar dev.sandbox.cli.Main version | sed -n 's/.*default images: //p')"
official() { tr ',' '\n' <<<"$official_images" | tr -d ' ' | grep "^$1:" | head -1; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

a=(); a2=(); b0=(); b=(); c=(); d=(); e0=(); e=(); f=(); fi_=(); g=(); h=()
# the app stack of (e) and (f): the default stack plus one Deployment of a local image, shaped to
# pass the default policies (restricted Pod Security, guardrails)
app="$(mktemp -d)"; trap 'rm -rf "$app"; docker rmi -f bench-app:1 >/dev/null 2>&1 || true' EXIT
base_image="$(cat "${SANDBOX_CONFIG:-/dev/null}" "${SANDBOX_LOCAL_IMAGES:-$HOME/.sandbox/local-images.yaml}" 2>/dev/null | sed -n 's|^  "alpine": "\(.*\)"|\1|p' | head -1)"
base_image="${base_image:-alpine:3.17}"
mkdir -p "$app/k8s" "$app/image"
printf 'FROM %s\nARG ROUND=0\nRUN echo "$ROUND" > /round\n' "$base_image" > "$app/image/Dockerfile"
build_app() { docker build -q --build-arg ROUND="$1" -t bench-app:1 "$app/image" >/dev/null; }
build_app 0
cat > "$app/sandbox.yaml" <<YAML
version: 1
name: $name-app
manifests: {paths: [k8s]}
images: [bench-app:1]
YAML
cat > "$app/k8s/app.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: bench-settings}
data: {round: "0"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bench-app, labels: {app.kubernetes.io/name: bench-app}}
spec:
  replicas: 1
  selector: {matchLabels: {app: bench-app}}
  template:
    metadata: {labels: {app: bench-app, app.kubernetes.io/name: bench-app}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 65534, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: bench-app:1
          imagePullPolicy: IfNotPresent
          command: [sh, -c, "exec sleep 100000"]
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 100m, memory: 32Mi}}
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
          readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
          livenessProbe: {exec: {command: ["true"]}}
YAML
for i in $(seq 1 "$runs"); do
  # (a) bare k3s, started the way Testcontainers' K3sContainer starts it
  t0=$(now)
  cid=$(docker run -d --privileged --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup --tmpfs /run --tmpfs /var/run \
    -p 127.0.0.1::6443 "$k3s_image" server --disable=traefik)
  for _ in $(seq 1 600); do
    docker exec "$cid" kubectl get nodes 2>/dev/null | grep -q ' Ready' && break
    sleep 0.2
  done
  a+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")
  # (a') ... -> CoreDNS available: part of what `up` must wait for, so the floor of (b)
  for _ in $(seq 1 600); do
    [[ "$(docker exec "$cid" kubectl -n kube-system get deployment coredns \
      -o jsonpath='{.status.availableReplicas}' 2>/dev/null)" == 1 ]] && break
    sleep 0.2
  done
  a2+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")
  docker rm -f -v "$cid" >/dev/null

  # (b0) the first up on a machine: no cluster snapshot, no image seed, no image store (the node boots afresh
  # and keeps a snapshot of the ready cluster)
  ./sandbox down --name "$name" --purge -q >/dev/null 2>&1 || true
  ./sandbox gc --snapshots -q >/dev/null
  t0=$(now)
  ./sandbox up --name "$name" -q >/dev/null
  b0+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")

  # (b) cold up of the default stack: no image store kept from an earlier node (a new name), the
  # node boots from the snapshot (b0) kept
  ./sandbox down --name "$name" --purge -q >/dev/null
  t0=$(now)
  ./sandbox up --name "$name" -q >/dev/null
  b+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")

  # (c) warm up: the same stack again, reused
  t0=$(now)
  ./sandbox up --name "$name" -q >/dev/null
  c+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")

  # (d) memory of the slice
  sleep 5
  mem=$(docker stats --no-stream --format '{{.MemUsage}}' $(docker ps -q --filter "label=dev.sandbox.name=$name") \
    | awk '{v=$1; u=v; gsub(/[0-9.]/,"",u); gsub(/[A-Za-z]/,"",v);
            m = (u=="GiB") ? v*1024 : (u=="MiB") ? v : (u=="KiB") ? v/1024 : v/1048576; s+=m} END {printf "%.0f", s}')
  d+=("$mem")
  ./sandbox down --name "$name" -q >/dev/null

  # (h) cold up after that down: the node's image store is kept
  t0=$(now)
  ./sandbox up --name "$name" -q >/dev/null
  h+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")
  ./sandbox down --name "$name" --purge -q >/dev/null

  # (e), (f): the inner loop on a stack with an app
  (cd "$app" && "$repo/sandbox" up -q >/dev/null)
  sed -i "s/round: \".*\"/round: \"$i\"/" "$app/k8s/app.yaml"
  t0=$(now)
  (cd "$app" && "$repo/sandbox" apply -q >/dev/null)
  e0+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")
  sleep 10
  sed -i "s/round: \".*\"/round: \"$i-settled\"/" "$app/k8s/app.yaml"
  t0=$(now)
  (cd "$app" && "$repo/sandbox" apply -q >/dev/null)
  e+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")
  build_app "$i"
  t0=$(now)
  (cd "$app" && "$repo/sandbox" apply -q >/dev/null)
  f+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")
  build_app "x$i"
  t0=$(now)
  (cd "$app" && "$repo/sandbox" load -q bench-app:1 >/dev/null)
  fi_+=("$(awk -v s="$t0" -v e="$(now)" 'BEGIN{printf "%.1f", e-s}')")
  (cd "$app" && "$repo/sandbox" down --purge -q >/dev/null)

  # (g) the peer baseline: the three Testcontainers modules in one JVM, to CoreDNS
  g+=("$(TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 java -cp sandbox-cli/target/sandbox.jar bench/PeerBaseline.java \
    "$(official rancher/k3s)" "$(official postgres)" "$(official rabbitmq)" 2>/dev/null | tail -1)")
  echo "run $i: k3s ${a[-1]}s (CoreDNS ${a2[-1]}s), first up ${b0[-1]}s, cold up ${b[-1]}s, warm up ${c[-1]}s, after down ${h[-1]}s, memory ${d[-1]} MiB, apply YAML ${e[-1]}s (right after up ${e0[-1]}s), apply image ${f[-1]}s (import ${fi_[-1]}s), peers ${g[-1]}s" >&2
done

mb0=$(printf '%s\n' "${b0[@]}" | median); ma=$(printf '%s\n' "${a[@]}" | median); ma2=$(printf '%s\n' "${a2[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
mc=$(printf '%s\n' "${c[@]}" | median); md=$(printf '%s\n' "${d[@]}" | median)
me=$(printf '%s\n' "${e[@]}" | median); me0=$(printf '%s\n' "${e0[@]}" | median); mf=$(printf '%s\n' "${f[@]}" | median); mfi=$(printf '%s\n' "${fi_[@]}" | median)
mg=$(printf '%s\n' "${g[@]}" | median); mh=$(printf '%s\n' "${h[@]}" | median)
# the median over the runs of one run's X/Y (both measured in that run): ratio X Y, arrays by name
ratio() {
  local -n xs="$1" ys="$2"; local k
  for k in "${!xs[@]}"; do awk -v x="${xs[$k]}" -v y="${ys[$k]}" 'BEGIN{printf "%.2f\n", x/y}'; done | median
}
echo
echo "sandbox start-up benchmark, $runs run(s), medians ($(nproc) cores, $(date -u +%F))"
printf '| %-44s | %10s | %-14s |\n' "measure" "median" "target"
printf '|%s|%s|%s|\n' "----------------------------------------------" "------------" "----------------"
printf '| %-44s | %9ss | %-14s |\n' "(a) bare k3s container -> node Ready" "$ma" ""
printf '| %-44s | %9ss | %-14s |\n' "(a') bare k3s container -> CoreDNS available" "$ma2" ""
printf '| %-44s | %9ss | %-14s |\n' "(b0) first sandbox up (no snapshot, no store)" "$mb0" ""
printf '| %-44s | %10s | %-14s |\n' "(b0)/(a')" "$(awk -v x="$mb0" -v y="$ma2" 'BEGIN{printf "%.2f", x/y}')" ""
printf '| %-44s | %9ss | %-14s |\n' "(b) cold sandbox up, default stack (snapshot)" "$mb" ""
printf '| %-44s | %10s | %-14s |\n' "(b)/(a)" "$(awk -v x="$mb" -v y="$ma" 'BEGIN{printf "%.2f", x/y}')" ""
printf '| %-44s | %10s | %-14s |\n' "(b)/(a'), median of each run's ratio" "$(ratio b a2)" "<= 1.25"
printf '| %-44s | %9ss | %-14s |\n' "(c) warm sandbox up (reuse)" "$mc" "<= 2 s"
printf '| %-44s | %9ss | %-14s |\n' "(h) cold sandbox up after down (images kept)" "$mh" "<= (a')"
printf '| %-44s | %10s | %-14s |\n' "(h)/(a'), median of each run's ratio" "$(ratio h a2)" "<= 1"
printf '| %-44s | %10s | %-14s |\n' "(h)/(b)" "$(awk -v x="$mh" -v y="$mb" 'BEGIN{printf "%.2f", x/y}')" ""
printf '| %-44s | %6s MiB | %-14s |\n' "(d) resident memory of the slice" "$md" "<= 1.2 GiB"
printf '| %-44s | %9ss | %-14s |\n' "(e) apply after a YAML-only change" "$me" "<= 2 s"
printf '| %-44s | %9ss | %-14s |\n' "(e0) the same, right after up returned" "$me0" ""
printf '| %-44s | %9ss | %-14s |\n' "(f) apply after one changed image" "$mf" "import + 2 s"
printf '| %-44s | %9ss | %-14s |\n' "    import of that image alone (load)" "$mfi" ""
printf '| %-44s | %9ss | %-14s |\n' "    (f) - import" "$(awk -v x="$mf" -v y="$mfi" 'BEGIN{printf "%.1f", x-y}')" "<= 2 s"
printf '| %-44s | %9ss | %-14s |\n' "(g) peers: 3 TC modules in one JVM, CoreDNS" "$mg" ""
printf '| %-44s | %10s | %-14s |\n' "(b)/(g)" "$(awk -v x="$mb" -v y="$mg" 'BEGIN{printf "%.2f", x/y}')" ""
printf '| %-44s | %10s | %-14s |\n' "(h)/(g)" "$(awk -v x="$mh" -v y="$mg" 'BEGIN{printf "%.2f", x/y}')" ""
printf '| %-44s | %10s | %-14s |\n' "(g)/(a')" "$(awk -v x="$mg" -v y="$ma2" 'BEGIN{printf "%.2f", x/y}')" ""
