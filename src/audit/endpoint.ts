/** Parsing `host:port`, `[v6]:port` and `https://host:port` endpoint arguments. */
import { isIP } from 'node:net';
import { KubetlsError } from '../errors/index.js';

export interface Endpoint {
  host: string;
  port: number;
  /** as the user wrote it, for reports */
  label: string;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function parseEndpoint(s: string): Endpoint {
  const raw = s.trim();
  if (raw.length === 0 || raw.length > 300)
    throw new KubetlsError(
      'InvalidEndpoint',
      `invalid endpoint "${s.slice(0, 80)}"`,
      'use host:port, [ipv6]:port or https://host:port',
    );
  const stripped = raw.replace(/^https:\/\//i, '').replace(/\/.*$/, '');
  let host: string;
  let portStr: string;
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(stripped);
  if (v6) {
    host = v6[1]!;
    portStr = v6[2]!;
  } else {
    const i = stripped.lastIndexOf(':');
    if (i <= 0)
      throw new KubetlsError('InvalidEndpoint', `endpoint "${s}" has no port`, 'use host:port, e.g. 127.0.0.1:6443');
    host = stripped.slice(0, i);
    portStr = stripped.slice(i + 1);
  }
  const port = /^\d{1,5}$/.test(portStr) ? Number(portStr) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new KubetlsError('InvalidEndpoint', `endpoint "${s}" has an invalid port`, 'ports are 1-65535');
  if (!isIP(host) && !HOSTNAME.test(host))
    throw new KubetlsError('InvalidEndpoint', `endpoint "${s}" has an invalid host`);
  return { host, port, label: isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}` };
}
