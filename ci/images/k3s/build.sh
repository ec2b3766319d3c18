#!/usr/bin/env bash
# Builds sandbox-local/k3s:v1.34.4-k3s1 air-gapped (see README.md).
# Idempotent: Go builds use the default GOCACHE/GOMODCACHE; docker builds are skipped
# when an image labelled with the hash of its inputs already exists.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/.out"
K8S_VERSION="${K8S_VERSION:-v1.34.4}"
IMAGE="${K3S_IMAGE:-sandbox-local/k3s:${K8S_VERSION}-k3s1-4}"
BASE="${DEBIAN_BASE_IMAGE:-sandbox-local/debian:bookworm}"
LABEL=sandbox.k3s.inputs-hash
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=0
GOBUILD=(go build -trimpath)

T0=$(date +%s)
phase_start=$T0
phase() { local now; now=$(date +%s); echo "==> [k3s build] $1 ($(( now - phase_start ))s)"; phase_start=$now; }
trap 'echo "==> [k3s build] FAILED at line $LINENO (after $(( $(date +%s) - T0 ))s)" >&2' ERR

mkdir -p "$OUT/bin" "$OUT/images" "$OUT/ctx"
# serialize concurrent invocations (they share $OUT)
exec 9>"$OUT/.lock"
if ! flock -n 9; then echo "==> [k3s build] another build.sh is running, waiting for it"; flock 9; fi

# ------------------------------------------------------------ base image ----
bash "$HERE/build-debian-base.sh"
phase "debian base image ready"

# ------------------------------------------------------------- Go builds ----
# The Go build cache and module cache (go env GOCACHE / GOMODCACHE, under $HOME) are kept between
# builds on this machine: a cold build takes ~10 minutes, a warm one seconds.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null || { echo "go toolchain (1.24 or newer) not found: put it on PATH (or install Debian trixie's golang-go)" >&2; exit 1; }
go version

# Kubernetes v1.34.4 (+ etcd at the version Kubernetes pins, our netpol agent, servicelb and pause).
"$HERE/builder/gen-k8s-gomod.sh"
VPKG=k8s.io/component-base/version
K8S_LDFLAGS="-s -w -X ${VPKG}.gitVersion=${K8S_VERSION}+k3s1 -X ${VPKG}.gitMajor=1 \
 -X ${VPKG}.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X ${VPKG}.gitTreeState=clean \
 -X ${VPKG}.gitCommit=sandbox-local -X ${VPKG}.buildDate=1970-01-01T00:00:00Z"
(cd "$HERE/builder/k8s" && "${GOBUILD[@]}" -ldflags "$K8S_LDFLAGS" -o "$OUT/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
  k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubeadm \
  ./cmd/etcd ./cmd/netpol ./cmd/servicelb ./cmd/pause)
phase "go build kubernetes/etcd/netpol/servicelb/pause"

(cd "$HERE/builder/containerd" && "${GOBUILD[@]}" -tags "no_btrfs no_devmapper no_zfs no_aufs" -ldflags "-s -w" -o "$OUT/bin/" \
  github.com/containerd/containerd/v2/cmd/containerd \
  github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
  github.com/containerd/containerd/v2/cmd/ctr)
phase "go build containerd"

