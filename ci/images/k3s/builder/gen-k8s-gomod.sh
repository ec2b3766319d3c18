#!/usr/bin/env bash
# Keeps builder/k8s/go.mod consistent with k8s.io/kubernetes@$K8S_VERSION.
# k8s.io/kubernetes' own go.mod replaces every k8s.io/* staging module with
# ./staging/src/k8s.io/<x>, which does not work for a dependent module; we map each of
# them to the published staging module version (v0.<minor>.<patch>). The list is DERIVED
# from the downloaded module's go.mod (never hand-copied), applied with `go mod edit`
# (idempotent, keeps the requirements that `go mod tidy` added).
set -euo pipefail
K8S_VERSION="${K8S_VERSION:-v1.34.4}"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
dir="$(cd "$(dirname "$0")" && pwd)/k8s"
mkdir -p "$dir"
cd "$dir"
[ -f go.mod ] || go mod init sandbox.local/k3s-builder/k8s
gomod="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
[ -f "$gomod" ] || { echo "cannot find go.mod of k8s.io/kubernetes@${K8S_VERSION}" >&2; exit 1; }
args=(-require="k8s.io/kubernetes@${K8S_VERSION}" -go="$(awk '/^go /{print $2; exit}' "$gomod")")
gd="$(awk '/^godebug /{print $2; exit}' "$gomod")"
[ -n "$gd" ] && args+=(-godebug="$gd")
n=0
while read -r mod; do
  args+=(-replace="${mod}=${mod}@${STAGING_VERSION}")
  n=$((n + 1))
done < <(grep -E '^[[:space:]]*k8s\.io/[^ ]+ => \./staging/src/k8s\.io/' "$gomod" | awk '{print $1}')
[ "$n" -gt 20 ] || { echo "only $n staging replaces derived from $gomod, refusing" >&2; exit 1; }
go mod edit "${args[@]}"
echo "builder/k8s/go.mod: k8s.io/kubernetes ${K8S_VERSION}, ${n} staging replaces -> ${STAGING_VERSION}"
