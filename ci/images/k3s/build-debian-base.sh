#!/usr/bin/env bash
# Builds sandbox-local/debian:bookworm from Debian apt repos with debootstrap
# (no registry available). Reused if it already exists (another helper may build it
# with the same name and command).
set -euo pipefail
IMG="${DEBIAN_BASE_IMAGE:-sandbox-local/debian:bookworm}"
if docker image inspect "$IMG" >/dev/null 2>&1; then echo "base image $IMG exists, reusing"; exit 0; fi
command -v debootstrap >/dev/null || apt-get install -y debootstrap
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
debootstrap --variant=minbase bookworm "$tmp/rootfs" http://deb.debian.org/debian
tar -C "$tmp/rootfs" -c . | docker import - "$IMG"
echo "built $IMG"
