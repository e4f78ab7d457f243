#!/usr/bin/env bash
# The Kubernetes CSR workflow of "Manage TLS Certificates in a Cluster", verbatim, against
# `kubetls serve` instead of a whole cluster: make a key and CSR with cfssl, submit it as a
# certificates.k8s.io/v1 CertificateSigningRequest with kubectl, approve it, sign it with a
# cfssl CA (the signerName example.com/serving has no signer in a cluster either), upload the
# certificate through the /status subresource, and read it back.
#   bash examples/csr-workflow.sh
# Environment: KUBECTL (default kubectl), CFSSL/CFSSLJSON (default: kubetls's own
# `kubetls cfssl`/`kubetls cfssljson`; set CFSSL=cfssl CFSSLJSON=cfssljson for the Go tools),
# PORT (default 6443). Needs jq and base64. Stops the server when it ends.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
kubetls() { node "$ROOT/dist/src/cli/main.cjs" "$@"; }
KUBECTL=$(command -v "${KUBECTL:-kubectl}")
PORT=${PORT:-6443}
# the commands below are written as in the documentation; these functions point them at the chosen tools
# (by absolute path, so a function named cfssl never calls itself)
if [ -z "${CFSSL:-}" ]; then cfssl() { kubetls cfssl "$@"; }; else CFSSL=$(command -v "$CFSSL"); cfssl() { "$CFSSL" "$@"; }; fi
if [ -z "${CFSSLJSON:-}" ]; then cfssljson() { kubetls cfssljson "$@"; }; else
  CFSSLJSON=$(command -v "$CFSSLJSON")
  cfssljson() { "$CFSSLJSON" "$@"; }
fi
W=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"

# 1. the API server: a PKI in ./kubetls-pki (made on first start), HTTPS on 127.0.0.1:$PORT
node "$ROOT/dist/src/cli/main.cjs" serve --dir kubetls-pki --secure-port "$PORT" > serve.log 2>&1 &
SERVER=$!
export KUBECONFIG=$W/kubetls-pki/admin.conf
for _ in $(seq 1 100); do
  [ -f "$KUBECONFIG" ] && "$KUBECTL" get --raw /readyz > /dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat serve.log >&2; exit 1; }
  sleep 0.1
done
kubectl() { "$KUBECTL" "$@"; }

# 2. a private key and a CSR (the documentation's cfssl commands)
cat <<JSON | cfssl genkey - | cfssljson -bare server
{
  "hosts": [
    "my-svc.my-namespace.svc.cluster.local",
    "my-pod.my-namespace.pod.cluster.local",
    "192.0.2.24",
    "10.0.34.2"
  ],
  "CN": "my-pod.my-namespace.pod.cluster.local",
  "key": {
    "algo": "ecdsa",
    "size": 256
  }
}
JSON

# 3. the CertificateSigningRequest
cat <<YAML | kubectl apply -f -
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: my-svc.my-namespace
spec:
  request: $(base64 < server.csr | tr -d '\n')
  signerName: example.com/serving
  usages:
  - digital signature
  - key encipherment
  - server auth
YAML
kubectl get csr

# 4. approve it
kubectl certificate approve my-svc.my-namespace
kubectl get csr

# 5. a CA for example.com/serving, and sign the request with it
cat <<JSON | cfssl gencert -initca - | cfssljson -bare ca
{
  "CN": "My Example Signer",
  "key": {
    "algo": "rsa",
    "size": 2048
  }
}
JSON
cat <<JSON > server-signing-config.json
{
    "signing": {
        "default": {
            "usages": [
                "digital signature",
                "key encipherment",
                "server auth"
            ],
            "expiry": "876000h",
            "ca_constraint": {
                "is_ca": false
            }
        }
    }
}
JSON
kubectl get csr my-svc.my-namespace -o jsonpath='{.spec.request}' | \
  base64 --decode | \
  cfssl sign -ca ca.pem -ca-key ca-key.pem -config server-signing-config.json - | \
  cfssljson -bare ca-signed-server

# 6. upload the certificate
kubectl get csr my-svc.my-namespace -o json | \
  jq '.status.certificate = "'"$(base64 ca-signed-server.pem | tr -d '\n')"'"' | \
  kubectl replace --raw /apis/certificates.k8s.io/v1/certificatesigningrequests/my-svc.my-namespace/status -f -
echo
kubectl get csr

# 7. download it and check it against the CA
kubectl get csr my-svc.my-namespace -o jsonpath='{.status.certificate}' | base64 --decode > server.crt
openssl verify -CAfile ca.pem server.crt
