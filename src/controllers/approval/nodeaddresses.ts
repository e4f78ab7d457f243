/**
 * Which Node lists which address: the kubelet-serving approver's view of the cluster, kept
 * up to date from the Node informer (`set` on add/update, `delete` on delete) so that each
 * decision is two map look-ups rather than a walk over every Node.
 *
 * Addresses are compared as the values they denote: IPs by their bytes (`10.0.0.1`,
 * `::ffff:10.0.0.1` and `0:0::ffff:a00:1` are one address, as Go's net.IP.Equal says), DNS
 * names case-insensitively and without a trailing dot. An address that parses as an IP is an
 * IP whatever its `type` says; a dNSName SAN is only ever compared with names, so a DNS SAN
 * spelled like an IP never matches a Node's IP.
 */
import { nodeAddresses } from '../../api/resources/core/nodes.js';
import type { KubeObject } from '../../api/object.js';
import { ipToBytes } from '../../pki/ip.js';

/** An IP address's key (16-byte IPv4-mapped addresses as their 4 bytes), or undefined when `s` is no IP. */
export function ipKey(s: string): string | undefined {
  let b = ipToBytes(s);
  if (!b) return undefined;
  if (b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    b = b.subarray(12);
  return `ip:${b.toString('hex')}`;
}

export const dnsKey = (s: string): string => `dns:${s.toLowerCase().replace(/\.$/, '')}`;

/** A Node address's key: an IP when it parses as one, a name otherwise. */
export const addressKey = (s: string): string => ipKey(s) ?? dnsKey(s);

/** What a decision reads; NodeIndex implements it. */
export interface NodeAddressLookup {
  /** the address keys Node `name` lists, or undefined when there is no such Node */
  addressesOf(name: string): ReadonlySet<string> | undefined;
  /** the Nodes listing the address key */
  ownersOf(key: string): readonly string[];
}

export class NodeIndex implements NodeAddressLookup {
  private readonly byNode = new Map<string, Set<string>>();
  private readonly byAddress = new Map<string, Set<string>>();

  /** Records Node `name`'s addresses (replacing what it listed before). */
  set(name: string, addresses: readonly string[]): void {
    this.delete(name);
    const keys = new Set(addresses.map(addressKey));
    this.byNode.set(name, keys);
    for (const k of keys) {
      let owners = this.byAddress.get(k);
      if (!owners) this.byAddress.set(k, (owners = new Set()));
      owners.add(name);
    }
  }

  /** Records a Node object as the informer delivers it. */
  setNode(node: KubeObject): void {
    const name = node.metadata.name;
    if (name)
      this.set(
        name,
        nodeAddresses(node).map((a) => a.address),
      );
  }

  delete(name: string): void {
    const keys = this.byNode.get(name);
    if (!keys) return;
    this.byNode.delete(name);
    for (const k of keys) {
      const owners = this.byAddress.get(k);
      owners?.delete(name);
      if (owners?.size === 0) this.byAddress.delete(k);
    }
  }

  addressesOf(name: string): ReadonlySet<string> | undefined {
    return this.byNode.get(name);
  }

  ownersOf(key: string): readonly string[] {
    return [...(this.byAddress.get(key) ?? [])];
  }

  get size(): number {
    return this.byNode.size;
  }
}
