#!/bin/bash
# startup.sh [RUNS=20]: what the launcher (esbuild bundle + V8 code cache, src/cli/main.cts)
# saves, in one run: each command started normally and with KUBETLS_NO_BUNDLE=1 (the plain
# module tree), next to `node -e 0` (the floor for any Node CLI) and cfssl where it has the
# same command. Output goes to /dev/shm when it exists, so the disk does not blur start-up.
# Needs: hyperfine, cfssl; run `npm run build` first.
set -eu
RUNS=${1:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/dropenv.sh" # NODE_EXTRA_CA_CERTS dropped, see there
K="node $ROOT/dist/src/cli/main.cjs"
BASE=/dev/shm; [ -d "$BASE" ] && [ -w "$BASE" ] || BASE=${TMPDIR:-/tmp}
T=$(mktemp -d "$BASE/kubetls-startup-XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
cd "$T"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ), node $(node --version), output on $BASE"
echo "launcher: $(KUBETLS_DEBUG=1 $K --version 2>&1 >/dev/null | head -1)"
echo "environment: $EXTRA_CA_NOTE"

# a 100-node cluster (3 control planes, 97 workers), the same shape as bench/init.ts uses
{
  printf 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncontrolPlaneEndpoint: lb.example.com:6443\n---\n'
  printf 'apiVersion: kubetls.io/v1alpha1\nkind: ClusterNodes\nnodes:\n'
  for i in 0 1 2; do printf -- '- {name: cp-%d, role: control-plane, address: 10.240.0.%d}\n' "$i" $((10 + i)); done
  for i in $(seq 0 96); do printf -- '- {name: worker-%d, role: worker, address: 10.241.0.%d}\n' "$i" $((i + 1)); done
} > cluster.yaml
echo '{"CN":"Kubernetes","key":{"algo":"ecdsa","size":256}}' > ca-csr.json
echo '{"CN":"system:node:worker-0","hosts":["worker-0","10.240.0.20"],"key":{"algo":"ecdsa","size":256},"names":[{"O":"system:nodes"}]}' > w-csr.json
echo '{"signing":{"default":{"expiry":"8760h"},"profiles":{"kubernetes":{"usages":["signing","key encipherment","server auth","client auth"],"expiry":"8760h"}}}}' > ca-config.json
cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca
$K init --dir existing --node-name n1 --apiserver-advertise-address 10.0.0.5 --encryption-algorithm ECDSA-P256 > /dev/null

GENCERT="cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile kubernetes w-csr.json"
INIT1="init --dir one --node-name n1 --apiserver-advertise-address 10.0.0.5 --encryption-algorithm ECDSA-P256"
INIT100="init --no-progress --config cluster.yaml --encryption-algorithm ECDSA-P256 --dir many"
hf() { hyperfine -N -w 3 -r "$RUNS" "$@" 2>&1 | grep -E '^Benchmark|Time \(mean'; }

if [ -n "$EXTRA_CA" ]; then echo "== floor, and what NODE_EXTRA_CA_CERTS costs it"; hf 'node -e 0' "env NODE_EXTRA_CA_CERTS=$EXTRA_CA node -e 0"
else echo "== floor"; hf 'node -e 0'; fi
echo "== --version"; hf "$K --version" "env KUBETLS_NO_BUNDLE=1 $K --version"
echo "== certs check-expiration (single-node tree)"; hf "$K certs check-expiration --dir existing" "env KUBETLS_NO_BUNDLE=1 $K certs check-expiration --dir existing"
echo "== cfssl gencert, one ECDSA certificate"; hf "$K $GENCERT" "env KUBETLS_NO_BUNDLE=1 $K $GENCERT" "$GENCERT"
echo "== init, single node, ECDSA-P256"; hf --prepare 'rm -rf one' "$K $INIT1" "env KUBETLS_NO_BUNDLE=1 $K $INIT1"
echo "== init, 100 nodes, ECDSA-P256"; hf --prepare 'rm -rf many' "$K $INIT100" "env KUBETLS_NO_BUNDLE=1 $K $INIT100"
