/**
 * The write journal (src/util/journal.ts) and the batch writer built on it (writeBatch):
 * committed journals roll forward (idempotently, backups first), uncommitted or torn ones
 * roll back, foreign or tampered ones are refused, stray temps are swept by name only, and a
 * batch keeps a failed group out while writing the others.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubetlsError } from '../../src/errors/index.js';
import { PUBLIC_MODE, SECRET_MODE, planWrites, writeBatch } from '../../src/util/files.js';
import {
  JOURNAL_NAME,
  decodeJournal,
  encodeJournal,
  journalPath,
  openJournal,
  commitJournal,
  closeJournal,
  recoverJournal,
  sweepTemps,
  tempPathFor,
  type JournalEntry,
} from '../../src/util/journal.js';
import { tmpDir } from '../helpers.js';

/** A batch prepared by hand as writeBatch leaves it before its renames: targets with old content, temps with new. */
function prepared(d: string, n: number, backups = false): JournalEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const target = join(d, `f${i}.crt`);
    writeFileSync(target, `old ${i}`);
    const tmp = tempPathFor(target, `0123456789ab-${i}`);
    writeFileSync(tmp, `new ${i}`);
    return backups ? { tmp, target, backup: `${target}.bak-20260301T120000Z` } : { tmp, target };
  });
}

function writeJournal(d: string, entries: JournalEntry[], commit: boolean): void {
  const j = openJournal(d, entries);
  if (commit) commitJournal(j);
  closeJournal(j, false);
}

const names = (d: string) => readdirSync(d).sort();

test('a committed journal is rolled forward: every temp in place, backups linked first, journal removed', async (t) => {
  const d = tmpDir('kubetls-journal-', t);
  const entries = prepared(d, 3, true);
  writeJournal(d, entries, true);
  const r = await recoverJournal(d);
  assert.equal(r?.committed, true);
  assert.deepEqual(
    r?.files,
    entries.map((e) => e.target),
  );
  for (const [i, e] of entries.entries()) {
    assert.equal(readFileSync(e.target, 'utf8'), `new ${i}`);
    assert.equal(readFileSync(e.backup!, 'utf8'), `old ${i}`);
    assert.ok(!existsSync(e.tmp));
  }
  assert.ok(!existsSync(journalPath(d)));
  assert.equal(await recoverJournal(d), undefined, 'nothing left to recover');
});

test('rolling forward is idempotent: a journal that outlived part or all of its batch finishes the rest and changes nothing else', async (t) => {
  for (const done of [0, 1, 2, 3]) {
    const d = tmpDir('kubetls-journal-', t);
    const entries = prepared(d, 3, true);
    writeJournal(d, entries, true);
    // the first `done` entries were renamed by the interrupted run (backup linked, then rename)
    const { linkSync, renameSync } = await import('node:fs');
    for (const e of entries.slice(0, done)) {
      linkSync(e.target, e.backup!);
      renameSync(e.tmp, e.target);
    }
    // and one more had its backup linked but was not renamed yet
    if (done < 3) linkSync(entries[done]!.target, entries[done]!.backup!);
    const r = await recoverJournal(d);
    assert.deepEqual(
      r?.files,
      entries.slice(done).map((e) => e.target),
      `done=${done}`,
    );
    for (const [i, e] of entries.entries()) {
      assert.equal(readFileSync(e.target, 'utf8'), `new ${i}`, `done=${done}`);
      assert.equal(readFileSync(e.backup!, 'utf8'), `old ${i}`, `done=${done}`);
    }
    assert.deepEqual(
      names(d).filter((n) => n.endsWith('.tmp') || n === JOURNAL_NAME),
      [],
    );
  }
});

