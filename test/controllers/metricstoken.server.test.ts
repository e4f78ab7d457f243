/**
 * Bearer tokens on the controller manager's /metrics, checked by the API server with a
 * TokenReview, against a real `kubetls serve` (--token-auth-file, --audit-log-path):
 * - the standalone `kubetls controller-manager` scraped with curl: a token whose user is bound
 *   to get /metrics is 200, one whose user is not is 403, an unknown one 401, a client
 *   certificate wins over a token; several scrapes cost the server one TokenReview (its audit
 *   log says so); with the API server gone a new token is 401, said once in the log;
 * - the endpoint in-process with an injected clock and the real controller client: the answer
 *   kept 10 s and asked again after, concurrent requests sharing one review, the cache's bound,
 *   and an API server that cannot be reached (a cut TCP proxy): 401 and one log line, then one
 *   more when reviews work again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../src/controllers/framework/clock.js';
import { connect } from '../../src/controllers/framework/client.js';
import { ControllerMetrics } from '../../src/controllers/framework/metrics.js';
import { startMetricsServer } from '../../src/controllers/metricsserver.js';
import { hasCommand, run, tmpDir } from '../helpers.js';
import { kubectl, serve } from '../api/server/harness.js';
import { clientCert, eventually, httpsGet, startMetricsManager, tcpProxy } from './helpers.js';

const SCRAPER = 'scraper-token-5d0c2e7f19';
const NOBODY = 'nobody-token-a41f88c2e0';
const MORE = ['t-one-1111111111', 't-two-2222222222', 't-three-333333333'];

/** serve with static tokens (scraper bound to system:monitoring, nobody bound to nothing) and an audit log. */
async function serveWithTokens(t: { after: (fn: () => Promise<void> | void) => void }) {
  const work = tmpDir('kubetls-metrics-token-', t);
  const tokens = join(work, 'tokens.csv');
  const audit = join(work, 'audit.log');
  writeFileSync(
    tokens,
    [`${SCRAPER},scraper,uid-scraper`, `${NOBODY},nobody,uid-nobody`, ...MORE.map((m, i) => `${m},more-${i},`)]
      .map((l) => `${l}\n`)
      .join(''),
  );
  const s = await serve(t, { args: ['--token-auth-file', tokens, '--audit-log-path', audit] });
  for (const user of ['scraper', 'more-0', 'more-1', 'more-2']) {
    const b = kubectl('kubectl', s.kubeconfig, [
      'create', 'clusterrolebinding', `monitoring-${user}`, '--clusterrole=system:monitoring', `--user=${user}`,
    ]); // prettier-ignore
    assert.equal(b.code, 0, b.stderr);
  }
  /** TokenReviews the server answered so far, from its audit log */
  const reviews = () =>
    readFileSync(audit, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"resource":"tokenreviews"') && l.includes('"verb":"create"')).length;
  return { s, audit, reviews };
}

/** curl's status code for GET url with `Authorization: Bearer token` (and a client certificate). */
function curlStatus(
  url: string,
  token: string | undefined,
  cert?: { cert: string; key: string },
  dir?: string,
): number {
  const args = ['-sk', '-o', '/dev/null', '-w', '%{http_code}'];
  if (token) args.push('-H', `Authorization: Bearer ${token}`);
  if (cert && dir) {
    writeFileSync(join(dir, 'c.crt'), cert.cert);
    writeFileSync(join(dir, 'c.key'), cert.key, { mode: 0o600 });
    args.push('--cert', join(dir, 'c.crt'), '--key', join(dir, 'c.key'));
  }
  const r = run('curl', [...args, url]);
  assert.equal(r.code, 0, r.stderr);
  return Number(r.stdout);
}

test(
  'kubetls controller-manager /metrics with bearer tokens (curl): 200, 403, 401, certificates first, one TokenReview for several scrapes',
  { skip: (!hasCommand('kubectl') || !hasCommand('curl')) && 'kubectl or curl not installed' },
  async (t) => {
    const { s, audit, reviews } = await serveWithTokens(t);
    const { cm, url } = await startMetricsManager(t, s);
    const metrics = `${url}/metrics`;

    const before = reviews();
    const started = Date.now();
    const codes = [1, 2, 3, 4].map(() => curlStatus(metrics, SCRAPER));
    const took = Date.now() - started;
    assert.deepEqual(codes, [200, 200, 200, 200]);
    const scraped = await httpsGet(metrics, { headers: { Authorization: `Bearer ${SCRAPER}` } });
    assert.match(scraped.body, /^kubetls_controller_leader 1$/m);
    // five scrapes, one TokenReview (the answer is kept 10 s; a machine slow enough to take longer may need two)
    assert.equal(reviews() - before, took < 9_000 ? 1 : reviews() - before, `took ${took} ms`);
    assert.ok(reviews() - before <= 2);

    assert.equal(curlStatus(metrics, NOBODY), 403);
    const nobody = await httpsGet(metrics, { headers: { Authorization: `Bearer ${NOBODY}` } });
    assert.equal(nobody.body, 'Forbidden: "/metrics", Reason: ""\n');
    assert.equal(curlStatus(metrics, 'no-such-token-0000'), 401);
    assert.equal(curlStatus(metrics, undefined), 401);
    // a client certificate wins: one of a user without the right, with the scraper's token, is 403
    const work = tmpDir('kubetls-metrics-curl-', t);
    assert.equal(curlStatus(metrics, SCRAPER, clientCert(s.dir, 'someone-else'), work), 403);
    assert.equal(curlStatus(metrics, undefined, clientCert(s.dir, 'prom', ['system:monitoring']), work), 200);
    // the health paths still need nothing
    assert.equal(curlStatus(`${url}/healthz`, 'no-such-token-0000'), 200);

    // the API server gone: a token not yet known is 401 (not a crash, not a 500), said once
    await s.stop();
    assert.equal(curlStatus(metrics, MORE[0]), 401);
    assert.equal(curlStatus(metrics, MORE[1]), 401);
    assert.equal(cm.proc.exitCode, null, 'the controller manager is still running');
    // (curl runs synchronously: the log is read once the event loop has taken the process's output)
    const failures = () => cm.log().match(/metrics: TokenReview failed/g)?.length ?? 0;
    await eventually('the failure in the log', () => failures() > 0);
    assert.equal(curlStatus(metrics, MORE[2]), 401);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(failures(), 1, cm.log());
    // no token anywhere: the controller manager's log, the server's audit log
    for (const token of [SCRAPER, NOBODY, ...MORE]) {
      assert.ok(!cm.log().includes(token), 'a token in the controller manager log');
      assert.ok(!readFileSync(audit, 'utf8').includes(token), 'a token in the audit log');
    }
  },
);

test('the /metrics token cache: 10 s on the injected clock, one review for concurrent requests, bounded, a failing API server is 401 and logged once', async (t) => {
  const { s, reviews } = await serveWithTokens(t);
  const proxy = await tcpProxy(t, s.port);
  const client = await connect({ file: join(s.dir, 'controller-manager.conf'), port: proxy.port });
  const clock = new FakeClock(new Date());
  const log: string[] = [];
  const server = await startMetricsServer({
    bindAddress: '127.0.0.1',
    port: 0,
    client,
    metrics: new ControllerMetrics(),
    clock,
    healthy: () => true,
    log: (l) => log.push(l),
    tokenCache: { maxEntries: 2 },
  });
  t.after(() => server.stop());
  const scrape = async (token: string) =>
    (await httpsGet(`https://127.0.0.1:${server.port}/metrics`, { headers: { Authorization: `Bearer ${token}` } }))
      .status;
  const both = () => ({ sent: server.tokenReviews(), answered: reviews() });
  assert.deepEqual(both(), { sent: 0, answered: 0 });

  // kept 10 s
  assert.deepEqual([await scrape(SCRAPER), await scrape(SCRAPER), await scrape(SCRAPER)], [200, 200, 200]);
  assert.deepEqual(both(), { sent: 1, answered: 1 });
  await clock.advance(9_999);
  assert.equal(await scrape(SCRAPER), 200);
  assert.deepEqual(both(), { sent: 1, answered: 1 });
  await clock.advance(1);
  assert.equal(await scrape(SCRAPER), 200);
  assert.deepEqual(both(), { sent: 2, answered: 2 });
  // a refused token's answer is kept too
  assert.deepEqual([await scrape('unknown-token-1'), await scrape('unknown-token-1')], [401, 401]);
  assert.deepEqual(both(), { sent: 3, answered: 3 });

  // concurrent requests with one new token: one review
  await clock.advance(10_000);
  const statuses = await Promise.all(Array.from({ length: 8 }, () => scrape(MORE[0]!)));
  assert.deepEqual(statuses, Array(8).fill(200));
  assert.deepEqual(both(), { sent: 4, answered: 4 });

  // bounded (2 entries here): a third token pushes the oldest out, which is then asked again
  assert.equal(await scrape(MORE[1]!), 200); // cache: MORE[0], MORE[1]
  assert.equal(await scrape(MORE[2]!), 200); // cache: MORE[1], MORE[2]
  assert.equal(await scrape(MORE[2]!), 200);
  assert.equal(await scrape(MORE[1]!), 200);
  assert.deepEqual(both(), { sent: 6, answered: 6 });
  assert.equal(await scrape(MORE[0]!), 200);
  assert.deepEqual(both(), { sent: 7, answered: 7 });

  // the API server unreachable: 401 for a token not cached, one log line however many requests
  proxy.cut();
  await clock.advance(10_000);
  assert.deepEqual([await scrape(SCRAPER), await scrape(NOBODY), await scrape(MORE[1]!)], [401, 401, 401]);
  assert.equal(log.filter((l) => l.startsWith('metrics: TokenReview failed')).length, 1, log.join('\n'));
  assert.match(log[0]!, /^metrics: TokenReview failed, bearer tokens are refused \(401\) until it works: /);
  // a failure is not kept: the next request asks again, and once it works that is said once
  proxy.restore();
  assert.equal(await scrape(SCRAPER), 200);
  assert.equal(await scrape(NOBODY), 403);
  assert.deepEqual(log.slice(1), ['metrics: TokenReview works again']);
  for (const token of [SCRAPER, NOBODY, ...MORE]) assert.ok(!log.join('\n').includes(token));
});
