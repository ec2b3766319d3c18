#!/usr/bin/env bash
# Build a minimal Debian base image (sandbox-local/debian:<release>) with debootstrap.
# Idempotent: does nothing if the image already exists (set FORCE=1 to rebuild).
# Usage: ci/images/base/build.sh bookworm|trixie
set -euo pipefail
release="${1:?usage: $0 <release>}"
image="sandbox-local/debian:${release}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [[ "${FORCE:-0}" != 1 ]] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "base: $image present, skipping"
  exit 0
fi

# Serialise with any other builder of the same base on this machine.
exec 9>"/tmp/sandbox-debootstrap-${release}.lock"
flock 9
if [[ "${FORCE:-0}" != 1 ]] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "base: $image appeared while waiting, skipping"
  exit 0
fi

if ! command -v debootstrap >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
fi

dir="$(mktemp -d "/tmp/sandbox-rootfs-${release}.XXXXXX")"
trap 'rm -rf "$dir"' EXIT
debootstrap --variant=minbase "$release" "$dir" "$mirror"

# Container-friendly tweaks: full sources (updates + security via deb.debian.org),
# no recommends, no cached packages/lists in the image.
cat >"$dir/etc/apt/sources.list" <<SRC
deb ${mirror} ${release} main
deb ${mirror} ${release}-updates main
deb ${mirror%/debian}/debian-security ${release}-security main
SRC
cat >"$dir/etc/apt/apt.conf.d/90sandbox" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
APT
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log "$dir"/tmp/*
tar -C "$dir" --numeric-owner -c . | docker import \
  -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' \
  -m "debootstrap --variant=minbase ${release} ${mirror}" - "$image"
echo "base: built $image"
