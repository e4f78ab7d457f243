#!/bin/bash
# cfssl-serve.sh [SECONDS=10] [ALGOS="ecdsa rsa"] [BATCH=10]
# Same run, same CSRs, same concurrency: `kubetls cfssl serve` vs Debian `cfssl serve`, both over
# HTTPS (TLS 1.2+, the same serving certificate) with keep-alive, driven by wrk (1 thread,
# 16 connections) POSTing CSRs to /api/v1/cfssl/sign, round-robin over NCSR (32) CSRs of
# different keys and names: a signing server sees a new key in almost every request, and
# one CSR repeated would let per-key caches (kubetls remembers the last few SPKIs' key
# identifiers) answer from memory. Prints throughput, p50/p99 latency,
# peak RSS (VmHWM; kubetls = primary + workers) and the ratio; then `kubetls cfssl gencert` vs
# `cfssl gencert` for a batch of BATCH certificates (one process per certificate, as scripts run them).
# A third server, dist/bench/serve-ceiling.js, does only a sign request's cryptography (verify the
# CSR, sign a TBSCertificate) on Node's HTTPS stack: the ceiling for any Node server here.
# Needs: cfssl, cfssljson, wrk, curl, hyperfine; run `npm run build` first.
set -eu
SECS=${1:-10}; ALGOS=${2:-ecdsa rsa}; BATCH=${3:-10}; NCSR=${NCSR:-32}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
K="node $ROOT/dist/src/cli/main.cjs"
. "$ROOT/bench/dropenv.sh" # NODE_EXTRA_CA_CERTS dropped (the gencert batch would pay it per process), see there
T=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT INT TERM
cd "$T"
echo "kubetls ECDSA CSR verification: $(node --input-type=module -e "import('$ROOT/dist/src/pki/ecdsanative.js').then((m) => { const s = m.nativeEcdsaStatus(); console.log(s.active ? 'native verifier' : 'node:crypto (' + s.reason + ')'); })")"
echo "launcher: $(KUBETLS_DEBUG=1 $K --version 2>&1 >/dev/null | head -1)"
echo "environment: $EXTRA_CA_NOTE"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ), node $(node --version), $(cfssl version | head -1)"

rss() { # rss PID...: sum of VmHWM in MiB over the pids and their children
  all=""; for p in "$@"; do all="$all $p $(pgrep -P "$p" | tr '\n' ' ')"; done
  kb=0; for p in $all; do v=$(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null || echo 0); kb=$((kb + ${v:-0})); done
  echo $((kb / 1024))
}
wait_up() { for i in $(seq 1 50); do curl -s --cacert ca.pem -o /dev/null "https://127.0.0.1:$1/api/v1/cfssl/health" && return 0; sleep 0.2; done; echo "server on $1 did not start" >&2; exit 1; }
bench_one() { # bench_one NAME PORT PIDFILE
  curl -s --cacert ca.pem -X POST -H 'Content-Type: application/json' --data @body.json "https://127.0.0.1:$2/api/v1/cfssl/sign" | grep -q '"success":true' || { echo "$1: sign request failed" >&2; exit 1; }
  wrk -t1 -c16 -d"${SECS}s" --latency -s sign.lua "https://127.0.0.1:$2/api/v1/cfssl/sign" > "wrk-$1.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "wrk-$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "wrk-$1.txt"); p99=$(awk '$1=="99%" {print $2}' "wrk-$1.txt")
  errs=$(grep -E 'Non-2xx|Socket errors' "wrk-$1.txt" | tr '\n' ' ' || true)
  printf '  %-22s %10s req/s   p50 %-8s p99 %-8s peak RSS %s MiB %s\n' "$1" "$rps" "$p50" "$p99" "$(rss $(cat "$3"))" "$errs"
  echo "$rps" > "rps-$1"
}