mkdir -p "$OUT/addons"
(cd "$HERE/builder/coredns" && "${GOBUILD[@]}" -ldflags "-s -w" -o "$OUT/addons/coredns" github.com/coredns/coredns)
(cd "$HERE/builder/local-path" && "${GOBUILD[@]}" -ldflags "-s -w" -o "$OUT/addons/local-path-provisioner" github.com/rancher/local-path-provisioner)
(cd "$HERE/builder/metrics-server" && "${GOBUILD[@]}" -ldflags "-s -w" -o "$OUT/addons/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server)
phase "go build coredns/local-path-provisioner/metrics-server"
(cd "$HERE/builder/traefik" && "${GOBUILD[@]}" -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$(go list -m -f '{{.Version}}' github.com/traefik/traefik/v3)" \
  -o "$OUT/addons/traefik" github.com/traefik/traefik/v3/cmd/traefik)
phase "go build traefik"

# --------------------------------------------------------- add-on images ----
hash_of() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-32; }
# build_image NAME CTXDIR TAG... : docker build (skipped when up to date), save to $OUT/images/NAME.tar
build_image() {
  local name="$1" ctx="$2"; shift 2
  local h; h="$(echo "$(hash_of "$ctx") $BASE-$(docker image inspect -f '{{.Id}}' "$BASE")" | sha256sum | cut -c1-32)"
  local main="$1"
  if [ "$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$main" 2>/dev/null || true)" != "$h" ]; then
    local tags=(); for t in "$@"; do tags+=(-t "$t"); done
    docker build -q --label "$LABEL=$h" --build-arg BASE="$BASE" "${tags[@]}" "$ctx" >/dev/null
    echo "built $main"
  else
    for t in "$@"; do docker tag "$main" "$t"; done
  fi
  local id; id="$(docker image inspect -f '{{.Id}}' "$main")"
  if [ ! -f "$OUT/images/$name.tar" ] || [ "$(cat "$OUT/images/$name.id" 2>/dev/null)" != "$id $*" ]; then
    docker save "$@" -o "$OUT/images/$name.tar.tmp" && mv "$OUT/images/$name.tar.tmp" "$OUT/images/$name.tar"
    echo "$id $*" > "$OUT/images/$name.id"
  fi
}
prep_ctx() { # prep_ctx NAME FILE... : fresh build context from images/NAME + files
  local d="$OUT/ctx/$1"; shift
  rm -rf "$d"; mkdir -p "$d"
  cp "$HERE/images/$(basename "$d")/Dockerfile" "$d/"
  for f in "$@"; do cp "$f" "$d/"; done
  echo "$d"
}
build_image pause "$(prep_ctx pause "$OUT/bin/pause")" rancher/mirrored-pause:3.6 registry.k8s.io/pause:3.10
build_image coredns "$(prep_ctx coredns "$OUT/addons/coredns")" rancher/mirrored-coredns-coredns:1.12.4
build_image local-path "$(prep_ctx local-path "$OUT/addons/local-path-provisioner")" rancher/local-path-provisioner:v0.0.30
build_image busybox "$(prep_ctx busybox)" rancher/mirrored-library-busybox:1.36.1
build_image metrics-server "$(prep_ctx metrics-server "$OUT/addons/metrics-server")" rancher/mirrored-metrics-server:v0.8.0
build_image traefik "$(prep_ctx traefik "$OUT/addons/traefik")" rancher/mirrored-library-traefik:3.6.12
phase "add-on images"

# ------------------------------------------------------------ node image ----
ctx="$OUT/ctx/node"
rm -rf "$ctx"; mkdir -p "$ctx/bin" "$ctx/images"
cp "$HERE/node/Dockerfile" "$HERE/node/k3s" "$HERE/node/containerd-config.toml" "$ctx/"
cp -r "$HERE/node/manifests" "$ctx/manifests"
# The CRDs Traefik serves (its own and the Gateway API's standard channel), from the Go modules it is
# built from, at the versions its go.mod names: generated here, never committed.
modroot() { (cd "$HERE/builder/traefik" && go list -m -f '{{.Dir}}' "$1"); }
{ echo "# Generated by build.sh from $(cd "$HERE/builder/traefik" && go list -m -f '{{.Path}}@{{.Version}}' github.com/traefik/traefik/v3 sigs.k8s.io/gateway-api | tr '\n' ' '); disabled with --disable=traefik"
  cat "$(modroot github.com/traefik/traefik/v3)/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml"
  for f in "$(modroot sigs.k8s.io/gateway-api)"/config/crd/standard/*.yaml; do echo "---"; cat "$f"; done
} > "$ctx/manifests/traefik-crd.yaml"
mkdir -p "$ctx/addon-images"
ln "$OUT/images/traefik.tar" "$ctx/addon-images/traefik.tar" 2>/dev/null || cp "$OUT/images/traefik.tar" "$ctx/addon-images/traefik.tar"
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl kubeadm etcd netpol servicelb \
         containerd containerd-shim-runc-v2 ctr; do
  ln "$OUT/bin/$b" "$ctx/bin/$b" 2>/dev/null || cp "$OUT/bin/$b" "$ctx/bin/$b"
done
# image archives are hashed by their image ids (docker save output is not byte-stable)
for n in pause coredns local-path busybox metrics-server; do ln "$OUT/images/$n.tar" "$ctx/images/$n.tar" 2>/dev/null || cp "$OUT/images/$n.tar" "$ctx/images/$n.tar"; done
h="$( { (cd "$ctx" && find . -type f ! -path './images/*' ! -path './addon-images/*' -print0 | sort -z | xargs -0 sha256sum); cat "$OUT"/images/*.id; \
        echo "$K8S_VERSION $BASE $(docker image inspect -f '{{.Id}}' "$BASE")"; } | sha256sum | cut -c1-32)"
if [ "$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$IMAGE" 2>/dev/null || true)" = "$h" ]; then
  echo "$IMAGE is up to date (inputs hash $h)"
else
  docker build --label "$LABEL=$h" --build-arg BASE="$BASE" --build-arg K8S_VERSION="$K8S_VERSION" -t "$IMAGE" "$ctx"
fi
phase "node image $IMAGE"
docker image ls "$IMAGE"
echo "==> [k3s build] done in $(( $(date +%s) - T0 ))s"
