/** The hand-written IP parser agrees with node's isIP on what is an address, and with its bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP, SocketAddress } from 'node:net';
import { bytesToIp, canonicalIp, ipToBytes } from '../../src/pki/ip.js';

const TRICKY = [
  '::',
  '::1',
  '1::',
  '::ffff:1.2.3.4',
  '::1.2.3.4',
  'fe80::1',
  'fe80::1%eth0',
  '2001:db8::',
  '2001:DB8:0:0:0:0:0:1',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8::',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  ':::',
  ':1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7:',
  '12345::',
  'g::1',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '::1.2.3',
  '::1.2.3.256',
  '::01.2.3.4',
  '0.0.0.0',
  '255.255.255.255',
  '256.1.1.1',
  '1.2.3',
  '01.2.3.4',
  '1.2.3.4.5',
  '',
  ' 1.2.3.4',
  'a.b.c.d',
  '::ffff:0:1.2.3.4',
];

function randomCandidate(): string {
  const alphabet = '0123456789abcdefABCDEF:.%';
  let s = '';
  const len = 1 + Math.floor(Math.random() * 20);
  for (let i = 0; i < len; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

test('accepts exactly what node accepts (zone IDs aside) and yields the same bytes', () => {
  const inputs = [...TRICKY, ...Array.from({ length: 20_000 }, randomCandidate)];
  for (const s of inputs) {
    const mine = ipToBytes(s);
    const nodeSays = s.includes('%') ? 0 : isIP(s);
    assert.equal(
      mine !== null,
      nodeSays !== 0,
      `"${s}": ours ${mine ? 'accepts' : 'refuses'}, node ${nodeSays ? 'accepts' : 'refuses'}`,
    );
    if (mine && nodeSays === 6) {
      const canonical = new SocketAddress({ address: s, family: 'ipv6' }).address;
      assert.equal(bytesToIp(mine), bytesToIp(ipToBytes(canonical)!), s);
    }
  }
  assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalIp('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
  assert.deepEqual([...ipToBytes('::1.2.3.4')!.subarray(12)], [1, 2, 3, 4]);
});