test('an uncommitted, torn or empty journal is rolled back: temps removed, targets untouched', async (t) => {
  const variants: Array<[string, (d: string, e: JournalEntry[]) => void]> = [
    ['no commit line', (d, e) => writeJournal(d, e, false)],
    [
      'a commit line for other content',
      (d, e) => writeFileSync(journalPath(d), encodeJournal(e) + `commit ${'0'.repeat(64)}\n`),
    ],
    ['cut in the middle of the body', (d, e) => writeFileSync(journalPath(d), encodeJournal(e).slice(0, 40))],
    ['empty', (d) => writeFileSync(journalPath(d), '')],
  ];
  for (const [name, make] of variants) {
    const d = tmpDir('kubetls-journal-', t);
    const entries = prepared(d, 2);
    make(d, entries);
    const r = await recoverJournal(d);
    assert.equal(r?.committed, false, name);
    for (const [i, e] of entries.entries()) assert.equal(readFileSync(e.target, 'utf8'), `old ${i}`, name);
    assert.ok(!existsSync(journalPath(d)), name);
    // a torn body names no temps: those are the sweep's (by name)
    const left = sweepTemps(entries.map((e) => e.target));
    assert.deepEqual(
      names(d).filter((n) => n.endsWith('.tmp')),
      [],
      `${name}: ${left.join(', ')}`,
    );
  }
});

test('a committed journal that names files it does not own is refused before anything moves', async (t) => {
  const d = tmpDir('kubetls-journal-', t);
  mkdirSync(join(d, 'other'));
  writeFileSync(join(d, 'victim'), 'keep');
  const hostile: Array<[string, JournalEntry]> = [
    ['a temp in another directory', { tmp: join(d, 'other', '.victim.0123456789ab.tmp'), target: join(d, 'victim') }],
    ['a temp that is not a temp name', { tmp: join(d, 'passwd'), target: join(d, 'victim') }],
    ['a temp of another target', { tmp: join(d, '.other.0123456789ab.tmp'), target: join(d, 'victim') }],
    ['a relative target', { tmp: '.victim.0123456789ab.tmp', target: 'victim' }],
    [
      'a backup elsewhere',
      { tmp: join(d, '.victim.0123456789ab.tmp'), target: join(d, 'victim'), backup: join(d, 'other', 'x') },
    ],
    [
      'a backup not named as one',
      { tmp: join(d, '.victim.0123456789ab.tmp'), target: join(d, 'victim'), backup: join(d, 'victim2') },
    ],
  ];
  for (const [name, entry] of hostile) {
    writeFileSync(join(d, 'passwd'), 'x');
    const body = encodeJournal([entry]);
    const { createHash } = await import('node:crypto');
    writeFileSync(journalPath(d), `${body}commit ${createHash('sha256').update(body).digest('hex')}\n`);
    await assert.rejects(
      recoverJournal(d),
      (e: unknown) => e instanceof KubetlsError && e.code === 'InvalidJournal',
      name,
    );
    assert.equal(readFileSync(join(d, 'victim'), 'utf8'), 'keep', name);
  }
  assert.throws(
    () => decodeJournal('kubetls-journal v1\n{"entries":[1]}\n', 'j'),
    (e: unknown) => e instanceof KubetlsError && e.code === 'InvalidJournal',
  );
});

test('a journal is never created over another one', (t) => {
  const d = tmpDir('kubetls-journal-', t);
  writeJournal(d, [], false);
  assert.throws(
    () => openJournal(d, []),
    (e: unknown) => e instanceof KubetlsError && /exists: another kubetls command is writing/.test(e.message),
  );
});

test('sweepTemps removes the temp files of the given targets only', (t) => {
  const d = tmpDir('kubetls-journal-', t);
  const keep = ['.ca.crt.tmp', '.ca.crt.0123456789ab.tmp.bak', 'ca.crt', '.other.0123456789ab.tmp', '.ca.crt.XYZ.tmp'];
  const gone = ['.ca.crt.0123456789ab.tmp', '.ca.crt.0123456789ab-17.tmp', '.ca.key.ffffffffffff-0.tmp'];
  for (const n of [...keep, ...gone]) writeFileSync(join(d, n), 'x');
  const removed = sweepTemps([join(d, 'ca.crt'), join(d, 'ca.key'), join(d, 'missing-dir', 'x')]);
  assert.deepEqual(removed.sort(), gone.map((n) => join(d, n)).sort());
  assert.deepEqual(names(d), [...keep].sort());
});

