#!/usr/bin/env bash
# Makes sure the images a sandbox (or this project's test suite) runs are on this machine: each is
# present, or pulled, or — when no registry serves it — built from the recipes in this folder. Then
# writes the image map of the local stand-ins it uses (official -> sandbox-local/*), the generated
# layer of the user config (README: "Air-gapped use"), so that the product and the tests use them.
#
#   ci/images/prepare.sh [--no-build] [--map FILE] IMAGE...
#
#   IMAGE       an official image (postgres:17), or OFFICIAL=EFFECTIVE when the caller already applied
#               its image map (what `sandbox up` passes). Images without a recipe are left alone.
#   --map FILE  the generated map (default: $SANDBOX_LOCAL_IMAGES, else ~/.sandbox/local-images.yaml)
#   --no-build  exit 3 instead of building, naming the command to run
#
# Fast when everything is there (one `docker image inspect` per image). "Not pullable" is decided in
# seconds: SANDBOX_OFFLINE=true says so, otherwise one pull of a missing official image must hear
# from its registry within PROBE_SECONDS (5). Builds run under a machine-wide lock and are
# idempotent (build-all.sh). Exit: 0 ready, 3 missing (--no-build), 1 a build failed.
# Lines for callers to render start with "prepare: " and "build-all: "; the rest is build output.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
props="$here/images.properties"
map="${SANDBOX_LOCAL_IMAGES:-$HOME/.sandbox/local-images.yaml}"
no_build=0
probe_seconds="${PROBE_SECONDS:-5}"
args=()
while (( $# )); do
  case "$1" in
    --no-build) no_build=1 ;;
    --map) map="${2:?--map needs a file}"; shift ;;
    --) ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "prepare.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) args+=("$1") ;;
  esac
  shift
done
say() { echo "prepare: $*"; }

if ! docker info >/dev/null 2>&1; then
  say "info no Docker engine answers; nothing to prepare"
  exit 0
fi

