#!/usr/bin/env bash
# Builds, from Debian's packages alone, the two base images that the Dockerfile, the compose
# file and the tests ask for, and tags them with the names a registry would have served:
#
#   debian:bookworm-slim  the runtime base of the authbench image (Dockerfile)
#   redis:7.0             the session store (docker-compose.yml, and testcontainers in the tests)
#   postgres:15           the user database (docker-compose.yml, and testcontainers in the tests),
#                         with an entry point that reads POSTGRES_USER, POSTGRES_PASSWORD or
#                         POSTGRES_PASSWORD_FILE, and POSTGRES_DB as the official image does
#
# Use it on a machine whose Docker engine cannot pull images. Where a registry is reachable,
# skip it: `docker compose up --build` pulls the official images instead.
#
#   sudo docker/offline-images.sh            # builds the images that are missing
#   sudo docker/offline-images.sh --force    # rebuilds them all
#
# Needs root, debootstrap (`apt-get install debootstrap`) and a Debian mirror
# (DEBIAN_MIRROR, default http://deb.debian.org/debian). About 2-4 minutes per image.
set -euo pipefail

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
RUNTIME_IMAGE=debian:bookworm-slim
REDIS_IMAGE=redis:7.0
POSTGRES_IMAGE=postgres:15
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

if [ "$force" = 1 ] || ! have "$POSTGRES_IMAGE"; then
  echo "building $POSTGRES_IMAGE from $MIRROR ($SUITE, minbase + postgresql-15)"
  rootfs "$work/postgres" "postgresql-15"
  # Debian's package makes a cluster of its own at install; the image makes one at first
  # start instead, where the entry point says.
  rm -rf "$work/postgres/var/lib/postgresql/15" "$work/postgres/etc/postgresql/15"
  chroot "$work/postgres" install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
  cat >"$work/postgres/usr/local/bin/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
# The official image's contract, kept small: a cluster made at first start in $PGDATA with
# POSTGRES_USER (default postgres) whose password is POSTGRES_PASSWORD or the content of
# POSTGRES_PASSWORD_FILE, and POSTGRES_DB created; password (SCRAM) logins from any address;
# the server's log on stderr ("database system is ready to accept connections").
set -eu
bin=/usr/lib/postgresql/15/bin
PGDATA=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-postgres}
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE"); fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE}"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  "$bin/initdb" -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "host all all ::/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  db=${POSTGRES_DB:-$user}
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\"" | "$bin/postgres" --single -D "$PGDATA" postgres >/dev/null
  fi
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' -k /tmp "$@"
ENTRY
  chmod 0755 "$work/postgres/usr/local/bin/docker-entrypoint.sh"
  tar -C "$work/postgres" --numeric-owner -c . |
    docker import --message "authbench: Debian $SUITE postgresql-15 from debootstrap" \
      --change 'USER postgres' --change 'ENV PGDATA=/var/lib/postgresql/data' \
      --change 'EXPOSE 5432' \
      --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
      - "$POSTGRES_IMAGE" >/dev/null
else
  echo "$POSTGRES_IMAGE is already here (--force rebuilds it)"
fi

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "^($RUNTIME_IMAGE|$REDIS_IMAGE|$POSTGRES_IMAGE) "
