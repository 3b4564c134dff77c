#!/usr/bin/env bash
# The container tests, part of the README's test command (skipped, saying so, when no
# Docker engine answers):
#
# 1. testcontainers: the HTTP tests (tests/http of each server) again, each with its own Redis
#    container (AUTHBENCH_REDIS=container) and the API tests' PostgreSQL in a container
#    (AUTHBENCH_POSTGRES=container), where `cargo test` used private processes;
# 2. the compose smoke test: builds the authbench image from host binaries, brings the
#    compose file up under a private project name with ephemeral ports and two api-jwt
#    replicas, walks all seven API modes with curl (an API key issued, used and revoked;
#    jwt-userdb refusing a token after its user's logout), revokes a token (jwt-denylist must
#    refuse it, plain jwt still accepts it), stops Redis (session calls and jwt-denylist must
#    get 503 fast, plain JWT calls 200), starts it again (session calls must recover),
#    measures the flows with the loadgen service, then removes everything it made, also
#    when a check fails;
# 3. the Sentinel stack (docker-compose.sentinel.yml on top): the primary container killed,
#    the flows back on the promoted replica, the session and the revocation from before the
#    kill still holding;
# 4. the Redis Cluster stack (docker-compose.cluster.yml on top): three shards, keys on more
#    than one of them, logins, a logout and a revocation across them.
#
# Needs the base images debian:bookworm-slim, redis:7.0 and postgres:15: pulled where a registry
# answers, else built by docker/offline-images.sh. Every wait is bounded; both parts take
# about two minutes after the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! timeout 10 docker info >/dev/null 2>&1; then
  echo "container tests: skipped, no Docker engine answers"
  exit 0
fi
if timeout 10 docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose_cmd=(docker-compose)
else
  echo "container tests: FAILED, a Docker engine answers but neither \`docker compose\` nor docker-compose is installed" >&2
  exit 1
fi

for image in debian:bookworm-slim redis:7.0 postgres:15; do
  if ! docker image inspect "$image" >/dev/null 2>&1 && ! timeout 120 docker pull -q "$image" >/dev/null 2>&1; then
    echo "container tests: FAILED, base image $image is missing and cannot be pulled: run sudo docker/offline-images.sh" >&2
    exit 1
  fi
done

echo "testcontainers: every server's HTTP tests, each with a Redis container of its own, PostgreSQL in a container"
log=$(mktemp /tmp/authbench-testcontainers.XXXXXX)
if ! AUTHBENCH_REDIS=container AUTHBENCH_POSTGRES=container cargo test --workspace --locked -q --test http >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "not ok - the HTTP tests failed with Redis in containers" >&2
  exit 1
fi
passed=$(sed -n 's/^test result: ok\. \([0-9]*\) passed.*/\1/p' "$log" | awk '{ n += $1 } END { print n + 0 }')
rm -f "$log"
[ "$passed" -gt 0 ] || { echo "not ok - no HTTP test ran with Redis in containers" >&2; exit 1; }
echo "ok - $passed HTTP tests pass with Redis and PostgreSQL in containers (testcontainers)"

project="authbench-smoke-$$"
results=$(mktemp -d /tmp/authbench-smoke-results.XXXXXX)
chmod 777 "$results"
export COMPOSE_PROJECT_NAME=$project
export AUTHBENCH_IMAGE="authbench-smoke:$$"
export AUTHBENCH_BUILD_TARGET=host
export AUTHBENCH_RESULTS=$results
export AUTHBENCH_LOAD_DURATION=2s
# Empty: Docker picks free host ports, so the test never collides with a running stack.
export AUTHBENCH_SESSION_AUTH_PORT="" AUTHBENCH_JWT_AUTH_PORT=""
export AUTHBENCH_API_SESSION_PORTS="" AUTHBENCH_API_SESSION_REDIS_PORTS="" AUTHBENCH_API_JWT_PORTS=""
export AUTHBENCH_API_SESSION_CACHED_PORTS="" AUTHBENCH_API_JWT_DENYLIST_PORTS=""
export AUTHBENCH_API_KEY_PORTS="" AUTHBENCH_API_JWT_USERDB_PORTS=""
# A password of this run's own, as a secret file.
export AUTHBENCH_POSTGRES_PASSWORD_FILE
AUTHBENCH_POSTGRES_PASSWORD_FILE=$(mktemp /tmp/authbench-smoke-pg.XXXXXX)
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$AUTHBENCH_POSTGRES_PASSWORD_FILE"
chmod 644 "$AUTHBENCH_POSTGRES_PASSWORD_FILE"
export AUTHBENCH_JWT_SECRET AUTHBENCH_INTROSPECTION_SECRET
AUTHBENCH_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
AUTHBENCH_INTROSPECTION_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

