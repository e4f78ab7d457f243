/**
 * One page of a list as the server's JSON, through the kubeconfig's credentials, for the
 * informers' initial list. client-node's generated `list…` calls parse each page and then
 * rebuild every item as its model classes (every declared field assigned, `undefined` ones
 * too), which the CSR cache then rebuilt again without them (csrcache.ts): three object
 * graphs per item, of which one is kept. Listing 100,000 CSRs that way grew the controllers'
 * heap, and the process's RSS, to that garbage's peak (bench/RESULTS.md, session 24). Here a
 * page is parsed once into plain objects — what client-node's own Watch hands the informer for
 * every later event — with the same authentication: `KubeConfig.applyToHTTPSOptions` (client
 * certificate, CA, bearer token or exec credential, TLS server name).
 */
import { Agent as HttpsAgent, request, type RequestOptions } from 'node:https';
import type * as ClientNode from '@kubernetes/client-node';

export interface ListPage<T> {
  items: T[];
  /** `continue` as the server sends it, and as `_continue` as client-node's models name it */
  metadata?: { resourceVersion?: string; continue?: string; _continue?: string };
}

/** Largest page body read (a page of 500 CSRs is ~1.3 MB; kube-apiserver caps a response by its own limits). */
const MAX_PAGE_BYTES = 256 * 1024 * 1024;

/** Reads JSON list pages of `path` from the kubeconfig's current cluster over one keep-alive pool. */
export class JsonLister {
  private readonly agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly kc: ClientNode.KubeConfig,
    private readonly server: string,
  ) {}

  /**
   * GET `path?limit=...&continue=...`. A non-200 answer rejects with `code` (the HTTP status) and
   * `body` (the Status text), the shape `apiError` reads from client-node's ApiException.
   */
  async page<T>(path: string, o: { limit: number; _continue?: string }): Promise<ListPage<T>> {
    const url = new URL(this.server.replace(/\/$/, '') + path);
    url.searchParams.set('limit', String(o.limit));
    if (o._continue) url.searchParams.set('continue', o._continue);
    const opts: RequestOptions = {
      method: 'GET',
      headers: { Accept: 'application/json' },
    };
    await this.kc.applyToHTTPSOptions(opts);
    opts.agent = this.agent;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, opts, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_PAGE_BYTES) {
            req.destroy(new Error(`list ${path}: the answer exceeds ${MAX_PAGE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    if (status !== 200) throw Object.assign(new Error(`list ${path}: HTTP ${status}`), { code: status, body: text });
    let list: ListPage<T>;
    try {
      list = JSON.parse(text) as ListPage<T>;
    } catch (e) {
      throw Object.assign(new Error(`list ${path}: the answer is not JSON (${(e as Error).message})`), {
        code: status,
        body: '',
      });
    }
    if (!Array.isArray(list.items))
      throw Object.assign(new Error(`list ${path}: the answer has no items`), { code: status, body: '' });
    if (list.metadata?.continue) list.metadata._continue = list.metadata.continue;
    return list;
  }

  close(): void {
    this.agent.destroy();
  }
}