for ALGO in $ALGOS; do
  case $ALGO in rsa) SIZE=2048 ;; ecdsa) SIZE=256 ;; *) echo "unknown algo $ALGO" >&2; exit 2 ;; esac
  echo "== $ALGO CA (leaf CSR $ALGO-$SIZE), wrk -t1 -c16 -d${SECS}s, HTTPS keep-alive"
  echo "{\"CN\":\"Kubernetes\",\"key\":{\"algo\":\"$ALGO\",\"size\":$SIZE},\"names\":[{\"C\":\"US\",\"L\":\"Portland\",\"O\":\"Kubernetes\",\"ST\":\"Oregon\"}]}" > ca-csr.json
  echo "{\"CN\":\"system:node:worker-0\",\"hosts\":[\"worker-0\",\"10.240.0.20\"],\"key\":{\"algo\":\"$ALGO\",\"size\":$SIZE},\"names\":[{\"O\":\"system:nodes\"}]}" > w-csr.json
  echo '{"CN":"bench-serving","hosts":["127.0.0.1","localhost"],"key":{"algo":"ecdsa","size":256}}' > tls-csr.json
  echo '{"signing":{"default":{"expiry":"8760h"},"profiles":{"kubernetes":{"usages":["signing","key encipherment","server auth","client auth"],"expiry":"8760h"}}}}' > ca-config.json
  cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca
  cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes tls-csr.json 2>/dev/null | cfssljson -bare tls
  { echo 'wrk.method = "POST"'; echo 'wrk.headers["Content-Type"] = "application/json"'; echo 'bodies = {'; } > sign.lua
  for i in $(seq 0 $((NCSR - 1))); do
    sed "s/worker-0/worker-$i/g" w-csr.json > w$i-csr.json
    cfssl genkey w$i-csr.json 2>/dev/null | cfssljson -bare worker-$i
    printf '{"certificate_request": "%s", "profile": "kubernetes", "hosts": ["worker-%s", "10.240.0.%s"]}' "$(awk '{printf "%s\\n", $0}' worker-$i.csr)" "$i" "$((20 + i))" > body-$i.json
    # the JSON body as a Lua string literal
    printf '  "%s",\n' "$(sed 's/\\/\\\\/g; s/"/\\"/g' body-$i.json)" >> sign.lua
  done
  cp body-0.json body.json
  cat >> sign.lua <<'LUA'
}
-- requests are formatted once, so the client's per-request work stays what it is with one body
reqs = {}
n = 0
init = function(args)
  for i, b in ipairs(bodies) do reqs[i] = wrk.format(nil, nil, nil, b) end
end
request = function()
  n = n % #reqs + 1
  return reqs[n]
end
LUA
  cfssl serve -address 127.0.0.1 -port 18888 -ca ca.pem -ca-key ca-key.pem -config ca-config.json -tls-cert tls.pem -tls-key tls-key.pem -loglevel 3 > cfssl.log 2>&1 &
  echo $! > cfssl.pid; PIDS="$PIDS $!"
  $K cfssl serve -address 127.0.0.1 -port 18889 -ca ca.pem -ca-key ca-key.pem -config ca-config.json -tls-cert tls.pem -tls-key tls-key.pem -loglevel 3 > kubetls.log 2>&1 &
  echo $! > kubetls.pid; PIDS="$PIDS $!"
  node "$ROOT/dist/bench/serve-ceiling.js" --port 18890 --ca ca.pem --ca-key ca-key.pem --config ca-config.json --csr worker-0.csr --tls-cert tls.pem --tls-key tls-key.pem > ceiling.log 2>&1 &
  echo $! > ceiling.pid; PIDS="$PIDS $!"
  wait_up 18888; wait_up 18889; wait_up 18890
  bench_one "cfssl serve" 18888 cfssl.pid
  bench_one "kubetls cfssl serve" 18889 kubetls.pid
  bench_one "ceiling (crypto only)" 18890 ceiling.pid
  ratio() { awk -v a="$(cat "rps-$1")" -v b="$(cat "rps-$2")" 'BEGIN {printf "%.2fx", a/b}'; }
  echo "  ratio kubetls/cfssl: $(ratio 'kubetls cfssl serve' 'cfssl serve')   ceiling/cfssl: $(ratio 'ceiling (crypto only)' 'cfssl serve')   kubetls/ceiling: $(ratio 'kubetls cfssl serve' 'ceiling (crypto only)')"
  kill "$(cat cfssl.pid)" "$(cat kubetls.pid)" "$(cat ceiling.pid)"; wait "$(cat cfssl.pid)" "$(cat kubetls.pid)" "$(cat ceiling.pid)" 2>/dev/null || true
  PIDS=""

  echo "== gencert batch: $BATCH $ALGO-$SIZE certificates, one process each"
  cd "$T"
  cat > batch-cfssl.sh <<SH
for i in \$(seq 1 $BATCH); do cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes w-csr.json 2>/dev/null | cfssljson -bare c\$i; done
SH
  cat > batch-kubetls.sh <<SH
for i in \$(seq 1 $BATCH); do $K cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes w-csr.json 2>/dev/null | $K cfssljson -bare k\$i; done
SH
  hyperfine -N --warmup 1 --runs 5 --export-json "gencert-$ALGO.json" "sh batch-cfssl.sh" "sh batch-kubetls.sh" 2>/dev/null | grep -E 'Time|±|faster|sh batch' || true
done