compose() { timeout 180 "${compose_cmd[@]}" "$@"; }
cleanup() {
  status=$?
  if [ "$status" -ne 0 ]; then
    echo "--- container logs (last 30 lines each) ---" >&2
    compose logs --no-color --tail=30 >&2 || true
  fi
  compose --profile loadgen down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
  docker image rm -f "$AUTHBENCH_IMAGE" >/dev/null 2>&1 || true
  rm -rf "$results"
  rm -f "$AUTHBENCH_POSTGRES_PASSWORD_FILE"
  if [ "$status" -eq 0 ]; then echo "compose smoke test: passed"; else echo "compose smoke test: FAILED" >&2; fi
}
trap cleanup EXIT

fail() { echo "not ok - $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# wait_ready N SECONDS WHAT: waits until the project's N long-running containers are healthy
# and its one-shot containers (db-init, redis-cluster-init) have exited with 0. Counted from
# Docker's own labels, so Compose v1 and v2 (whose `ps` leaves exited containers out) agree.
wait_ready() {
  local want=$1 within=$2 what=$3 deadline=$((SECONDS + $2)) ids states waiting count
  while :; do
    ids=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
    states=$(for id in $ids; do docker inspect -f '{{.Name}} {{.State.Status}}/{{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{else}}no-check{{end}}' "$id"; done)
    waiting=$(echo "$states" | grep -v ' healthy$' | grep -v -E '(db-init|redis-cluster-init).* exited/0 no-check$' || true)
    count=$(echo "$states" | grep -c -v -E '(db-init|redis-cluster-init)' || true)
    [ -z "$waiting" ] && [ "$count" -eq "$want" ] && return 0
    [ $SECONDS -ge $deadline ] && fail "$what: not ready within $within s ($count of $want long-running containers): $waiting"
    sleep 1
  done
}

echo "building the release binaries and the image (target host)"
cargo build --release --locked -q -p api -p session-auth -p jwt-auth -p workbench
compose build -q session-auth >/dev/null

# docker-compose v1 has no `up --wait`: wait for every health check here.
compose up -d --scale api-jwt=2 >/dev/null 2>&1 || { compose up -d --scale api-jwt=2; fail "compose up"; }
wait_ready 12 120 "the stack"
ok "all 12 servers (redis, postgres, two auth servers, api-session, api-session-redis, api-session-cached, 2 x api-jwt, api-jwt-denylist, api-key, api-jwt-userdb) are healthy; db-init ran once and exited 0"

port() { compose port "$1" "$2" | tail -1 | sed 's/.*://'; }
session_auth="http://127.0.0.1:$(port session-auth 8081)"
jwt_auth="http://127.0.0.1:$(port jwt-auth 8082)"
api_session="http://127.0.0.1:$(port api-session 8080)"
api_session_redis="http://127.0.0.1:$(port api-session-redis 8080)"
api_jwt="http://127.0.0.1:$(port api-jwt 8080)"
api_session_cached="http://127.0.0.1:$(port api-session-cached 8080)"
api_jwt_denylist="http://127.0.0.1:$(port api-jwt-denylist 8080)"
api_key="http://127.0.0.1:$(port api-key 8080)"
api_jwt_userdb="http://127.0.0.1:$(port api-jwt-userdb 8080)"

# status URL [curl args...]: the HTTP status, or 000 when nothing answered within 5 s.
status() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" || true; }
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

login='{"username":"alice","password":"alice-demo-password"}'
session_id=$(curl -s -m 10 -H 'Content-Type: application/json' -d "$login" "$session_auth/login" | json_field session_id)
[ -n "$session_id" ] || fail "session login returned no session_id"
token=$(curl -s -m 10 -H 'Content-Type: application/json' -d "$login" "$jwt_auth/login" | json_field access_token)
[ -n "$token" ] || fail "JWT login returned no access_token"
ok "alice logs in at both auth servers"

for api in "$api_session" "$api_session_redis" "$api_session_cached"; do
  s=$(status -H "Authorization: Bearer $session_id" "$api/api/departments")
  [ "$s" = 200 ] || fail "$api/api/departments with the session id answered $s"
done
for api in "$api_jwt" "$api_jwt_denylist" "$api_jwt_userdb"; do
  s=$(status -H "Authorization: Bearer $token" "$api/api/departments")
  [ "$s" = 200 ] || fail "$api/api/departments with the token answered $s"
done
issued=$(curl -s -m 10 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"name":"smoke"}' "$jwt_auth/api-keys")
api_key_value=$(echo "$issued" | json_field key)
api_key_id=$(echo "$issued" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
[ -n "$api_key_value" ] && [ -n "$api_key_id" ] || fail "POST /api-keys gave no key: $issued"
s=$(status -H "Authorization: Bearer $api_key_value" "$api_key/api/departments")
[ "$s" = 200 ] || fail "$api_key/api/departments with the API key answered $s"
ok "/api/departments answers 200 through all seven API modes (an API key issued at jwt-auth for api-key)"

s=$(status -X DELETE -H "Authorization: Bearer $token" "$jwt_auth/api-keys/$api_key_id")
[ "$s" = 204 ] || fail "DELETE /api-keys/$api_key_id answered $s"
s=$(status -H "Authorization: Bearer $api_key_value" "$api_key/api/departments")
[ "$s" = 401 ] || fail "api-key answered $s to a revoked key (want 401)"
bob='{"username":"bob","password":"bob-demo-password"}'
bob_tokens=$(curl -s -m 10 -H 'Content-Type: application/json' -d "$bob" "$jwt_auth/login")
bob_access=$(echo "$bob_tokens" | json_field access_token)
bob_refresh=$(echo "$bob_tokens" | json_field refresh_token)
s=$(status -d "token=$bob_refresh" -d "client_id=authbench-login" "$jwt_auth/oauth/revoke")
[ "$s" = 200 ] || fail "bob's logout (POST /oauth/revoke) answered $s"
s=$(status -H "Authorization: Bearer $bob_access" "$api_jwt_userdb/api/me")
[ "$s" = 401 ] || fail "api-jwt-userdb answered $s to a token from before its user's logout (want 401)"
s=$(status -H "Authorization: Bearer $bob_access" "$api_jwt/api/me")
[ "$s" = 200 ] || fail "api-jwt answered $s to bob's unexpired token (want 200)"
ok "PostgreSQL's flows: a revoked key is refused at once; after a logout jwt-userdb refuses the old token, plain jwt still takes it"

# RFC 7009: a revoked access token is refused at once by api-jwt-denylist; plain api-jwt
# accepts it until it expires (the JWT flow's known weak spot).
revoked=$(curl -s -m 10 -H 'Content-Type: application/json' -d "$login" "$jwt_auth/login" | json_field access_token)
s=$(status -d "token=$revoked" -d "client_id=authbench-login" "$jwt_auth/oauth/revoke")
[ "$s" = 200 ] || fail "POST /oauth/revoke answered $s"
s=$(status -H "Authorization: Bearer $revoked" "$api_jwt_denylist/api/departments")
[ "$s" = 401 ] || fail "api-jwt-denylist answered $s to a revoked token (want 401)"
s=$(status -H "Authorization: Bearer $revoked" "$api_jwt/api/departments")
[ "$s" = 200 ] || fail "api-jwt answered $s to a revoked, unexpired token (want 200)"
ok "a revoked token: 401 at api-jwt-denylist at once, still 200 at api-jwt"

header=$(curl -s -D - -o /dev/null -m 5 -H 'Authorization: Bearer not-a-token' "$api_jwt/api/departments" | tr -d '\r')
echo "$header" | grep -q '^HTTP/1.1 401' || fail "a forged token was not refused with 401"
echo "$header" | grep -qi '^www-authenticate: Bearer.*invalid_token' || fail "401 without an RFC 6750 WWW-Authenticate"
ok "a forged token gets 401 with WWW-Authenticate: Bearer error=\"invalid_token\""

compose stop -t 2 redis >/dev/null 2>&1
took=""
for api in "$api_session" "$api_session_redis"; do
  read -r s t < <(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $session_id" "$api/api/departments" || echo "000 5")
  [ "$s" = 503 ] || fail "with Redis stopped, $api answered $s (want 503)"
  # The servers give up on a dependency after dependency_timeout_ms (1 s by default).
  awk -v t="$t" 'BEGIN { exit !(t < 1.5) }' || fail "with Redis stopped, $api took $t s to answer 503"
  took="$took ${t}s"
done
for _ in 1 2 3; do
  s=$(status -H "Authorization: Bearer $token" "$api_jwt/api/departments")
  [ "$s" = 200 ] || fail "with Redis stopped, api-jwt answered $s (want 200)"
done
s=$(status -H "Authorization: Bearer $token" "$api_jwt_denylist/api/departments")
[ "$s" = 503 ] || fail "with Redis stopped, api-jwt-denylist answered $s (want 503: it fails closed)"
ok "Redis stopped: session calls and jwt-denylist get 503 (session in$took), plain JWT calls still get 200"

compose start redis >/dev/null 2>&1
deadline=$((SECONDS + 20))
for api in "$api_session" "$api_session_redis"; do
  # Redis keeps an append-only file: the session from before the restart is still live.
  until [ "$(status -H "Authorization: Bearer $session_id" "$api/api/departments")" = 200 ]; do
    [ $SECONDS -ge $deadline ] && fail "$api did not accept the session from before Redis' restart within 20 s"
    sleep 0.2
  done
done
[ "$(status -H 'Content-Type: application/json' -d "$login" "$session_auth/login")" = 200 ] ||
  fail "session-auth did not log in again after Redis' return"
until [ "$(status -H "Authorization: Bearer $token" "$api_jwt_denylist/api/departments")" = 200 ]; do
  [ $SECONDS -ge $deadline ] && fail "api-jwt-denylist did not recover within 20 s of Redis' return"
  sleep 0.2
done
s=$(status -H "Authorization: Bearer $revoked" "$api_jwt_denylist/api/departments")
[ "$s" = 401 ] || fail "after Redis' restart api-jwt-denylist answered $s to the token revoked before it (want 401)"
ok "Redis back: the session from before the restart still answers 200, the revoked token is still refused, logins work"

compose --profile loadgen run --rm -T loadgen >"$results/loadgen.log" 2>&1 ||
  { cat "$results/loadgen.log" >&2; fail "the loadgen service failed"; }
[ -s "$results/remote.json" ] || fail "the loadgen service wrote no results/remote.json"
runs=$(grep -c '"label": "max"' "$results/remote.json")
[ "$runs" -eq 8 ] || fail "remote.json holds $runs runs, want 8 (baseline, session, session-redis, jwt-hs256, session-cached, jwt-denylist, jwt-userdb, api-key)"
grep -q '"api_replicas": 2' "$results/remote.json" || fail "the loadgen service did not see both api-jwt replicas"
ok "the loadgen service measured 8 flows (api-jwt as 2 replicas) into the mounted folder"

# 3. The Sentinel topology (docker-compose.sentinel.yml on top): the primary container is
#    killed under a few requests; the servers must follow the promoted replica without a
#    restart, the session acknowledged before the kill must still be live (its login waited
#    for a replica), and the token revoked before it must stay revoked.
compose --profile loadgen down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
export COMPOSE_PROJECT_NAME="authbench-sentinel-$$"
export COMPOSE_FILE="docker-compose.yml:docker-compose.sentinel.yml"
compose up -d >/dev/null 2>&1 || { compose up -d; fail "compose up with docker-compose.sentinel.yml"; }
wait_ready 16 150 "the Sentinel stack"
ok "the Sentinel stack is healthy: a primary, two replicas, three sentinels and the servers"

session_auth="http://127.0.0.1:$(port session-auth 8081)"
jwt_auth="http://127.0.0.1:$(port jwt-auth 8082)"
api_session="http://127.0.0.1:$(port api-session 8080)"
api_session_redis="http://127.0.0.1:$(port api-session-redis 8080)"
api_jwt_denylist="http://127.0.0.1:$(port api-jwt-denylist 8080)"
api_key="http://127.0.0.1:$(port api-key 8080)"
api_jwt_userdb="http://127.0.0.1:$(port api-jwt-userdb 8080)"
session_id=$(curl -s -m 10 -H 'Content-Type: application/json' -d "$login" "$session_auth/login" | json_field session_id)
[ -n "$session_id" ] || fail "session login through the sentinels returned no session_id"
token=$(curl -s -m 10 -H 'Content-Type: application/json' -d "$login" "$jwt_auth/login" | json_field access_token)
revoked=$(curl -s -m 10 -H 'Content-Type: application/json' -d "$login" "$jwt_auth/login" | json_field access_token)
s=$(status -d "token=$revoked" -d "client_id=authbench-login" "$jwt_auth/oauth/revoke")
[ "$s" = 200 ] || fail "POST /oauth/revoke through the sentinels answered $s"
[ "$(status -H "Authorization: Bearer $revoked" "$api_jwt_denylist/api/departments")" = 401 ] ||
  fail "api-jwt-denylist accepted a revoked token before the kill"
ok "a login and a revocation acknowledged through the sentinels (each waited for a replica)"

compose kill redis >/dev/null 2>&1
ok "the primary container is killed (SIGKILL)"
deadline=$((SECONDS + 30))
for api in "$api_session" "$api_session_redis"; do
  until [ "$(status -H "Authorization: Bearer $session_id" "$api/api/departments")" = 200 ]; do
    [ $SECONDS -ge $deadline ] && fail "$api did not accept the session from before the kill within 30 s"
    sleep 0.2
  done
done
until [ "$(status -H "Authorization: Bearer $token" "$api_jwt_denylist/api/departments")" = 200 ]; do
  [ $SECONDS -ge $deadline ] && fail "api-jwt-denylist did not answer again within 30 s of the kill"
  sleep 0.2
done
s=$(status -H "Authorization: Bearer $revoked" "$api_jwt_denylist/api/departments")
[ "$s" = 401 ] || fail "after the failover api-jwt-denylist answered $s to the token revoked before it (want 401)"
[ "$(status -H 'Content-Type: application/json' -d "$login" "$session_auth/login")" = 200 ] ||
  fail "session-auth did not log in on the new primary"
ok "after the failover: the session from before the kill answers 200, the revoked token is still refused, logins work"

# 4. The Redis Cluster (docker-compose.cluster.yml on top): three shards formed by a one-shot
#    container, every server reaching all three; the users' keys land on more than one
#    shard, and logins, logouts and the denylist work across them.
compose down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
export COMPOSE_PROJECT_NAME="authbench-cluster-$$"
export COMPOSE_FILE="docker-compose.yml:docker-compose.cluster.yml"
compose up -d >/dev/null 2>&1 || { compose up -d; fail "compose up with docker-compose.cluster.yml"; }
wait_ready 13 150 "the cluster stack"
ok "the cluster stack is healthy: three shards formed, the servers reaching all of them"

session_auth="http://127.0.0.1:$(port session-auth 8081)"
jwt_auth="http://127.0.0.1:$(port jwt-auth 8082)"
api_session="http://127.0.0.1:$(port api-session 8080)"
api_session_redis="http://127.0.0.1:$(port api-session-redis 8080)"
api_jwt_denylist="http://127.0.0.1:$(port api-jwt-denylist 8080)"
api_key="http://127.0.0.1:$(port api-key 8080)"
api_jwt_userdb="http://127.0.0.1:$(port api-jwt-userdb 8080)"
sessions=""
for user in alice bob carol; do
  id=$(curl -s -m 10 -H 'Content-Type: application/json' -d "{\"username\":\"$user\",\"password\":\"$user-demo-password\"}" "$session_auth/login" | json_field session_id)
  [ -n "$id" ] || fail "$user's session login on the cluster returned no session_id"
  for api in "$api_session" "$api_session_redis"; do
    s=$(status -H "Authorization: Bearer $id" "$api/api/departments")
    [ "$s" = 200 ] || fail "$api answered $s to $user's session on the cluster"
  done
  sessions="$sessions $id"
done
holding=0
for node in redis redis-2 redis-3; do
  keys=$(compose exec -T "$node" redis-cli --no-auth-warning dbsize | tr -d '\r')
  [ "${keys:-0}" -gt 0 ] && holding=$((holding + 1))
done
[ "$holding" -ge 2 ] || fail "the three users' keys sit on $holding shard(s), want 2 or more"
ok "three users' sessions answer 200 through api-session and api-session-redis, their keys on $holding of 3 shards"

first=$(echo "$sessions" | awk '{print $1}')
s=$(status -X POST -H "Authorization: Bearer $first" "$session_auth/logout")
[ "$s" = 204 ] || fail "logout on the cluster answered $s"
[ "$(status -H "Authorization: Bearer $first" "$api_session_redis/api/departments")" = 401 ] ||
  fail "a logged-out session still answered on the cluster"
revoked=$(curl -s -m 10 -H 'Content-Type: application/json' -d "$login" "$jwt_auth/login" | json_field access_token)
[ "$(status -H "Authorization: Bearer $revoked" "$api_jwt_denylist/api/departments")" = 200 ] ||
  fail "api-jwt-denylist refused a fresh token on the cluster"
s=$(status -d "token=$revoked" -d "client_id=authbench-login" "$jwt_auth/oauth/revoke")
[ "$s" = 200 ] || fail "POST /oauth/revoke on the cluster answered $s"
[ "$(status -H "Authorization: Bearer $revoked" "$api_jwt_denylist/api/departments")" = 401 ] ||
  fail "api-jwt-denylist accepted a token revoked on the cluster"
ok "on the cluster: a logout ends the session at once, a revoked token is refused by api-jwt-denylist"
