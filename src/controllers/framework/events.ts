/**
 * Events about the objects controllers act on, as core/v1 Events (what `kubectl describe csr`
 * lists: it selects events by `involvedObject.name`, `.namespace`, `.kind` and `.uid`, so the
 * reference carries the object's uid). Named `<object>.<hex nanoseconds>` in the object's
 * namespace, or `default` for cluster-scoped objects (CSRs, Nodes), as client-go's recorder
 * names them; the same event repeated within 10 minutes patches `count` and `lastTimestamp`
 * of the first instead of creating another (client-go's correlator, without its spam filter).
 *
 * Recording never throws and never blocks a sync: `ctx.recorder.event(csrRef(csr), 'Warning',
 * 'SignerValidationFailure', '...')` sends in the background; `flush()` waits for what is in
 * flight (tests, shutdown).
 */
import { randomInt } from 'node:crypto';
import type { CoreV1Event, V1CertificateSigningRequest, V1Node, V1ObjectReference } from '@kubernetes/client-node';
import type { ControllerClock } from './clock.js';
import { apiError, type ControllerClient } from './client.js';

export type EventType = 'Normal' | 'Warning';

/** The reference `kubectl describe` matches: kind, name, namespace ('' when cluster-scoped), uid. */
export type InvolvedObject = Required<Pick<V1ObjectReference, 'kind' | 'name' | 'uid' | 'apiVersion'>> &
  Pick<V1ObjectReference, 'namespace' | 'resourceVersion'>;

export const csrRef = (csr: V1CertificateSigningRequest): InvolvedObject => ({
  kind: 'CertificateSigningRequest',
  apiVersion: 'certificates.k8s.io/v1',
  name: csr.metadata?.name ?? '',
  uid: csr.metadata?.uid ?? '',
  ...(csr.metadata?.resourceVersion ? { resourceVersion: csr.metadata.resourceVersion } : {}),
});

export const nodeRef = (node: V1Node): InvolvedObject => ({
  kind: 'Node',
  apiVersion: 'v1',
  name: node.metadata?.name ?? '',
  uid: node.metadata?.uid ?? '',
});

/** core/v1 Event's message limit when reportingComponent is set (kube-apiserver's validation). */
const MESSAGE_MAX = 1024;
const CORRELATE_MS = 10 * 60_000;
const CACHE_MAX = 4096;

const truncate = (s: string): string => {
  if (Buffer.byteLength(s) <= MESSAGE_MAX) return s;
  let out = s.slice(0, MESSAGE_MAX);
  while (Buffer.byteLength(out) > MESSAGE_MAX - 3) out = out.slice(0, -1);
  return `${out}...`;
};

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: number;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly inFlight = new Set<Promise<void>>();
  /** makes names unique within a millisecond */
  private seq = 0;

  constructor(
    private readonly client: ControllerClient,
    /** source.component and reportingComponent: "kube-controller-manager"'s part, e.g. "csrsigning" */
    private readonly component: string,
    private readonly clock: ControllerClock,
    private readonly log: (line: string) => void,
    /** reportingInstance / source.host */
    private readonly host = '',
  ) {}

  /** A recorder whose events name another component (one per controller). */
  forComponent(component: string): EventRecorder {
    return new EventRecorder(this.client, component, this.clock, this.log, this.host);
  }

  event(ref: InvolvedObject, type: EventType, reason: string, message: string): void {
    const p = this.send(ref, type, reason, truncate(message)).catch((e: unknown) =>
      this.log(`event ${reason} on ${ref.kind.toLowerCase()}/${ref.name} not recorded: ${apiError(e).message}`),
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Waits for the events sent so far. */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async send(ref: InvolvedObject, type: EventType, reason: string, message: string): Promise<void> {
    // metav1.Time has whole seconds: both timestamps truncated alike, so kubectl's ages agree
    const now = new Date(Math.floor(this.clock.now().getTime() / 1000) * 1000);
    const namespace = ref.namespace || 'default';
    const key = [this.component, ref.kind, namespace, ref.name, ref.uid, type, reason, message].join('\u0000');
    const prior = this.seen.get(key);
    if (prior && now.getTime() - prior.first < CORRELATE_MS) {
      prior.count++;
      try {
        await this.client.core.patchNamespacedEvent(
          {
            name: prior.name,
            namespace: prior.namespace,
            body: { count: prior.count, lastTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
          },
          this.client.lib.setHeaderOptions('Content-Type', 'application/merge-patch+json'),
        );
        return;
      } catch (e) {
        // the event was deleted (or never made it): record a new one
        if (apiError(e).code !== 404) throw e;
      }
    }
    // the sub-millisecond digits: a counter and a random part, so two recorders (two replicas)
    // naming an event about the same object in the same millisecond do not collide
    const sub = (this.seq++ % 1000) * 1000 + randomInt(1000);
    const nanos = BigInt(this.clock.now().getTime()) * 1_000_000n + BigInt(sub);
    const name = `${ref.name}.${nanos.toString(16)}`;
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { ...ref, namespace: ref.namespace ?? '' },
      type,
      reason,
      message,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      reportingComponent: this.component,
      reportingInstance: this.host,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await this.client.core.createNamespacedEvent({ namespace, body });
    if (this.seen.size >= CACHE_MAX) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, { name, namespace, count: 1, first: now.getTime() });
  }
}
