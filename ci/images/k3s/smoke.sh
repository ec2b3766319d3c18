#!/usr/bin/env bash
# Smoke test of sandbox-local/k3s: starts it exactly like Testcontainers' K3sContainer
# (2.0.x) does, waits for its log line, then checks the cluster with kubectl via the
# copied kubeconfig. Removes everything it created. Exit code != 0 on any failure.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
IMAGE="${1:-${K3S_IMAGE:-sandbox-local/k3s:v1.34.4-k3s1-4}}"
BUSYBOX=rancher/mirrored-library-busybox:1.36.1
WEB_IMAGE=sandbox-local/k3s-smoke-web:1
NAME="k3s-smoke-$$"
WAIT_LOG_SECONDS="${WAIT_LOG_SECONDS:-300}"
TMP="$(mktemp -d)"
T0=$(date +%s)
step() { echo "==> [smoke +$(( $(date +%s) - T0 ))s] $*"; }
cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "---- smoke FAILED (rc=$rc); last container logs:"; docker logs --tail 80 "$NAME" 2>&1 || true
    [ -n "${KC:-}" ] && { "${KC[@]}" get pods -A -o wide 2>&1 || true; "${KC[@]}" get events -A --sort-by=.lastTimestamp 2>&1 | tail -20 || true; }
  fi
  docker rm -f -v "$NAME" >/dev/null 2>&1 || true
  docker rmi "$WEB_IMAGE" >/dev/null 2>&1 || true
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT

docker image inspect "$IMAGE" >/dev/null
docker image inspect "$BUSYBOX" >/dev/null || { echo "$BUSYBOX missing: run build.sh first" >&2; exit 1; }

# K3sContainer runs the container --privileged. Some hosts (e.g. a VM whose dockerd lacks
# CAP_SYS_RESOURCE in its bounding set) cannot start ANY privileged container ("unable to
# apply caps: operation not permitted"); then fall back to the closest equivalent
# (all capabilities the host has, no seccomp/apparmor/masked paths, all devices allowed).
PRIV=(--privileged)
if [ "${SMOKE_PRIVILEGED:-auto}" != 1 ] && ! docker run --rm --privileged --entrypoint /bin/true "$IMAGE" >/dev/null 2>"$TMP/priv.err"; then
  echo "WARNING: this host cannot run privileged containers: $(tr -s '\n' ' ' < "$TMP/priv.err")" >&2
  echo "WARNING: K3sContainer (always --privileged) cannot work on this host with ANY image; smoke falls back to an unprivileged equivalent" >&2
  missing=""
  for c in SYS_RESOURCE SYS_ADMIN NET_ADMIN SYS_MODULE SYS_PTRACE SYS_TIME SYSLOG MAC_ADMIN MAC_OVERRIDE; do
    docker run --rm --cap-add "$c" --entrypoint /bin/true "$IMAGE" >/dev/null 2>&1 || missing+=" --cap-drop $c"
  done
  # shellcheck disable=SC2206
  PRIV=(--cap-add ALL $missing --security-opt seccomp=unconfined --security-opt apparmor=unconfined
        --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' --device /dev/kmsg
        --device /dev/net/tun --device /dev/fuse)
  echo "WARNING: using: ${PRIV[*]}" >&2
fi

step "docker run (as K3sContainer: ${PRIV[*]}, cgroupns=host, /sys/fs/cgroup rw bind, tmpfs /run /var/run, ports 6443 8443)"
docker run -d --name "$NAME" "${PRIV[@]}" --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
  --tmpfs /run --tmpfs /var/run -p 127.0.0.1::6443 -p 127.0.0.1::8443 \
  "$IMAGE" server --disable=traefik --tls-san=127.0.0.1 >/dev/null

