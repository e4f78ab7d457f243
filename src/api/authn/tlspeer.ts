/**
 * The certificates a TLS client presented, as the x509 authenticator takes them: leaf first,
 * DER. For the HTTPS layer, which listens with `requestCert: true, rejectUnauthorized: false`
 * (so requests with tokens or none at all get through) and leaves verification to
 * x509chain.ts. `ca` may still be set on the listener: it only names the acceptable CAs in
 * the TLS CertificateRequest, which helps clients that hold several certificates pick one.
 *
 * Node exposes the peer chain as `getPeerCertificate(true)` objects linked by
 * `issuerCertificate` (the last one links to itself); OpenSSL may append a certificate from
 * the listener's `ca` store, which is harmless: path building treats every extra certificate
 * as a candidate, and one of the bundle as the end of the path.
 */
import type { TLSSocket } from 'node:tls';

/**
 * Read once per connection: `getPeerCertificate(true)` builds a JavaScript object of every
 * certificate in the chain (text fields, key details, three fingerprint hashes), which was the
 * largest single cost of a keep-alive request in bench/serve.ts's profile (7.6% of the server's
 * main thread, ahead of JSON and validation). What a client presented can change on a
 * connection only by TLS 1.2 renegotiation, which is turned off for the connection when its
 * chain is first read (Go's TLS servers, kube-apiserver's, never renegotiate either); a socket
 * that cannot refuse renegotiation is read every time.
 */
const chains = new WeakMap<object, Buffer[]>();

export function presentedChain(
  socket: Pick<TLSSocket, 'getPeerCertificate'> & Partial<Pick<TLSSocket, 'disableRenegotiation'>>,
): Buffer[] {
  const cached = chains.get(socket);
  if (cached) return cached;
  const out: Buffer[] = [];
  // an empty object when the client sent no certificate
  let c: { raw?: Buffer; issuerCertificate?: unknown } | null = socket.getPeerCertificate(true);
  const seen = new Set<unknown>();
  while (c?.raw && !seen.has(c) && out.length < 16) {
    seen.add(c);
    out.push(c.raw);
    const next: unknown = c.issuerCertificate;
    c = next && typeof next === 'object' ? next : null;
  }
  if (typeof socket.disableRenegotiation === 'function') {
    socket.disableRenegotiation();
    chains.set(socket, out);
  }
  return out;
}
