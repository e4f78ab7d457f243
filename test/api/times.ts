/** Texts Go's time.Parse(time.RFC3339) refuses: no time, a space for T, impossible dates and hours, a 24h offset, lower-case t and z. */
export const NOT_RFC3339: readonly string[] = [
  '2026-12-05',
  '2026-12-05 12:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-12-05T24:00:00Z',
  '2026-12-05T12:00:00+24:00',
  '2026-12-05t12:00:00z',
];
