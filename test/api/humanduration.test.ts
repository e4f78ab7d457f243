import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanAge, humanDuration } from '../../src/api/humanduration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

test('humanDuration matches apimachinery HumanDuration at every precision boundary', () => {
  const cases: Array<[number, string]> = [
    // a little in the future is clock skew, more is invalid
    [-2 * S, '<invalid>'],
    [-2 * S + 1, '0s'],
    [-500, '0s'],
    [0, '0s'],
    [S - 1, '0s'],
    [S, '1s'],
    // seconds up to 2 minutes
    [70 * S, '70s'],
    [2 * M - 1, '119s'],
    [2 * M, '2m'],
    [2 * M + S, '2m1s'],
    [190 * S, '3m10s'],
    [10 * M - 1, '9m59s'],
    // minutes up to 3 hours
    [10 * M, '10m'],
    [10 * M + S, '10m'],
    [70 * M, '70m'],
    [3 * H - 1, '179m'],
    // hours and minutes below 8 hours
    [3 * H, '3h'],
    [3 * H + M, '3h1m'],
    [8 * H - 1, '7h59m'],
    // hours below 2 days
    [8 * H, '8h'],
    [8 * H + 59 * M, '8h'],
    [24 * H, '24h'],
    [47 * H, '47h'],
    [2 * D - 1, '47h'],
    // days and hours below 8 days
    [2 * D, '2d'],
    [49 * H, '2d1h'],
    [8 * D - 1, '7d23h'],
    // days below 2 years
    [8 * D, '8d'],
    [8 * D + 23 * H, '8d'],
    [367 * D, '367d'],
    [2 * Y - 1, '729d'],
    // years and days below 8 years
    [2 * Y, '2y'],
    [2 * Y + 24 * H - 1, '2y'],
    [2 * Y + D, '2y1d'],
    [2 * Y + 25 * H, '2y1d'],
    [8 * Y - 1, '7y364d'],
    // years
    [8 * Y, '8y'],
    [8 * Y + 2 * H, '8y'],
    [8 * Y + 364 * D, '8y'],
    [9 * Y, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test('humanDuration of common CSR expirationSeconds values', () => {
  assert.equal(humanDuration(600 * S), '10m');
  assert.equal(humanDuration(3600 * S), '60m');
  assert.equal(humanDuration(86400 * S), '24h');
  assert.equal(humanDuration(365 * 86400 * S), '365d');
});

test('humanDuration at the spans kubectl users see, and humanAge of a timestamp', () => {
  const cases: Array<[number, string]> = [
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    [-1.5 * S, '0s'],
    [-1 * S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [59 * S, '59s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 10 * S, '2m10s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [48 * H, '2d'],
    [3 * D + 4 * H, '3d4h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [400 * D, '400d'],
    [2 * Y - D, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 100 * D, '2y100d'],
    [8 * Y, '8y'],
    [30 * Y + 200 * D, '30y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
  const now = new Date('2026-12-05T12:00:00Z');
  assert.equal(humanAge('2026-12-05T11:55:00Z', now), '5m');
  assert.equal(humanAge(undefined, now), '<unknown>');
  assert.equal(humanAge('not a time', now), '<unknown>');
  assert.equal(humanAge('2026-12-05T12:00:10Z', now), '<invalid>');
  // Go's zero time and null are no timestamp at all
  for (const zero of [null, '', '0001-01-01T00:00:00Z']) assert.equal(humanAge(zero, now), '<unknown>');
  assert.equal(humanAge('2026-12-05T12:30:00+01:00', now), '30m', 'an offset is an instant');
});
