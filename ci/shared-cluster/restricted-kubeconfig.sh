#!/usr/bin/env bash
# What a platform team hands a CI job on a shared cluster, made on the stand-in (ci/shared-cluster):
# two pre-created namespaces (ci-orders, ci-services), a ServiceAccount bound to a Role in each and
# nowhere else, and a kubeconfig (context "ci") holding a two-hour token of it. Prints the path of
# that kubeconfig (owner-only). Usage: ci/shared-cluster/restricted-kubeconfig.sh OUT_FILE
set -euo pipefail
out="$1"
node="$(docker ps -q --filter label=dev.sandbox.name=shared-cluster --filter label=dev.sandbox.component=k3s)"
[[ -n "$node" ]] || { echo "no shared-cluster sandbox runs: ./sandbox up -f ci/shared-cluster/sandbox.yaml" >&2; exit 1; }
kubectl_node() { docker exec -i "$node" kubectl "$@"; }
kubectl_node apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: ci-orders}
---
apiVersion: v1
kind: Namespace
metadata: {name: ci-services}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ci, namespace: ci-services}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ci, namespace: ci-orders}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ci, namespace: ci-services}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: ci-orders}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ci}
subjects: [{kind: ServiceAccount, name: ci, namespace: ci-services}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: ci-services}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ci}
subjects: [{kind: ServiceAccount, name: ci, namespace: ci-services}]
YAML
token="$(kubectl_node -n ci-services create token ci --duration=2h)"
# the API server as the host reaches it (published on 127.0.0.1), and the cluster's CA
server="https://$(docker port "$node" 6443/tcp | head -1)"
ca="$(kubectl_node config view --raw -o 'jsonpath={.clusters[0].cluster.certificate-authority-data}')"
umask 077
cat > "$out" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster: {server: '$server', certificate-authority-data: '$ca'}
users:
- name: ci
  user: {token: '$token'}
contexts:
- name: ci
  context: {cluster: shared, user: ci}
current-context: ci
YAML
echo "$out"
