/**
 * `probe`: live checks of TLS endpoints the way Kubernetes components are meant to be
 * reached. For each endpoint, in order: a handshake (reachability, negotiated version and
 * cipher, certificate chain), TLS 1.0 and 1.1 attempts that must be refused, chain
 * validation against the given CA, hostname/IP match, EKU serverAuth, expiry, a request
 * without a client certificate (must be refused), a plaintext HTTP request (must not be
 * served) and, with client credentials, an authenticated request (must succeed).
 * Endpoints run concurrently up to a bound; checks within one endpoint run one after the
 * other, so single-threaded servers (openssl s_server) are not overwhelmed.
 */
import { checkServerIdentity } from 'node:tls';
import { parseCertificate, systemClock, type Clock } from '../pki/index.js';
import { parseEndpoint, type Endpoint } from './endpoint.js';
import { expiryResult, Findings, summarize, type Report } from './finding.js';
import { presetFor } from './presets.js';
import {
  handshake,
  httpsGet,
  plaintextGet,
  type HandshakeOk,
  type NetFailure,
  type TlsCredentials,
} from './tlsclient.js';

export interface ProbeOptions {
  /** `host:port`, `[v6]:port` or `https://host:port` */
  endpoints: readonly string[];
  /** PEM of the CA bundle to validate server chains against */
  ca?: string | Buffer;
  /** PEM client certificate and key for the authenticated-request check */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** name to verify (and send as SNI) instead of the endpoint host */
  serverName?: string;
  /** per connection attempt; default 3000 ms */
  timeoutMs?: number;
  /** extra attempts of the first handshake on timeouts/resets; default 1 */
  retries?: number;
  /** endpoints probed at once; default 8 */
  concurrency?: number;
  /** request path override (default: the preset's) */
  path?: string;
  clock?: Clock;
}

const REFUSED_VERSION =
  /protocol version|unsupported protocol|wrong version number|no protocols available|no ciphers available|no shared cipher|version too low|unsupported_protocol|inappropriate fallback/i;
const CLIENT_CERT_ALERT =
  /certificate required|bad certificate|peer did not return a certificate|CERTIFICATE_REQUIRED|BAD_CERTIFICATE/i;
const GO_HTTPS_REFUSAL = 'Client sent an HTTP request to an HTTPS server';

const describe = (f: NetFailure): string => `${f.code}: ${f.message}`;

/** Transient failures worth another attempt (a refused connection is an answer, not a glitch). */
const transient = (f: NetFailure): boolean =>
  f.stage === 'timeout' || f.code === 'ECONNRESET' || f.code === 'EAI_AGAIN';

async function withRetries<T extends { ok: boolean }>(
  retries: number,
  fn: () => Promise<T | NetFailure>,
): Promise<T | NetFailure> {
  let r = await fn();
  for (let i = 0; i < retries && !r.ok && transient(r as NetFailure); i++) {
    await new Promise((res) => setTimeout(res, 100 * (i + 1)));
    r = await fn();
  }
  return r;
}

const isAead = (cipher: string): boolean => /GCM|CHACHA20/i.test(cipher);

