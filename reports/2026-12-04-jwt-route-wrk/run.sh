#!/bin/bash
# The issue's check, by hand: the API server's JWT route beside its own no-auth route and
# beside jwt-floor, under one wrk command each (1 thread, 64 connections, 10 s, 3 rounds
# interleaved), one worker per server, servers on CPU 0 and wrk on CPU 1; CPU from /proc.
set -u
BIN=${BIN:-/work/main/target/release/workbench}
cd /work/main
redis-server --port 6391 --save '' --appendonly no --daemonize no >/tmp/wrkcheck/redis.log 2>&1 &
RPID=$!
sleep 0.5
export APP_REDIS__URL=redis://127.0.0.1:6391 APP_REDIS__KEY_PREFIX=wrkcheck
export APP_JWT__SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '/+=' | head -c 48)
export APP_INTROSPECTION__CLIENT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '/+=' | head -c 48)
export APP_JWT__ISSUER=http://127.0.0.1:9101 APP_JWT__JWKS_URL=http://127.0.0.1:9101/.well-known/jwks.json
export APP_JWT__ACCESS_TTL_SECS=3600 RUST_LOG=warn
export APP_JWT_AUTH__WORKERS=1 APP_API__WORKERS=1 APP_SESSION_AUTH__WORKERS=1
APP_JWT_AUTH__PORT=9101 taskset -c 0 $BIN serve jwt-auth & AUTH=$!
APP_API__PORT=9102 APP_API__MODE=jwt taskset -c 0 $BIN serve api & API=$!
APP_API__PORT=9103 taskset -c 0 $BIN serve jwt-floor & FLOOR=$!
sleep 2
TOKEN=$(curl -s -X POST http://127.0.0.1:9101/login -H 'content-type: application/json' \
  -d '{"username":"bob","password":"bob-demo-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
tck=$(getconf CLK_TCK)
for u in "http://127.0.0.1:9102/api/departments" "http://127.0.0.1:9103/api/departments"; do
  test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" $u)" = 200 || echo "not 200: $u"
done
for round in 1 2 3; do
  for case in "api-public $API http://127.0.0.1:9102/public/departments" "api-jwt $API http://127.0.0.1:9102/api/departments" "floor $FLOOR http://127.0.0.1:9103/api/departments"; do
    set -- $case
    taskset -c 1 wrk -t1 -c64 -d2s -H "Authorization: Bearer $TOKEN" $3 >/dev/null 2>&1
    before=$(cpu $2)
    out=$(taskset -c 1 wrk -t1 -c64 -d10s -H "Authorization: Bearer $TOKEN" $3)
    after=$(cpu $2)
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    us=$(python3 -c "print(round(($after-$before)/$tck*1e6/$reqs,2))")
    echo "round $round $1: $rps req/s, $us µs CPU per request, non-2xx ${non2xx:-0}"
  done
done
kill $AUTH $API $FLOOR $RPID
wait 2>/dev/null
