/** The deny list format: every accepted spelling, and every bad line refusing the whole file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubetlsError } from '../../../src/errors/index.js';
import { parseDenyList } from '../../../src/api/authn/denylist.js';

const FP = 'ab'.repeat(32);

test('deny list: accepted spellings', () => {
  const cases: Array<[string, { serials?: bigint[]; fingerprints?: string[] }]> = [
    ['1a2b', { serials: [0x1a2bn] }],
    ['1A:2B', { serials: [0x1a2bn] }],
    ['00:1a:2b', { serials: [0x1a2bn] }],
    ['serial=1A2B', { serials: [0x1a2bn] }],
    ['  Serial = 1a2b  # with spaces and a comment', { serials: [0x1a2bn] }],
    ['f'.repeat(40), { serials: [BigInt('0x' + 'f'.repeat(40))] }],
    [FP, { fingerprints: [FP] }],
    [FP.toUpperCase().match(/../g)!.join(':'), { fingerprints: [FP] }],
    [`sha256 Fingerprint=${FP.toUpperCase()}`, { fingerprints: [FP] }],
    [`SHA-256 fingerprint = ${FP}`, { fingerprints: [FP] }],
    ['# only a comment\n\n   \n', {}],
    ['01\r\n02\r\n', { serials: [1n, 2n] }],
  ];
  for (const [text, want] of cases) {
    const d = parseDenyList(text);
    assert.deepEqual([...d.serials], want.serials ?? [], text);
    assert.deepEqual([...d.fingerprints], want.fingerprints ?? [], text);
    assert.equal(d.size, (want.serials?.length ?? 0) + (want.fingerprints?.length ?? 0));
  }
});

test('deny list: a bad line refuses the file and names the line, never silently skipped', () => {
  const cases: Array<[string, RegExp]> = [
    ['01\nxyz\n', /line 2: "xyz" is not hexadecimal/],
    ['01:', /misplaced colons/],
    [':01', /misplaced colons/],
    ['01::02', /misplaced colons/],
    ['a'.repeat(41), /41 hex digits: a serial has at most 40, a SHA-256 fingerprint 64/],
    ['a'.repeat(63), /63 hex digits/],
    ['a'.repeat(65), /65 hex digits/],
    [`serial=${FP}`, /64 hex digits/], // a serial cannot have 64 digits
    ['sha256 Fingerprint=1a2b', /4 hex digits/], // nor a fingerprint 4
    ['01 02', /not hexadecimal/],
    ['-01', /not hexadecimal/],
    ['0x1a', /not hexadecimal/],
    ['é', /not hexadecimal/],
    ['a'.repeat(5000), /too long/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseDenyList(text, '/etc/deny'),
      (e: unknown) =>
        e instanceof KubetlsError &&
        e.code === 'InvalidConfig' &&
        re.test(e.message) &&
        /^\/etc\/deny line \d+: /.test(e.message),
      text.slice(0, 40),
    );
  }
});

// how fast is bench/authz.ts's business; here: a large list loses no entry
test('deny list: 50,000 entries, serials and fingerprints mixed, all kept', () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => (i % 2 ? i.toString(16) : i.toString(16).padStart(64, '0')));
  const d = parseDenyList(lines.join('\n'));
  assert.equal(d.size, 50_000);
});