async function probeOne(ep: Endpoint, o: ProbeOptions, f: Findings, timings: Record<string, number>): Promise<void> {
  const preset = presetFor(ep.port);
  const component = `${preset.name} ${ep.label}`;
  const timeoutMs = o.timeoutMs ?? 3000;
  const creds: TlsCredentials = {
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.serverName ? { servername: o.serverName } : {}),
  };
  const clientCreds: TlsCredentials = o.cert && o.key ? { ...creds, cert: o.cert, key: o.key } : creds;
  const path = o.path ?? preset.path;
  const now = (o.clock ?? systemClock).now();
  const timed = async <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[id] = (timings[id] ?? 0) + (performance.now() - t0);
    }
  };

  // 1. Handshake at Node's defaults (TLS 1.2-1.3), presenting the client certificate when
  // we have one so TLS 1.2 servers that demand it still show their certificate.
  const hs = await timed('P-TLS', () =>
    withRetries(o.retries ?? 1, () => handshake(ep, { ...clientCreds, timeoutMs })),
  );
  let tlsOk: HandshakeOk | undefined;
  if (!hs.ok) {
    if (hs.stage === 'tcp') {
      f.fail(
        'P-TLS',
        component,
        'endpoint reachable over TLS',
        `cannot connect: ${describe(hs)}`,
        'check the address, that the component runs and listens there, and firewalls',
        ep.label,
      );
      return;
    }
    if (hs.stage === 'timeout') {
      f.fail(
        'P-TLS',
        component,
        'endpoint reachable over TLS',
        `connected but ${hs.message}`,
        'the port accepts TCP but does not complete a TLS handshake: check what listens there',
        ep.label,
      );
    } else if (CLIENT_CERT_ALERT.test(hs.message) && !o.cert) {
      f.warn(
        'P-TLS',
        component,
        'endpoint reachable over TLS',
        `handshake refused without a client certificate (${describe(hs)}); server certificate not inspected`,
        'pass --cert/--key to inspect the certificate of a TLS 1.2 server that demands client certificates',
        ep.label,
      );
    } else {
      f.fail(
        'P-TLS',
        component,
        'endpoint reachable over TLS',
        `TLS handshake failed: ${describe(hs)}`,
        'the port does not speak TLS 1.2+ correctly: serve it with --tls-cert-file/--tls-private-key-file (or the component equivalent)',
        ep.label,
      );
    }
  } else {
    tlsOk = hs;
    const good = isAead(hs.cipher) && (hs.protocol === 'TLSv1.3' || /ECDHE/.test(hs.cipher));
    if (good)
      f.pass('P-TLS', component, 'endpoint reachable over TLS', `negotiated ${hs.protocol} ${hs.cipher}`, ep.label);
    else
      f.warn(
        'P-TLS',
        component,
        'endpoint reachable over TLS',
        `negotiated ${hs.protocol} ${hs.cipher} (not ECDHE+AEAD)`,
        'restrict --tls-cipher-suites to ECDHE with AES-GCM or ChaCha20',
        ep.label,
      );
  }

  // 2. Old protocol versions. Node's client refuses TLS 1.0/1.1 by itself unless the
  // version is pinned and OpenSSL's security level lowered; without that the server
  // would look safe whatever it does.
  if (tlsOk || (!hs.ok && hs.stage === 'tls' && CLIENT_CERT_ALERT.test(hs.message))) {
    for (const [id, v, label] of [
      ['P-TLS10', 'TLSv1', 'TLS 1.0'],
      ['P-TLS11', 'TLSv1.1', 'TLS 1.1'],
    ] as const) {
      const r = await timed(id, () =>
        handshake(ep, {
          ...clientCreds,
          minVersion: v,
          maxVersion: v,
          ciphers: 'DEFAULT@SECLEVEL=0',
          timeoutMs,
        }),
      );
      const check = `${label} refused`;
      if (r.ok) {
        f.fail(
          id,
          component,
          check,
          `${label} handshake completed (${r.cipher})`,
          'set --tls-min-version=VersionTLS12 (etcd: --tls-min-version=TLS1.2; kubelet: tlsMinVersion)',
          ep.label,
        );
      } else if (r.stage === 'tls' && CLIENT_CERT_ALERT.test(r.message)) {
        f.fail(
          id,
          component,
          check,
          `${label} was negotiated; the server then asked for a client certificate (${describe(r)})`,
          'set the minimum TLS version to 1.2',
          ep.label,
        );
      } else if (r.stage === 'tls' || r.stage === 'tcp') {
        const why = REFUSED_VERSION.test(r.message) ? 'refused' : 'handshake failed';
        f.pass(id, component, check, `${why}: ${describe(r)}`, ep.label);
      } else {
        f.warn(id, component, check, `inconclusive: ${describe(r)}`, 'retry with a longer --timeout', ep.label);
      }
    }
  }

  // 3. The certificate the endpoint serves.
  if (tlsOk) {
    const leafDer = tlsOk.chainDer[0];
    let leaf;
    try {
      leaf = leafDer ? parseCertificate(leafDer) : undefined;
    } catch (e) {
      f.fail(
        'P-CERT',
        component,
        'server certificate parses',
        `unparsable certificate: ${(e as Error).message}`,
        'serve a valid X.509 certificate',
        ep.label,
      );
    }
    if (!o.ca) {
      f.warn(
        'P-CHAIN',
        component,
        'chain validates against --ca',
        'no --ca given: chain not validated',
        'pass --ca with the CA bundle clients use (e.g. /etc/kubernetes/pki/ca.crt or etcd/ca.crt)',
        ep.label,
      );
    } else if (tlsOk.authorized) {
      f.pass(
        'P-CHAIN',
        component,
        'chain validates against --ca',
        `chain of ${tlsOk.chainDer.length} certificate(s) verified (issuer "${leaf?.issuerString ?? '?'}")`,
        ep.label,
      );
    } else {
      f.fail(
        'P-CHAIN',
        component,
        'chain validates against --ca',
        `not trusted: ${tlsOk.authorizationError ?? 'unknown error'} (issuer "${leaf?.issuerString ?? '?'}")`,
        'serve a certificate issued by the cluster CA (with intermediates), or pass the right --ca',
        ep.label,
      );
    }
    const name = o.serverName ?? ep.host;
    const idErr = checkServerIdentity(name, tlsOk.peer);
    if (!idErr) f.pass('P-NAME', component, 'certificate matches host/IP', `"${name}" is in the SANs`, ep.label);
    else
      f.fail(
        'P-NAME',
        component,
        'certificate matches host/IP',
        `${idErr.message.slice(0, 300)}`,
        `reissue the certificate with SAN ${name} (kubetls init/renew with the right SANs)`,
        ep.label,
      );
    if (leaf) {
      if (leaf.extKeyUsage.includes('serverAuth'))
        f.pass('P-EKU', component, 'EKU serverAuth', `EKU: ${leaf.extKeyUsage.join(', ')}`, ep.label);
      else if (leaf.extKeyUsage.length === 0)
        f.warn(
          'P-EKU',
          component,
          'EKU serverAuth',
          'no extendedKeyUsage extension (any usage)',
          'issue serving certificates with EKU serverAuth',
          ep.label,
        );
      else
        f.fail(
          'P-EKU',
          component,
          'EKU serverAuth',
          `EKU: ${leaf.extKeyUsage.join(', ')} (no serverAuth)`,
          'issue serving certificates with EKU serverAuth',
          ep.label,
        );
      const ex = expiryResult(leaf.notAfter, leaf.notBefore, now);
      const subject = `"${leaf.subjectString}" `;
      if (ex.result === 'PASS')
        f.pass('P-EXPIRY', component, 'certificate far from expiry', subject + ex.evidence, ep.label);
      else
        f.add({
          id: 'P-EXPIRY',
          component,
          check: 'certificate far from expiry',
          result: ex.result,
          evidence: subject + ex.evidence,
          remediation: 'renew the certificate (kubetls certs renew) and restart the component',
          target: ep.label,
        });
    }
  }

  // 4. Access without a client certificate. Under TLS 1.3 the server's refusal arrives
  // after the handshake, so only a completed request proves access.
  if (tlsOk || (!hs.ok && hs.stage !== 'tcp')) {
    const r = await timed('P-MTLS', () => httpsGet(ep, { ...creds, path, timeoutMs }));
    const check = 'request without client certificate refused';
    if (r.ok) {
      if (r.status === 401 || r.status === 403) {
        const note = preset.tlsClientCert ? ' (this component should already refuse at the TLS handshake)' : '';
        const res = preset.tlsClientCert ? 'WARN' : 'PASS';
        f.add({
          id: 'P-MTLS',
          component,
          check,
          result: res,
          evidence: `TLS accepted without a client certificate; GET ${path} answered ${r.status}${note}`,
          remediation:
            res === 'PASS' ? '' : 'require client certificates at the TLS layer (etcd: --client-cert-auth=true)',
          target: ep.label,
        });
      } else {
        f.fail(
          'P-MTLS',
          component,
          check,
          `GET ${path} without a client certificate answered HTTP ${r.status}`,
          preset.name.startsWith('etcd')
            ? 'set --client-cert-auth=true / --peer-client-cert-auth=true with --trusted-ca-file'
            : 'disable anonymous access and require client certificates (--client-ca-file, kubelet authentication.x509.clientCAFile, anonymous: false)',
          ep.label,
        );
      }
    } else if (r.stage === 'timeout') {
      f.warn('P-MTLS', component, check, `inconclusive: ${r.message}`, 'retry with a longer --timeout', ep.label);
    } else {
      f.pass('P-MTLS', component, check, `refused: ${describe(r)}`, ep.label);
    }
  }

  // 5. Plaintext HTTP on the same port.
  const p = await timed('P-PLAIN', () => plaintextGet(ep, path, timeoutMs));
  const text = p.data.toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  const check = 'plaintext HTTP refused';
  if (status) {
    const code = Number(status[1]);
    if (code === 400 && text.includes(GO_HTTPS_REFUSAL))
      f.pass('P-PLAIN', component, check, `answered 400 "${GO_HTTPS_REFUSAL}" (Go's refusal)`, ep.label);
    else if (code === 400 && !tlsOk)
      f.fail(
        'P-PLAIN',
        component,
        check,
        `plaintext HTTP server answered ${code} (and TLS failed)`,
        'serve this port over TLS only',
        ep.label,
      );
    else if (code === 400) f.pass('P-PLAIN', component, check, `answered HTTP 400 to plaintext (refusal)`, ep.label);
    else
      f.fail(
        'P-PLAIN',
        component,
        check,
        `plaintext GET ${path} answered HTTP ${code}`,
        'serve this port over TLS only (no --insecure-port / http:// listen URLs)',
        ep.label,
      );
  } else if (p.data.length > 0) {
    const alert = p.data[0] === 0x15 && p.data[1] === 0x03;
    f.pass(
      'P-PLAIN',
      component,
      check,
      alert ? 'answered with a TLS alert' : `no HTTP answer (${p.data.length} non-HTTP byte(s))`,
      ep.label,
    );
  } else {
    f.pass(
      'P-PLAIN',
      component,
      check,
      p.failure ? `no answer: ${describe(p.failure)}` : 'connection closed without an answer',
      ep.label,
    );
  }

  // 6. An authenticated request: any answer other than 401/403 counts as success.
  if (!(o.cert && o.key)) {
    f.skip('P-AUTHN', component, 'authenticated request succeeds', 'no --cert/--key given', ep.label);
  } else if (tlsOk || !hs.ok) {
    const r = await timed('P-AUTHN', () => httpsGet(ep, { ...clientCreds, path, timeoutMs }));
    const check = 'authenticated request succeeds';
    if (r.ok && r.status !== 401 && r.status !== 403)
      f.pass(
        'P-AUTHN',
        component,
        check,
        `GET ${path} with the client certificate answered HTTP ${r.status}`,
        ep.label,
      );
    else if (r.ok)
      f.fail(
        'P-AUTHN',
        component,
        check,
        `GET ${path} with the client certificate answered HTTP ${r.status}`,
        'the client certificate is not accepted: check it is issued by the CA in --client-ca-file/--trusted-ca-file and authorized (RBAC)',
        ep.label,
      );
    else
      f.fail(
        'P-AUTHN',
        component,
        check,
        `request with the client certificate failed: ${describe(r)}`,
        'check the client certificate is issued by the CA the endpoint trusts and is not expired',
        ep.label,
      );
  }
}

/** Probes every endpoint (concurrently up to `concurrency`) and returns the findings in input order. */
export async function probe(o: ProbeOptions): Promise<Report> {
  const eps = o.endpoints.map(parseEndpoint);
  const per: Findings[] = eps.map(() => new Findings());
  const timings: Record<string, number> = {};
  const limit = Math.max(1, Math.min(o.concurrency ?? 8, 64));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < eps.length) {
      const i = next++;
      try {
        await probeOne(eps[i]!, o, per[i]!, timings);
      } catch (e) {
        // A bug or an unforeseen error must not hide the other endpoints' results.
        per[i]!.fail(
          'P-ERROR',
          eps[i]!.label,
          'probe completed',
          `internal error: ${(e as Error).message}`,
          'report this as a kubetls bug',
          eps[i]!.label,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, eps.length) }, worker));
  const findings = per.flatMap((p) => p.list);
  return { kind: 'probe', findings, summary: summarize(findings), timings };
}
