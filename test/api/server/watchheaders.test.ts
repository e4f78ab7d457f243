/**
 * A watch answers its headers at once, as kube-apiserver does, not with the first event:
 * clients (client-go's and @kubernetes/client-node's Watch, hence their informers) wait for
 * the headers before they call a watch open, so a watch on an empty or quiet collection must
 * not hold them back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { serve } from './harness.js';

test('watch: headers arrive before any event, for an empty and a quiet collection', async (t) => {
  const s = await serve(t);
  const kc = new KubeConfig();
  kc.loadFromFile(s.kubeconfig);
  const watch = new Watch(kc);
  for (const path of ['/api/v1/nodes', '/apis/certificates.k8s.io/v1/certificatesigningrequests']) {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const opened = await Promise.race([
      watch.watch(
        path,
        {},
        () => undefined,
        () => undefined,
      ),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 5000))),
    ]);
    clearTimeout(timer);
    assert.ok(opened, `${path}: the watch opened (headers received) with no event to send`);
    assert.ok(Date.now() - started < 5000);
    opened.abort();
  }
});
