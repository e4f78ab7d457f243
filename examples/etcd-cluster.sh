#!/usr/bin/env bash
# A 3-member etcd cluster with mutual TLS on 127.0.0.1, from a kubetls whole-cluster PKI:
# each member serves its own etcd/server certificate and authenticates its peers with
# etcd/peer; clients need a certificate from the etcd CA (the cluster CA is refused).
# Needs etcd + etcdctl (Debian: etcd-server etcd-client). Stops the members when it ends.
#   bash examples/etcd-cluster.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
kubetls() { node "$ROOT/dist/src/cli/main.cjs" "$@"; }
W=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$W"' EXIT

cat > "$W/cluster.yaml" <<'YAML'
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
encryptionAlgorithm: ECDSA-P256
---
apiVersion: kubetls.io/v1alpha1
kind: ClusterNodes
nodes:
- {name: etcd-0, role: control-plane, address: 127.0.0.1}
- {name: etcd-1, role: control-plane, address: 127.0.0.1}
- {name: etcd-2, role: control-plane, address: 127.0.0.1}
YAML
kubetls init --config "$W/cluster.yaml" --dir "$W/pki" > /dev/null
echo "PKI for 3 members written under $W/pki/etcd-{0,1,2}/pki/etcd/"

CLUSTER=etcd-0=https://127.0.0.1:22380,etcd-1=https://127.0.0.1:22382,etcd-2=https://127.0.0.1:22384
for i in 0 1 2; do
  P=$W/pki/etcd-$i/pki/etcd
  etcd --name etcd-$i --data-dir "$W/data-$i" \
    --listen-client-urls https://127.0.0.1:$((22379 + 2 * i)) --advertise-client-urls https://127.0.0.1:$((22379 + 2 * i)) \
    --listen-peer-urls https://127.0.0.1:$((22380 + 2 * i)) --initial-advertise-peer-urls https://127.0.0.1:$((22380 + 2 * i)) \
    --initial-cluster "$CLUSTER" --initial-cluster-state new \
    --cert-file "$P/server.crt" --key-file "$P/server.key" --trusted-ca-file "$P/ca.crt" --client-cert-auth \
    --peer-cert-file "$P/peer.crt" --peer-key-file "$P/peer.key" --peer-trusted-ca-file "$P/ca.crt" --peer-client-cert-auth \
    > "$W/etcd-$i.log" 2>&1 &
  PIDS+=($!)
done

PKI=$W/pki/etcd-0/pki
ENDPOINTS=https://127.0.0.1:22379,https://127.0.0.1:22381,https://127.0.0.1:22383
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" --cacert "$PKI/etcd/ca.crt" "$@"; }
for _ in $(seq 1 50); do ctl --cert "$PKI/etcd/healthcheck-client.crt" --key "$PKI/etcd/healthcheck-client.key" endpoint health > /dev/null 2>&1 && break; sleep 0.3; done
ctl --cert "$PKI/etcd/healthcheck-client.crt" --key "$PKI/etcd/healthcheck-client.key" endpoint health

echo "--- apiserver-etcd-client writes on one member and reads on another"
ctl --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" --endpoints https://127.0.0.1:22379 put /demo "hello over mTLS"
ctl --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" --endpoints https://127.0.0.1:22383 get /demo --print-value-only

echo "--- a client certificate from the cluster CA is refused (expect an error)"
if ctl --cert "$PKI/apiserver-kubelet-client.crt" --key "$PKI/apiserver-kubelet-client.key" --dial-timeout 2s --command-timeout 3s get /demo 2>&1 | tail -1; then :; fi
echo "--- no client certificate is refused (expect an error)"
if ctl --dial-timeout 2s --command-timeout 3s get /demo 2>&1 | tail -1; then :; fi
