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

test('parseTime: every day of the calendar, leap years and years below 100 as a Date round trip reads them', () => {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  for (const y of [0, 4, 99, 100, 1900, 2000, 2024, 2026, 9999])
    for (let mo = 1; mo <= 12; mo++)
      for (let d = 1; d <= 31; d++) {
        const ref = new Date(0);
        ref.setUTCFullYear(y, mo - 1, d);
        ref.setUTCHours(23, 59, 58, 0);
        const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T23:59:58Z`;
        assert.equal(parseTime(text), ref.getUTCDate() === d ? ref.getTime() : undefined, text);
      }
  // year 0 is a leap year (proleptic Gregorian, as Go); an offset west adds to the instant
  assert.equal(parseTime('0000-02-29T00:00:00-00:30'), new Date('0000-02-29T00:30:00Z').getTime());
  assert.equal(parseTime('1900-02-29T00:00:00Z'), undefined);
});
