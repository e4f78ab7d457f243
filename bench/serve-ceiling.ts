/**
 * The ceiling for any signing server written on Node's HTTPS stack on this machine: a
 * node:cluster HTTPS server that, per request, reads the body and does only the two pieces of
 * real cryptography a sign request needs — verify the CSR's self-signature (with kubetls's own
 * verifySignature, so the native ECDSA verifier when built) and sign a TBSCertificate with the
 * CA key — then replies with a fixed, genuine sign response. No JSON parsing, no CSR parsing,
 * no certificate building, no PEM. bench/cfssl-serve.sh runs it next to `kubetls cfssl serve`
 * and `cfssl serve`, so "how far is kubetls from what Node allows" is a measurement in the same
 * run, not a claim.
 *
 * Usage: node dist/bench/serve-ceiling.js --port P --ca ca.pem --ca-key ca-key.pem
 *          --config ca-config.json --csr worker.csr --tls-cert tls.pem --tls-key tls-key.pem
 *          [--profile kubernetes] [--workers 2]
 * Not part of kubetls: a measuring instrument; binds where it is told (the script: 127.0.0.1).
 */
import cluster from 'node:cluster';
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { envelope } from '../src/cfssl/api.js';
import { loadSigner } from '../src/cfssl/inputs.js';
import {
  children,
  content,
  parseCertificate,
  pemDecodeOne,
  readOid,
  readTlv,
  verifySignature,
  whole,
} from '../src/pki/index.js';

const { values: a } = parseArgs({
  options: {
    port: { type: 'string' },
    address: { type: 'string', default: '127.0.0.1' },
    ca: { type: 'string' },
    'ca-key': { type: 'string' },
    config: { type: 'string' },
    csr: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    profile: { type: 'string', default: 'kubernetes' },
    workers: { type: 'string' },
  },
});

function need(name: keyof typeof a): string {
  const v = a[name];
  if (typeof v !== 'string' || !v) {
    process.stderr.write(`serve-ceiling: --${name} is required\n`);
    process.exit(2);
  }
  return v;
}

/** The CSR's signed part, signature and key, and a genuine TBSCertificate + reply to sign/send. */
function prepare() {
  const signer = loadSigner(need('ca'), need('ca-key'), need('config'));
  const csrPem = readFileSync(need('csr'), 'latin1');
  const der = pemDecodeOne(csrPem, ['CERTIFICATE REQUEST'], 'certificate request').der;
  const [infoT, algT, sigT] = children(der, readTlv(der, 0));
  const info = whole(der, infoT!);
  const sigOid = readOid(der, readTlv(der, algT!.start, algT!.end));
  const signature = content(der, sigT!).subarray(1);
  const spki = whole(der, children(der, infoT!)[2]!);
  const issued = signer.issue({ csr: csrPem, profile: a.profile });
  const tbs = parseCertificate(issued.der).tbsDer;
  const reply = Buffer.from(envelope({ certificate: issued.pem }));
  return { signer, info, sigOid, signature, spki, tbs, reply };
}

function worker(): void {
  const p = prepare();
  const key = p.signer.issuer.privateKey;
  const hash = p.signer.issuer.signatureAlgorithm.hash;
  const server = createServer(
    { cert: readFileSync(need('tls-cert')), key: readFileSync(need('tls-key')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!verifySignature(p.sigOid, p.info, p.signature, p.spki)) {
          res.writeHead(500);
          res.end('verify failed');
          return;
        }
        sign(hash, p.tbs, key);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': p.reply.length });
        res.end(p.reply);
      });
    },
  );
  server.listen(Number(need('port')), a.address, () => process.send?.('listening'));
  process.once('SIGTERM', () => process.exit(0));
}

if (cluster.isPrimary) {
  prepare(); // fail here, once, on bad files
  const n = Number(a.workers ?? availableParallelism());
  for (let i = 0; i < n; i++) cluster.fork();
  let up = 0;
  cluster.on('message', (_w, m) => {
    if (m === 'listening' && ++up === n)
      process.stderr.write(`serve-ceiling: ${n} workers on ${a.address}:${a.port}\n`);
  });
  cluster.on('exit', (_w, code) => {
    if (code) process.exit(1);
  });
  process.once('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    process.exit(0);
  });
} else worker();