step "waiting (<= ${WAIT_LOG_SECONDS}s) for log line matching .*Node controller sync successful.*"
end=$(( $(date +%s) + WAIT_LOG_SECONDS ))
until docker logs "$NAME" 2>&1 | grep -qE '.*Node controller sync successful.*'; do
  [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" = true ] || { echo "container exited" >&2; exit 1; }
  [ "$(date +%s)" -lt "$end" ] || { echo "timed out waiting for the log line" >&2; exit 1; }
  sleep 2
done
step "log line seen: $(docker logs "$NAME" 2>&1 | grep -m1 'Node controller sync successful')"

# Like K3sContainer.containerIsStarted: copy /etc/rancher/k3s/k3s.yaml, rewrite the server URL
PORT="$(docker port "$NAME" 6443/tcp | head -n1 | sed 's/.*://')"
docker cp "$NAME:/etc/rancher/k3s/k3s.yaml" "$TMP/kubeconfig"
sed -i "s#server: https://.*#server: https://127.0.0.1:${PORT}#" "$TMP/kubeconfig"
grep -q 'current-context: default' "$TMP/kubeconfig"
if [ -x "$HERE/.out/bin/kubectl" ]; then
  KC=("$HERE/.out/bin/kubectl" --kubeconfig "$TMP/kubeconfig" --request-timeout=20s)
else
  KC=(docker run --rm -i --network host -v "$TMP:/k:ro" --entrypoint /usr/libexec/k3s/kubectl "$IMAGE" --kubeconfig /k/kubeconfig --request-timeout=20s)
fi
k() { "${KC[@]}" "$@"; }

step "node Ready"
k wait --for=condition=Ready node --all --timeout=60s
k get nodes -o wide
k version
k get pods -A -o wide

step "build a local image and import it with ctr (k8s.io namespace, like the product) and 'ctr i import' (like K3sContainer.loadImages)"
mkdir -p "$TMP/web"
cat > "$TMP/web/Dockerfile" <<EOF
FROM $BUSYBOX
RUN mkdir -p /www && echo "hello from sandbox k3s smoke" > /www/index.html
EXPOSE 8080
CMD ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"]
EOF
docker build -q -t "$WEB_IMAGE" "$TMP/web" >/dev/null
docker save "$WEB_IMAGE" | docker exec -i "$NAME" ctr -n k8s.io images import - >/dev/null
docker save "$WEB_IMAGE" -o "$TMP/web.tar"
docker cp "$TMP/web.tar" "$NAME:/tmp/web.tar"
errout="$(docker exec "$NAME" ctr i import /tmp/web.tar 2>&1 >/dev/null)"
[ -z "$errout" ] || { echo "ctr i import wrote to stderr: $errout" >&2; exit 1; }
docker exec "$NAME" ctr -n k8s.io images ls -q | grep -F "docker.io/$WEB_IMAGE"

step "pods: web (locally built image, IfNotPresent) + Service, client"
k create namespace smoke
k apply -n smoke -f - <<EOF
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: web
    image: $WEB_IMAGE
    imagePullPolicy: IfNotPresent
    ports: [{containerPort: 8080, name: http}]
    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 2}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {app: client}}
spec:
  containers:
  - name: client
    image: $BUSYBOX
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
EOF
k -n smoke wait --for=condition=Ready pod/web pod/client --timeout=120s
k -n smoke get pods -o wide

# (busybox 1.35 `wget -T` segfaults; bound it with timeout instead)
fetch() { k -n smoke exec client -- timeout 5 wget -q -O - "$1"; }
step "DNS + HTTP: client -> http://web.smoke.svc.cluster.local/"
ok=
for _ in $(seq 1 15); do if out="$(fetch http://web.smoke.svc.cluster.local/ 2>&1)"; then ok=1; break; fi; sleep 2; done
[ -n "$ok" ] || { echo "service not reachable by DNS name: $out" >&2; exit 1; }
echo "response: $out"
k -n smoke exec client -- nslookup web.smoke.svc.cluster.local 10.43.0.10 | tail -n 3

step "NetworkPolicy: default-deny ingress must block"
k apply -n smoke -f - <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec:
  podSelector: {}
  policyTypes: [Ingress]
EOF
blocked=
for _ in $(seq 1 10); do if ! fetch http://web.smoke.svc.cluster.local/ >/dev/null 2>&1; then blocked=1; break; fi; sleep 2; done
[ -n "$blocked" ] || { echo "default-deny NetworkPolicy did not block traffic" >&2; exit 1; }
echo "blocked as expected"

step "NetworkPolicy: allow client -> web:8080 must unblock"
k apply -n smoke -f - <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-to-web}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: http, protocol: TCP}]
EOF
ok=
for _ in $(seq 1 10); do if out="$(fetch http://web.smoke.svc.cluster.local/ 2>&1)"; then ok=1; break; fi; sleep 2; done
[ -n "$ok" ] || { echo "allow NetworkPolicy did not re-allow traffic: $out" >&2; exit 1; }
echo "allowed again: $out"

step "PVC (local-path, default StorageClass) bound and written by a pod"
k get storageclass
k apply -n smoke -f - <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 16Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  restartPolicy: Never
  containers:
  - name: writer
    image: $BUSYBOX
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo persisted-ok > /data/f && cat /data/f"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data}
EOF
k -n smoke wait --for=jsonpath='{.status.phase}'=Succeeded pod/writer --timeout=120s
k -n smoke get pvc data
[ "$(k -n smoke get pvc data -o jsonpath='{.status.phase}')" = Bound ]
[ "$(k -n smoke logs writer)" = persisted-ok ]
echo "writer log: $(k -n smoke logs writer)"

step "SMOKE PASSED"
