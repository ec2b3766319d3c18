#!/usr/bin/env bash
# Builds the orders-service jar and its container image, tagged orders-service:1.0.0 (the tag the
# production YAML and sandbox.yaml name) and orders-service:dev.
#
#   samples/orders-service/build-image.sh                 # from anywhere in the clone
#   BASE_IMAGE=sandbox-local/jre:21 samples/orders-service/build-image.sh   # a base of your choice
#
# BASE_IMAGE defaults to the official eclipse-temurin:21-jre; when that is not in the local engine,
# the stand-in named by the generated image map (~/.sandbox/local-images.yaml) is used.
# --skip-maven only runs `docker build` on the jar already in target/ (how the Maven build calls it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
base_image="${BASE_IMAGE:-eclipse-temurin:21-jre}"
version="1.0.0"

skip_maven=false
for arg in "$@"; do
  case "$arg" in
    --skip-maven) skip_maven=true ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

if ! docker info >/dev/null 2>&1; then
  ci="${CI:-}"
  if [[ -n "$ci" && "$ci" != "false" ]] || [[ "${SANDBOX_REQUIRE_DOCKER:-false}" == "true" ]]; then
    echo "build-image.sh: no Docker engine answered; start dockerd or set DOCKER_HOST." >&2
    exit 3
  fi
  echo "build-image.sh: no Docker engine answered; not building the image (the @WithCluster tests skip too)."
  exit 0
fi

# No registry here? The image map of the images built on this machine (written by `./sandbox up` and
# `./mvnw verify` from ci/images; README: "Air-gapped use") names a local stand-in for the base image.
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  local_map="${SANDBOX_LOCAL_IMAGES:-$HOME/.sandbox/local-images.yaml}"
  repo="${base_image%:*}"
  stand_in=""
  [[ -f "$local_map" ]] && stand_in="$(sed -n "s|^  \"$repo\": \"\(.*\)\"\$|\1|p" "$local_map" | head -1)"
  if [[ -n "$stand_in" ]] && docker image inspect "$stand_in" >/dev/null 2>&1; then
    echo "build-image.sh: $base_image is not here; using $stand_in (mapped in $local_map)"
    base_image="$stand_in"
  fi
fi

if [[ "$skip_maven" == false ]]; then
  (cd "$root" && ./mvnw -q -DskipTests -DskipITs -Dspotless.check.skip=true install -pl samples/orders-service -am)
fi

jar="$here/target/orders-service.jar"
if [[ ! -f "$jar" ]]; then
  echo "build-image.sh: $jar is missing; run without --skip-maven or run 'mvn package' first." >&2
  exit 1
fi

echo "build-image.sh: building orders-service:$version and orders-service:dev FROM $base_image"
docker build --quiet \
  --build-arg "BASE_IMAGE=$base_image" \
  -t "orders-service:$version" \
  -t "orders-service:dev" \
  "$here"
