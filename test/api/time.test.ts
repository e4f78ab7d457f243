import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime, isZeroTime, parseTime, timeValue } from '../../src/api/time.js';
import { NOT_RFC3339 } from './times.js';

test('metav1.Time: RFC 3339 read as Go reads it, written to the second in UTC, compared by instant', () => {
  assert.equal(formatTime(new Date('2026-12-05T12:00:00.999Z')), '2026-12-05T12:00:00Z');
  assert.equal(parseTime('2026-12-05T12:00:00Z'), Date.UTC(2026, 11, 5, 12));
  assert.equal(parseTime('2026-12-05T13:30:00+01:30'), Date.UTC(2026, 11, 5, 12));
  assert.equal(parseTime('2026-12-05T12:00:00.5Z'), Date.UTC(2026, 11, 5, 12) + 500);
  assert.equal(parseTime('0001-01-01T00:00:00Z'), -62_135_596_800_000);
  for (const bad of NOT_RFC3339) assert.equal(parseTime(bad), undefined, bad);
  assert.equal(timeValue('2026-12-05T12:00:00Z'), Date.UTC(2026, 11, 5, 12));
  for (const zero of [undefined, null, '', '0001-01-01T00:00:00Z']) {
    assert.equal(timeValue(zero), undefined);
    assert.equal(isZeroTime(zero), true);
  }
  assert.equal(isZeroTime('not a time'), false, 'text that is not a time is not zero: validation reports it');
});
