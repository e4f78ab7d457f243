import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  discoveryETag,
  discoveryForPath,
} from '../../../src/api/machinery/discovery.js';
import { negotiateOutput } from '../../../src/api/machinery/mediaType.js';
import { buildTable, defaultTableConvertor } from '../../../src/api/machinery/table.js';
import { notFound, toStatus } from '../../../src/api/machinery/status.js';
import type { ResourceNames } from '../../../src/api/resource.js';
import type { KubeObject } from '../../../src/api/object.js';
import { hasCommand, openssl, tmpDir } from '../../helpers.js';

const CSR: ResourceNames = {
  group: 'certificates.k8s.io',
  version: 'v1',
  resource: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  kind: 'CertificateSigningRequest',
  listKind: 'CertificateSigningRequestList',
  shortNames: ['csr'],
  namespaced: false,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['approval', 'status'],
};
const SECRETS: ResourceNames = {
  group: '',
  version: 'v1',
  resource: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  listKind: 'SecretList',
  namespaced: true,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
};
const NODES: ResourceNames = {
  group: '',
  version: 'v1',
  resource: 'nodes',
  singular: 'node',
  kind: 'Node',
  listKind: 'NodeList',
  shortNames: ['no'],
  namespaced: false,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
};
const SSAR: ResourceNames = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  kind: 'SelfSubjectAccessReview',
  listKind: 'SelfSubjectAccessReviewList',
  namespaced: false,
  verbs: ['create'],
};
const DEFS = [CSR, SECRETS, NODES, SSAR];

