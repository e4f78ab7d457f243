/** Certificates as PEM: encoding and loading single certificates or bundles. */
import { KubetlsError } from '../errors/index.js';
import { parseCertificate, type ParsedCertificate } from './certparse.js';
import { pemDecodeAll, pemEncode } from './pem.js';

export const certToPem = (der: Buffer): string => pemEncode('CERTIFICATE', der);

/** Every CERTIFICATE block of a PEM text, parsed; `source` names the file in errors. */
export function parseCertificatesPem(text: string | Buffer, source = 'input'): ParsedCertificate[] {
  let blocks;
  try {
    blocks = pemDecodeAll(text);
  } catch (e) {
    if (e instanceof KubetlsError) throw new KubetlsError(e.code, `${source}: ${e.message}`, e.hint);
    throw e;
  }
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) throw new KubetlsError('MalformedPEM', `${source}: no "CERTIFICATE" PEM block found`);
  return certs.map((b) => {
    try {
      return parseCertificate(b.der);
    } catch (e) {
      if (e instanceof KubetlsError) throw new KubetlsError(e.code, `${source}: ${e.message}`);
      throw e;
    }
  });
}

/** The first certificate of a PEM text. */
export const parseCertificatePem = (text: string | Buffer, source = 'input'): ParsedCertificate =>
  parseCertificatesPem(text, source)[0]!;
