/** `cfssl print-defaults config|csr`: the same example documents cfssl prints, as starting points. */
import { KubetlsError } from '../errors/index.js';

const CONFIG = {
  signing: {
    default: { expiry: '168h' },
    profiles: {
      www: { expiry: '8760h', usages: ['signing', 'key encipherment', 'server auth'] },
      client: { expiry: '8760h', usages: ['signing', 'key encipherment', 'client auth'] },
    },
  },
};

const CSR = {
  CN: 'example.net',
  hosts: ['example.net', 'www.example.net'],
  key: { algo: 'ecdsa', size: 256 },
  names: [{ C: 'US', ST: 'CA', L: 'San Francisco' }],
};

export const DEFAULT_NAMES = ['config', 'csr'] as const;

/** The example as cfssl prints it: 4-space indented JSON. */
export function printDefaults(what: string): string {
  if (what === 'config') return JSON.stringify(CONFIG, null, 4) + '\n';
  if (what === 'csr') return JSON.stringify(CSR, null, 4) + '\n';
  throw new KubetlsError(
    'InvalidArgument',
    `print-defaults: unknown default "${what.slice(0, 40)}"`,
    `use one of: ${DEFAULT_NAMES.join(', ')}`,
  );
}