test('legacy discovery documents', () => {
  assert.deepEqual(apiVersions(DEFS, '127.0.0.1:6443'), {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  });
  // no core resource: no v1, so kubectl does not refetch an empty /api/v1 (Part A pitfall)
  assert.deepEqual(apiVersions([CSR]).versions, []);
  assert.deepEqual(apiGroupList(DEFS), {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      {
        name: 'certificates.k8s.io',
        versions: [{ groupVersion: 'certificates.k8s.io/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'certificates.k8s.io/v1', version: 'v1' },
      },
      {
        name: 'authorization.k8s.io',
        versions: [{ groupVersion: 'authorization.k8s.io/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'authorization.k8s.io/v1', version: 'v1' },
      },
    ],
  });
  assert.equal(apiGroup(DEFS, 'certificates.k8s.io')?.kind, 'APIGroup');
  assert.equal(apiGroup(DEFS, 'nope.io'), undefined);
  assert.equal(apiGroup(DEFS, ''), undefined);
  assert.deepEqual(apiResourceList(DEFS, 'certificates.k8s.io', 'v1'), {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'certificates.k8s.io/v1',
    resources: [
      {
        name: 'certificatesigningrequests',
        singularName: 'certificatesigningrequest',
        namespaced: false,
        kind: 'CertificateSigningRequest',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['csr'],
      },
      {
        name: 'certificatesigningrequests/approval',
        singularName: '',
        namespaced: false,
        kind: 'CertificateSigningRequest',
        verbs: ['get', 'patch', 'update'],
      },
      {
        name: 'certificatesigningrequests/status',
        singularName: '',
        namespaced: false,
        kind: 'CertificateSigningRequest',
        verbs: ['get', 'patch', 'update'],
      },
    ],
  });
  const core = apiResourceList(DEFS, '', 'v1', { subresourceVerbs: { 'nodes/status': ['get', 'update'] } });
  assert.equal(core?.groupVersion, 'v1');
  assert.deepEqual(
    core?.resources.map((r) => `${r.name}:${r.verbs.join(',')}`),
    [
      'nodes:create,delete,get,list,patch,update,watch',
      'nodes/status:get,update',
      'secrets:create,delete,get,list,patch,update,watch',
    ],
  );
  assert.equal(apiResourceList(DEFS, 'certificates.k8s.io', 'v1beta1'), undefined);
  assert.equal(apiResourceList(DEFS, 'toString', 'v1'), undefined);
});

test('a group served in two versions: listed in definition order, the first preferred, each with its own resources', () => {
  const ssr = (version: string): ResourceNames => ({
    group: 'authentication.k8s.io',
    version,
    resource: 'selfsubjectreviews',
    singular: 'selfsubjectreview',
    kind: 'SelfSubjectReview',
    listKind: 'SelfSubjectReviewList',
    namespaced: false,
    verbs: ['create'],
  });
  const tokenReviews: ResourceNames = { ...ssr('v1'), resource: 'tokenreviews', singular: 'tokenreview', kind: 'TokenReview', listKind: 'TokenReviewList' }; // prettier-ignore
  const defs = [ssr('v1'), tokenReviews, ssr('v1beta1')];
  const v1 = { groupVersion: 'authentication.k8s.io/v1', version: 'v1' };
  const v1beta1 = { groupVersion: 'authentication.k8s.io/v1beta1', version: 'v1beta1' };
  assert.deepEqual(apiGroup(defs, 'authentication.k8s.io'), {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: 'authentication.k8s.io',
    versions: [v1, v1beta1],
    preferredVersion: v1,
  });
  assert.deepEqual(apiResourceList(defs, 'authentication.k8s.io', 'v1beta1')?.resources.map((r) => r.name), ['selfsubjectreviews']); // prettier-ignore
  assert.deepEqual(apiResourceList(defs, 'authentication.k8s.io', 'v1')?.resources.map((r) => r.name), ['selfsubjectreviews', 'tokenreviews']); // prettier-ignore
  assert.equal(apiResourceList(defs, 'authentication.k8s.io', 'v1alpha1'), undefined);
  const agg = aggregatedDiscovery(defs, 'apis', 'v2');
  assert.deepEqual(agg.items[0]!.versions.map((v) => [v.version, v.resources.map((r) => `${r.resource} ${r.responseKind.version}`)]), [
    ['v1', ['selfsubjectreviews v1', 'tokenreviews v1']],
    ['v1beta1', ['selfsubjectreviews v1beta1']],
  ]); // prettier-ignore
});

test('aggregated discovery for /api and /apis, v2 and v2beta1, with a stable ETag', () => {
  const apis = aggregatedDiscovery(DEFS, 'apis', 'v2');
  assert.equal(apis.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.deepEqual(apis.items[0], {
    metadata: { name: 'certificates.k8s.io' },
    versions: [
      {
        version: 'v1',
        resources: [
          {
            resource: 'certificatesigningrequests',
            responseKind: { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' },
            scope: 'Cluster',
            singularResource: 'certificatesigningrequest',
            verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
            shortNames: ['csr'],
            subresources: [
              {
                subresource: 'approval',
                responseKind: { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' },
                verbs: ['get', 'patch', 'update'],
              },
              {
                subresource: 'status',
                responseKind: { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' },
                verbs: ['get', 'patch', 'update'],
              },
            ],
          },
        ],
        freshness: 'Current',
      },
    ],
  });
  const api = aggregatedDiscovery(DEFS, 'api', 'v2beta1');
  assert.equal(api.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  assert.equal(api.items.length, 1);
  assert.deepEqual(api.items[0]!.metadata, {});
  assert.deepEqual(
    api.items[0]!.versions[0]!.resources.map((r) => `${r.resource} ${r.scope}`),
    ['nodes Cluster', 'secrets Namespaced'],
  );
  assert.deepEqual(aggregatedDiscovery([CSR], 'api', 'v2').items, [], 'an empty list when no core resource is served');
  const etag = discoveryETag(apis);
  assert.match(etag, /^"[0-9A-F]{128}"$/);
  assert.equal(discoveryETag(aggregatedDiscovery(DEFS, 'apis', 'v2')), etag);
  assert.notEqual(discoveryETag(aggregatedDiscovery([CSR], 'apis', 'v2')), etag);
});

test('discovery by request path', () => {
  const AGG = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  const agg = discoveryForPath(DEFS, '/apis', AGG)!;
  assert.equal(agg.contentType, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(agg.etag, discoveryETag(agg.body));
  assert.equal((discoveryForPath(DEFS, '/api/', 'application/json')!.body as { kind: string }).kind, 'APIVersions');
  assert.equal((discoveryForPath(DEFS, '/api', AGG)!.body as { kind: string }).kind, 'APIGroupDiscoveryList');
  assert.equal((discoveryForPath(DEFS, '/apis', undefined)!.body as { kind: string }).kind, 'APIGroupList');
  assert.equal((discoveryForPath(DEFS, '/api/v1', AGG)!.body as { groupVersion: string }).groupVersion, 'v1');
  assert.equal((discoveryForPath(DEFS, '/apis/certificates.k8s.io', AGG)!.body as { kind: string }).kind, 'APIGroup');
  assert.equal(
    (discoveryForPath(DEFS, '/apis/certificates.k8s.io/v1/', AGG)!.body as { kind: string }).kind,
    'APIResourceList',
  );
  for (const p of [
    '/apis/nope.io',
    '/apis/certificates.k8s.io/v9',
    '/api/v2',
    '/apis/a/b/c',
    '/',
    '/healthz',
    '/apis/__proto__',
  ])
    assert.equal(discoveryForPath(DEFS, p, AGG), undefined, p);
  assert.equal(discoveryForPath([CSR], '/api/v1', undefined), undefined);
});

interface Seen {
  path: string;
  accept: string;
  answered: string;
}

/**
 * A stub HTTPS API made only of this module's functions: discovery (negotiated) and
 * GET/LIST of CSRs as Table or JSON. Enough for kubectl's discovery, api-resources and get.
 */
function stub(cert: string, key: string, seen: Seen[]): Server {
  const now = Date.now();
  const items: KubeObject[] = ['alpha', 'beta'].map((name) => ({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {
      name,
      resourceVersion: '7',
      creationTimestamp: new Date(now - 300_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    },
  }));
  return createServer({ cert, key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const accept = req.headers.accept ?? '';
    const send = (status: number, body: unknown, contentType = 'application/json'): void => {
      seen.push({ path: url.pathname, accept, answered: contentType });
      res.writeHead(status, { 'Content-Type': contentType });
      res.end(JSON.stringify(body));
    };
    try {
      const p = url.pathname.replace(/\/$/, '');
      const d = discoveryForPath(DEFS, p, accept);
      if (d) return send(200, d.body, d.contentType);
      const csr = /^\/apis\/certificates\.k8s\.io\/v1\/certificatesigningrequests(?:\/([^/]+))?$/.exec(p);
      if (csr) {
        const target = negotiateOutput(accept);
        const selected = csr[1] ? items.filter((i) => i.metadata.name === csr[1]) : items;
        if (csr[1] && !selected.length) throw notFound({ group: CSR.group, resource: CSR.resource }, csr[1]);
        if (target.as === 'Table')
          return send(
            200,
            buildTable(defaultTableConvertor, selected, { resourceVersion: '7' }, new Date(), {
              version: target.version,
            }),
          );
        return send(
          200,
          csr[1]
            ? selected[0]
            : { kind: CSR.listKind, apiVersion: 'certificates.k8s.io/v1', metadata: { resourceVersion: '7' }, items },
        );
      }
      throw notFound({ group: '', resource: '' }, url.pathname);
    } catch (e) {
      const s = toStatus(e);
      send(s.code, s);
    }
  });
}

const KUBECTLS: Array<[string, string]> = [
  ['1.33', '/usr/lib/google-cloud-sdk/bin/kubectl.1.33'],
  ['1.27', '/usr/lib/google-cloud-sdk/bin/kubectl.1.27'],
  ['1.20', '/tmp/k120/usr/bin/kubectl'],
  ['default', 'kubectl'],
];

test(
  'real kubectl (1.20, 1.27, 1.33) discovers, lists api-resources and gets CSRs as Tables through these modules',
  { skip: !hasCommand('kubectl') },
  async (t) => {
    const dir = tmpDir('kubetls-discovery-', t);
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '1',
    ]);
    const seen: Seen[] = [];
    const server = stub(readFileSync(cert, 'utf8'), readFileSync(key, 'utf8'), seen);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    const port = (server.address() as { port: number }).port;
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", certificate-authority: "${cert}"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {token: t}}]\n`,
    );
    const exec = promisify(execFile);
    let ran = 0;
    for (const [version, bin] of KUBECTLS) {
      // the machine's default kubectl only when none of the pinned versions is installed (as in a fresh CI)
      if (bin.startsWith('/') ? !existsSync(bin) : ran > 0 || !hasCommand(bin)) continue;
      ran++;
      const kubectl = async (...args: string[]): Promise<string> => {
        const cache = tmpDir('kubetls-kcache-', t);
        const r = await exec(bin, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args], { timeout: 60_000 });
        return r.stdout;
      };
      seen.length = 0;
      const resources = await kubectl('api-resources');
      assert.match(
        resources,
        /^certificatesigningrequests\s+csr\s+certificates\.k8s\.io\/v1\s+false\s+CertificateSigningRequest$/m,
        version,
      );
      assert.match(resources, /^secrets\s+v1\s+true\s+Secret$/m, version);
      assert.match(resources, /^nodes\s+no\s+v1\s+false\s+Node$/m, version);
      const apis = seen.find((s) => s.path === '/apis')!;
      if (version === '1.33')
        assert.equal(apis.answered, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
      if (version === '1.27')
        assert.equal(apis.answered, 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
      if (version === '1.20') {
        assert.equal(apis.answered, 'application/json');
        assert.ok(
          seen.some((s) => s.path === '/apis/certificates.k8s.io/v1'),
          'legacy discovery fetches the group version',
        );
      }
      if (apis.answered !== 'application/json')
        assert.ok(
          !seen.some((s) => s.path.startsWith('/apis/')),
          `${version}: aggregated discovery needs no per-group request`,
        );

      seen.length = 0;
      const get = await kubectl('get', 'csr');
      assert.match(get, /^NAME\s+AGE\nalpha\s+5m\d*s?\nbeta\s+5m\d*s?\n$/, `${version}: ${get}`);
      const list = seen.find((s) => s.path.endsWith('/certificatesigningrequests'))!;
      assert.match(list.accept, /as=Table;v=v1;g=meta\.k8s\.io/, version);
      assert.equal(
        await kubectl('get', 'csr', 'alpha', '-o', 'name'),
        'certificatesigningrequest.certificates.k8s.io/alpha\n',
      );
      await assert.rejects(kubectl('get', 'csr', 'nope'), (e: { stderr: string }) => {
        assert.match(
          e.stderr,
          /Error from server \(NotFound\): certificatesigningrequests\.certificates\.k8s\.io "nope" not found/,
        );
        return true;
      });
    }
    assert.ok(ran >= 1);
  },
);