# official repository -> local stand-in, from images.properties
declare -A kit=()
trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; echo "${s%"${s##*[![:space:]]}"}"; }
while IFS='=' read -r key value; do
  key="$(trim "$key")"; value="$(trim "$value")"
  [[ -z "$key" || "$key" == \#* || -z "$value" ]] && continue
  kit["$key"]="$value"
done < "$props"
# entries of an earlier generated map
declare -A mapped=()
if [[ -f "$map" ]]; then
  while IFS= read -r line; do
    if [[ "$line" =~ ^[[:space:]]+\"([^\"]+)\":[[:space:]]+\"([^\"]+)\" ]]; then
      mapped["${BASH_REMATCH[1]}"]="${BASH_REMATCH[2]}"
    fi
  done < "$map"
fi

present() { docker image inspect "$1" >/dev/null 2>&1; }
repository() { local r="${1%@*}"; [[ "${r##*/}" == *:* ]] && r="${r%:*}"; r="${r#docker.io/}"; echo "${r#library/}"; }

missing=()        # repositories whose stand-in must be built
probe=""          # a missing official image, to ask its registry
uses_kit=0
for arg in "${args[@]}"; do
  official="${arg%%=*}"
  repo="$(repository "$official")"
  if [[ "$arg" == *=* ]]; then effective="${arg#*=}"; else effective="${mapped[$repo]:-$official}"; fi
  local_tag="${kit[$repo]:-}"
  if [[ -n "$local_tag" && "$effective" != "$local_tag" && "$effective" == "${mapped[$repo]:-}" ]]; then
    # the generated map names an older build of the recipe (its tag's revision went up since)
    say "info $effective is an older build of the recipe for $repo; using $local_tag"
    effective="$local_tag"
  fi
  if present "$effective"; then
    [[ -n "$local_tag" && "$effective" == "$local_tag" ]] && uses_kit=1
    say "present $official -> $effective"
  elif [[ -n "$local_tag" && ( "$effective" == "$official" || "$effective" == "$local_tag" ) ]]; then
    if present "$local_tag"; then
      uses_kit=1
      say "present $official -> $local_tag"
    else
      missing+=("$repo")
      [[ -z "$probe" && "$effective" == "$official" ]] && probe="$official"
    fi
  else
    say "info $effective is not here and has no recipe in $here; sandbox will pull it"
  fi
done

# pull_answers IMAGE: 0 when the registry answered within the probe time (the pull then finishes)
pull_answers() {
  local log; log="$(mktemp)"
  docker pull "$1" >"$log" 2>&1 &
  local pid=$! deadline=$(( SECONDS + probe_seconds ))
  while kill -0 "$pid" 2>/dev/null; do
    if grep -qE 'Pulling from|Pulling fs layer|Already exists|Digest:' "$log"; then
      wait "$pid"; local rc=$?; rm -f "$log"; return "$rc"
    fi
    if (( SECONDS >= deadline )); then
      kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
      say "info no answer from the registry of $1 within ${probe_seconds}s"; rm -f "$log"; return 1
    fi
    sleep 0.2
  done
  wait "$pid"; local rc=$?
  (( rc == 0 )) || say "info $1 cannot be pulled: $(grep -m1 -iE 'error|denied|not found' "$log" | cut -c1-200)"
  rm -f "$log"; return "$rc"
}

if (( ${#missing[@]} )) && [[ -n "$probe" ]]; then
  offline="${SANDBOX_OFFLINE:-false}"
  if [[ "$offline" == true || "$offline" == 1 ]]; then
    say "info offline (SANDBOX_OFFLINE): not pulling"
  elif pull_answers "$probe"; then
    # a registry serves the official images: the engine pulls what is missing, nothing to build
    say "info a registry serves $probe; the other missing images will be pulled"
    keep=()
    for repo in "${missing[@]}"; do
      for arg in "${args[@]}"; do
        official="${arg%%=*}"
        [[ "$(repository "$official")" == "$repo" ]] || continue
        if [[ "$arg" == *=* ]]; then effective="${arg#*=}"; else effective="${mapped[$repo]:-$official}"; fi
        [[ "$effective" == "${mapped[$repo]:-}" ]] && effective="${kit[$repo]}"
        [[ "$effective" == "${kit[$repo]}" ]] && keep+=("$repo")
      done
    done
    missing=("${keep[@]}")
  fi
fi

if (( ${#missing[@]} )); then
  names=(); for repo in "${missing[@]}"; do names+=("${kit[$repo]}"); done
  estimate="a few minutes"
  [[ " ${missing[*]} " == *" rancher/k3s "* ]] && estimate="about 18 to 20 minutes on 2 cores, mostly k3s from source; Go caches make later builds quick"
  if (( no_build )); then
    say "error Not in the local Docker engine, and no registry serves the official images: ${names[*]}. Run \`./sandbox up\` without --no-build to build them from $here ($estimate), or map the images to ones you have under image-map in ~/.sandbox/config.yaml."
    exit 3
  fi
  say "info building ${#missing[@]} local image(s) from $here: ${names[*]}; the first build takes $estimate"
  exec 8>"/tmp/sandbox-images-build.lock"
  chmod 0666 /tmp/sandbox-images-build.lock 2>/dev/null || true
  if ! flock -n 8; then say "info another build of the local images runs; waiting for it"; flock 8; fi
  ONLY="${missing[*]}" bash "$here/build-all.sh" || { say "error building the local images failed (output above)"; exit 1; }
  uses_kit=1
fi

if (( uses_kit )); then
  mkdir -p "$(dirname "$map")"
  tmp="$map.tmp.$$"
  {
    echo "# Generated by ci/images/prepare.sh from ci/images/images.properties: the images built on this"
    echo "# machine. Rewritten on every build; put your own entries in ~/.sandbox/config.yaml (they win)."
    echo "image-map:"
    for repo in $(printf '%s\n' "${!kit[@]}" | sort); do
      present "${kit[$repo]}" && printf '  "%s": "%s"\n' "$repo" "${kit[$repo]}"
    done
  } > "$tmp" && mv "$tmp" "$map"
  say "map $map"
fi
exit 0