test('writeBatch: backups are hard links of the old files with their mode; the journal is gone afterwards', async (t) => {
  const d = tmpDir('kubetls-journal-', t);
  writeFileSync(join(d, 'k.key'), 'old key', { mode: 0o600 });
  writeFileSync(join(d, 'c.crt'), 'same');
  const now = () => new Date('2026-03-01T12:00:00.123Z');
  const files = [
    { path: join(d, 'k.key'), data: 'new key', mode: SECRET_MODE, existing: 'backup' as const },
    { path: join(d, 'c.crt'), data: 'same', mode: PUBLIC_MODE, existing: 'backup' as const },
  ];
  assert.deepEqual(
    planWrites(files, { now }).map((p) => [p.action, p.backup]),
    [
      ['replace', join(d, 'k.key.bak-20260301T120000Z')],
      ['unchanged', undefined],
    ],
  );
  const r = await writeBatch(files, { journalDir: d, now });
  assert.deepEqual(r.written, [join(d, 'k.key')]);
  assert.deepEqual(r.backups, [{ path: join(d, 'k.key'), backup: join(d, 'k.key.bak-20260301T120000Z') }]);
  assert.equal(readFileSync(join(d, 'k.key.bak-20260301T120000Z'), 'utf8'), 'old key');
  assert.equal(statSync(join(d, 'k.key.bak-20260301T120000Z')).mode & 0o777, 0o600);
  assert.equal(statSync(join(d, 'k.key')).mode & 0o777, 0o600);
  // the next backup of the same second gets its own name
  await writeBatch([{ ...files[0]!, data: 'newer key' }], { journalDir: d, now });
  assert.equal(readFileSync(join(d, 'k.key.bak-20260301T120000Z-1'), 'utf8'), 'new key');
  assert.deepEqual(
    names(d).filter((n) => n === JOURNAL_NAME || n.endsWith('.tmp')),
    [],
  );
});

test('writeBatch with partial: a group that cannot be written is left out whole, the others are written', async (t) => {
  const d = tmpDir('kubetls-journal-', t);
  // a directory that cannot be made (a file is in the way) fails the same way for root and others
  writeFileSync(join(d, 'blocker'), 'not a directory');
  const r = await writeBatch(
    [
      { path: join(d, 'a.key'), data: 'a', mode: SECRET_MODE, group: 'a' },
      { path: join(d, 'b.key'), data: 'b', mode: SECRET_MODE, group: 'b' },
      { path: join(d, 'blocker', 'b.crt'), data: 'b', mode: PUBLIC_MODE, group: 'b' },
      { path: join(d, 'c.key'), data: 'c', mode: SECRET_MODE },
    ],
    { journalDir: d, partial: true },
  );
  assert.deepEqual(r.written, [join(d, 'a.key'), join(d, 'c.key')]);
  assert.equal(r.failed.length, 1);
  assert.deepEqual([r.failed[0]!.group, r.failed[0]!.path], ['b', join(d, 'blocker', 'b.crt')]);
  assert.match(r.failed[0]!.message, /not a directory/);
  assert.ok(!existsSync(join(d, 'b.key')), 'all or nothing within a group');
  assert.deepEqual(names(d), ['a.key', 'blocker', 'c.key']);
});

test('writeBatch without partial fails whole, leaving no temp and no journal', async (t) => {
  const d = tmpDir('kubetls-journal-', t);
  writeFileSync(join(d, 'blocker'), 'not a directory');
  await assert.rejects(
    writeBatch(
      [
        { path: join(d, 'a.key'), data: 'a', mode: SECRET_MODE },
        { path: join(d, 'blocker', 'b.crt'), data: 'b', mode: PUBLIC_MODE },
      ],
      { journalDir: d },
    ),
    (e: unknown) => e instanceof KubetlsError && e.code === 'WriteFailed' && e.message.includes('blocker'),
  );
  assert.deepEqual(names(d), ['blocker']);
});

test('certs scan does not count the temp files of an interrupted run', async (t) => {
  const { scanPaths } = await import('../../src/cluster/scan.js');
  const { initNode } = await import('../cluster/fixtures.js');
  const d = tmpDir('kubetls-journal-scan-', t);
  await initNode(d);
  const count = async () => (await scanPaths([d], { now: new Date() })).length;
  const before = await count();
  const crt = join(d, 'pki', 'apiserver.crt');
  writeFileSync(tempPathFor(crt, '0123456789ab-3'), readFileSync(crt));
  assert.equal(await count(), before);
  // a copy under any other name is a certificate like the rest
  writeFileSync(join(d, 'pki', 'copy.crt'), readFileSync(crt));
  assert.equal(await count(), before + 1);
});
