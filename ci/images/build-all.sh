#!/usr/bin/env bash
# Builds the local stand-in images (see images.properties) idempotently:
#  * each image is labelled org.sandbox.inputs-hash = sha256 of its build context + base image ID;
#    an image whose label matches is skipped, otherwise it is (re)built with the layer cache;
#  * Debian bases are debootstrapped once (ci/images/base/build.sh), reused when present;
#  * ci/images/k3s/build.sh, if present, runs last.
# Prints a table (image, size, seconds, status) and exits non-zero if anything failed.
# Prints a progress line when an image build starts and one when each image is done (built or
# skipped), for ci/images/prepare.sh and `sandbox up` to render:
#   "build-all: start IMAGE"   and   "build-all: done IMAGE STATUS SECONDS".
# Env: FORCE=1 rebuild the service images (still uses the layer cache), NO_CACHE=1 adds --no-cache,
#      FORCE_BASE=1 re-debootstraps the Debian bases too (shared with other builders: avoid),
#      SKIP_K3S=1 does not run ci/images/k3s/build.sh,
#      ONLY="rancher/k3s postgres ..." builds only the images of these keys of images.properties
#      (and the Debian bases they need).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
props="$here/images.properties"
LABEL=org.sandbox.inputs-hash

prop() { # value for key $1 in images.properties
  local v
  v="$(sed -n "s|^[[:space:]]*$(printf '%s' "$1" | sed 's/[.[\*^$/]/\\&/g')[[:space:]]*=[[:space:]]*||p" "$props" | tail -n1)"
  [[ -n "$v" ]] || { echo "build-all: no '$1=' in $props" >&2; return 1; }
  printf '%s' "$v"
}

# name | context dir | base | official key in images.properties | extra exact tags
SPECS=(
  "postgres|postgres|trixie|postgres|"
  "rabbitmq|rabbitmq|trixie|rabbitmq|"
  "prometheus|prometheus|trixie|prom/prometheus|"
  "ryuk|ryuk|trixie|testcontainers/ryuk|"
  "alpine|alpine|trixie|alpine|"
  "jre|jre|trixie|eclipse-temurin|"
)

rows=()
failed=0
wanted() { [[ -z "${ONLY:-}" ]] || [[ " $ONLY " == *" $1 "* ]]; }
need_trixie=0
for spec in "${SPECS[@]}"; do IFS='|' read -r _ _ _ key _ <<<"$spec"; wanted "$key" && need_trixie=1; done
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
size_of() { docker image inspect -f '{{.Size}}' "$1" 2>/dev/null | awk '{printf "%.0f MB", $1/1000/1000}'; }
add_row() { rows+=("$1|$2|$3|$4"); echo "build-all: done $1 $4 $3"; }

# --- Debian bases -------------------------------------------------------------
for rel in bookworm trixie; do
  img="sandbox-local/debian:$rel"
  # trixie carries the service images; bookworm only k3s (whose own script would build it too)
  if [[ "$rel" == trixie && "$need_trixie" == 0 ]]; then continue; fi
  if [[ "$rel" == bookworm ]] && ! wanted rancher/k3s; then continue; fi
  t0=$(now)
  if docker image inspect "$img" >/dev/null 2>&1 && [[ "${FORCE_BASE:-0}" != 1 ]]; then
    status=skipped
  elif echo "build-all: start $img" && FORCE="${FORCE_BASE:-0}" "$here/base/build.sh" "$rel"; then
    status=built
  else
    status=FAILED; failed=1
  fi
  add_row "$img" "$(size_of "$img")" "$(secs "$t0" "$(now)")" "$status"
done

inputs_hash() { # $1 = context dir, $2 = base image
  local dir="$1" base_id
  base_id="$(docker image inspect -f '{{.Id}}' "$2" 2>/dev/null || echo missing)"
  {
    echo "base=$base_id"
    (cd "$dir" && find . -type f ! -name '*.swp' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

# --- service images -----------------------------------------------------------
for spec in "${SPECS[@]}"; do
  IFS='|' read -r name dir rel key extra <<<"$spec"
  wanted "$key" || continue
  base="sandbox-local/debian:$rel"
  local_tag="$(prop "$key")" || { add_row "$name" - 0 FAILED; failed=1; continue; }
  tags=("$local_tag"); [[ -n "$extra" ]] && tags+=($extra)
  t0=$(now)
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    echo "build-all: base $base missing, cannot build $name" >&2
    add_row "$local_tag" - 0 FAILED; failed=1; continue
  fi
  hash="$(inputs_hash "$here/$dir" "$base")"
  have="$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$local_tag" 2>/dev/null || true)"
  if [[ "$have" == "$hash" && "${FORCE:-0}" != 1 ]]; then
    status=skipped
    for t in "${tags[@]:1}"; do  # make sure the exact extra tags point at the same image
      [[ "$(docker image inspect -f '{{.Id}}' "$t" 2>/dev/null)" == "$(docker image inspect -f '{{.Id}}' "$local_tag")" ]] \
        || docker tag "$local_tag" "$t"
    done
  else
    echo "build-all: start $local_tag"
    echo "=== building $name ($local_tag, inputs $hash) from $base"
    targs=(); for t in "${tags[@]}"; do targs+=(-t "$t"); done
    cache=(); [[ "${NO_CACHE:-0}" == 1 ]] && cache=(--no-cache)
    if DOCKER_BUILDKIT=0 docker build "${cache[@]}" --build-arg "BASE=$base" \
         --label "$LABEL=$hash" --label "org.sandbox.official=$key" "${targs[@]}" "$here/$dir"; then
      status=built
    else
      status=FAILED; failed=1
    fi
  fi
  add_row "$(IFS=,; echo "${tags[*]}")" "$(size_of "$local_tag")" "$(secs "$t0" "$(now)")" "$status"
done

# --- k3s (owned elsewhere) ----------------------------------------------------
if [[ "${SKIP_K3S:-0}" != 1 && -f "$here/k3s/build.sh" ]] && wanted rancher/k3s; then
  k3s_tag="$(prop rancher/k3s)"
  echo "build-all: start $k3s_tag"
  t0=$(now)
  k3s_before="$(docker image inspect -f '{{.Id}}' "$k3s_tag" 2>/dev/null || true)"
  if K3S_IMAGE="$k3s_tag" bash "$here/k3s/build.sh"; then
    if [[ "$(docker image inspect -f '{{.Id}}' "$k3s_tag" 2>/dev/null)" == "$k3s_before" ]]; then status=skipped; else status=built; fi
  else
    status=FAILED; failed=1
  fi
  add_row "$k3s_tag" "$(size_of "$k3s_tag")" "$(secs "$t0" "$(now)")" "$status"
fi

echo
printf '%-58s %10s %9s  %s\n' IMAGE SIZE SECONDS STATUS
for r in "${rows[@]}"; do
  IFS='|' read -r a b c d <<<"$r"
  printf '%-58s %10s %9s  %s\n' "$a" "$b" "$c" "$d"
done
exit "$failed"
