#!/usr/bin/env bash
# Authenticated requests per second and latency under wrk: GET /v1/keys/{id} with an admin key
# (authentication, role check, rate limit, one RLS-scoped query, JSON). Starts its own gateway
# on embedded PostgreSQL with limits far above the load. Usage: bench/http-auth.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
conns=${2:-64}
dir=$(mktemp -d)
cat >"$dir/warden.yaml" <<YAML
port: 0
data_dir: $dir/data
key_rate_per_second: 1000000
key_burst: 1000000
tenant_rate_per_second: 1000000
tenant_burst: 1000000
YAML
./warden serve --config "$dir/warden.yaml" >"$dir/out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "listening on http" "$dir/out" && break; sleep 0.5; done
url=$(grep -o "http://127.0.0.1:[0-9]*" "$dir/out" | head -1)
op=$(grep -o 'wdn_[A-Za-z0-9_-]*' "$dir/out" | head -1)
admin=$(curl -fsS -X POST "$url/v1/tenants" -H "Authorization: Bearer $op" -H 'Content-Type: application/json' \
  -d '{"name":"bench"}' | sed -E 's/.*"secret":"([^"]+)".*/\1/')
keyid=$(curl -fsS "$url/v1/keys" -H "Authorization: Bearer $admin" | sed -E 's/.*"id":"([0-9a-f-]{36})".*/\1/')
export WARDEN_BENCH_KEY="$admin" WARDEN_BENCH_PATH="${WARDEN_BENCH_PATH:-/v1/keys/$keyid}"
wrk -t2 -c"$conns" -d5s -s bench/auth-wrk.lua "$url" >/dev/null   # warm-up
wrk -t"${WARDEN_BENCH_THREADS:-2}" -c"$conns" -d"${secs}s" --latency -s bench/auth-wrk.lua "$url"
