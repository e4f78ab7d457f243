import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressKey, dnsKey, ipKey, NodeIndex } from '../../../src/controllers/approval/nodeaddresses.js';

test('addresses compare by value: IPv4-mapped IPv6, IPv6 spellings, DNS case and trailing dot', () => {
  assert.equal(ipKey('10.0.0.1'), ipKey('::ffff:10.0.0.1'));
  assert.equal(ipKey('fd00::1'), ipKey('FD00:0:0:0:0:0:0:1'));
  assert.notEqual(ipKey('10.0.0.1'), ipKey('10.0.0.10'));
  assert.equal(ipKey('worker-1'), undefined);
  assert.equal(dnsKey('Worker-1.Example.'), dnsKey('worker-1.example'));
  assert.equal(addressKey('10.0.0.1'), ipKey('10.0.0.1'));
  assert.notEqual(addressKey('10.0.0.1'), dnsKey('10.0.0.1'));
});

test('NodeIndex: set replaces, delete forgets, owners are every node listing an address', () => {
  const idx = new NodeIndex();
  idx.set('a', ['10.0.0.1', 'a']);
  idx.set('b', ['10.0.0.1', 'b']);
  assert.deepEqual([...idx.ownersOf(addressKey('10.0.0.1'))].sort(), ['a', 'b']);
  idx.set('a', ['a']);
  assert.deepEqual(idx.ownersOf(addressKey('10.0.0.1')), ['b']);
  idx.delete('b');
  assert.deepEqual(idx.ownersOf(addressKey('10.0.0.1')), []);
  assert.equal(idx.addressesOf('b'), undefined);
  assert.deepEqual([...(idx.addressesOf('a') ?? [])], [dnsKey('a')]);
  idx.set('c', []);
  assert.equal(idx.size, 2, 'a Node without addresses still exists');
  assert.equal(idx.addressesOf('c')?.size, 0);
});

test('NodeIndex.setNode reads status.addresses and ignores malformed entries', () => {
  const idx = new NodeIndex();
  idx.setNode({
    metadata: { name: 'n' },
    status: { addresses: [{ type: 'InternalIP', address: '10.1.1.1' }, { type: 'Hostname' }, 'junk', null] },
  });
  idx.setNode({ metadata: {}, status: { addresses: [{ type: 'InternalIP', address: '10.9.9.9' }] } });
  idx.setNode({ metadata: { name: 'm' } });
  assert.deepEqual([...(idx.addressesOf('n') ?? [])], [addressKey('10.1.1.1')]);
  assert.equal(idx.addressesOf('m')?.size, 0);
  assert.equal(idx.size, 2);
});
