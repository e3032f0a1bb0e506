#!/bin/sh
# Build a local stand-in for the Dockerfile's base image, python:3.11-slim-bookworm, where Docker Hub
# cannot be reached: a minimal Debian 12 root (scripts/bookworm-root.sh: the host's Debian mirror,
# the host's CA bundle so that pip reaches PyPI through the host's proxy) with Debian's own Python
# 3.11, venv and pip, imported as a Docker image. What differs from the real base: Debian's python3.11
# (/usr/bin, 3.11.2) instead of a CPython built into /usr/local (the latest 3.11.x); setup.sh only
# needs `python3` with venv. Then:
#   docker build --network host --build-arg BASE_IMAGE=mplt-base:bookworm -t mplt:latest .
# Needs root, debootstrap and a running Docker engine.   Usage: make-bookworm-base.sh [TAG]
set -eu
TAG=${1:-mplt-base:bookworm}
here=$(cd "$(dirname "$0")" && pwd)
command -v docker >/dev/null || { echo "error: docker is not installed" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "error: no Docker engine answers (is dockerd running?)" >&2; exit 1; }
WORK=$(mktemp -d /var/tmp/mplt-base.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
"$here/bookworm-root.sh" "$WORK/root" python3 python3-venv python3-pip
# `python`, as in the python images; PEP 668 keeps pip out of the system Python, setup.sh uses a venv.
ln -sf /usr/bin/python3 "$WORK/root/usr/local/bin/python"
echo "[base] docker import -> $TAG"
tar -C "$WORK/root" --numeric-owner -c . \
  | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$TAG" >/dev/null
echo "[base] $TAG: $(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1/1e6}'), python $(docker run --rm "$TAG" python3 -c 'import platform; print(platform.python_version())'), $(( $(date +%s) - start )) s"
