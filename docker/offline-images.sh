#!/usr/bin/env bash
# Builds, from Debian's packages alone, the two base images that the Dockerfile, the compose
# file and the tests ask for, and tags them with the names a registry would have served:
#
#   debian:bookworm-slim  the runtime base of the authbench image (Dockerfile)
#   redis:7.0             the session store (docker-compose.yml, and testcontainers in the tests)
#
# Use it on a machine whose Docker engine cannot pull images. Where a registry is reachable,
# skip it: `docker compose up --build` pulls the official images instead.
#
#   sudo docker/offline-images.sh            # builds the images that are missing
#   sudo docker/offline-images.sh --force    # rebuilds both
#
# Needs root, debootstrap (`apt-get install debootstrap`) and a Debian mirror
# (DEBIAN_MIRROR, default http://deb.debian.org/debian). About 2-4 minutes per image.
set -euo pipefail

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
RUNTIME_IMAGE=debian:bookworm-slim
REDIS_IMAGE=redis:7.0
CACHE=${AUTHBENCH_DEBOOTSTRAP_CACHE:-/var/cache/authbench-debootstrap}

force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then echo "$0: run as root (debootstrap needs it)" >&2; exit 1; fi
command -v debootstrap >/dev/null || { echo "$0: debootstrap missing: apt-get install debootstrap" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "$0: no Docker engine answers" >&2; exit 1; }

work=$(mktemp -d /var/tmp/authbench-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$CACHE"

have() { docker image inspect "$1" >/dev/null 2>&1; }

# A minimal Debian tree: debootstrap's minbase plus the given packages, without the
# documentation, manuals, translations and package lists an image never reads.
rootfs() {
  local dir=$1 include=$2
  debootstrap --variant=minbase ${include:+--include="$include"} --cache-dir="$CACHE" \
    "$SUITE" "$dir" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    return 1
  }
  rm -rf "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
    "$dir"/usr/share/locale/* "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin \
    "$dir"/var/cache/apt/archives/*.deb "$dir"/var/log/*.log
}

if [ "$force" = 1 ] || ! have "$RUNTIME_IMAGE"; then
  echo "building $RUNTIME_IMAGE from $MIRROR ($SUITE, minbase)"
  rootfs "$work/runtime" ""
  tar -C "$work/runtime" --numeric-owner -c . |
    docker import --message "authbench: Debian $SUITE minbase from debootstrap" \
      --change 'CMD ["bash"]' - "$RUNTIME_IMAGE" >/dev/null
else
  echo "$RUNTIME_IMAGE is already here (--force rebuilds it)"
fi

if [ "$force" = 1 ] || ! have "$REDIS_IMAGE"; then
  echo "building $REDIS_IMAGE from $MIRROR ($SUITE, minbase + redis-server)"
  rootfs "$work/redis" "redis-server"
  chroot "$work/redis" install -d -o redis -g redis /data
  # Like the official image: listens on every interface of its container, without
  # protected mode, as the redis user, logging to stdout (testcontainers waits for
  # "Ready to accept connections" there). Persistence is off: sessions are the only data.
  tar -C "$work/redis" --numeric-owner -c . |
    docker import --message "authbench: Debian $SUITE redis-server from debootstrap" \
      --change 'USER redis' --change 'WORKDIR /data' --change 'EXPOSE 6379' \
      --change 'CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]' \
      - "$REDIS_IMAGE" >/dev/null
else
  echo "$REDIS_IMAGE is already here (--force rebuilds it)"
fi

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "^($RUNTIME_IMAGE|$REDIS_IMAGE) "
