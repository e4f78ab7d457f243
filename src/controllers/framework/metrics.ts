/**
 * The controllers' Prometheus metrics, in a Registry of their own (never prom-client's global
 * one, so two managers in one process — tests, serve — do not collide):
 * - `kubetls_csr_approved_total`, `_denied_total`, `_signed_total`, `_failed_total`, each
 *   labelled `signer_name` (controllers call `ctx.metrics.approved.inc({ signer_name })`);
 * - `kubetls_csr_sign_duration_seconds`, a histogram by `signer_name` (approved → issued as the
 *   signer saw it: from reading the approved CSR to the certificate written);
 * - `kubetls_controller_queue_depth` by `controller` (read from each queue at scrape time);
 * - `kubetls_controller_leader` (1 while this process holds the lease or runs without
 *   leader election, else 0).
 * `render()` gives the text exposition format for /metrics.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly approved: Counter<'signer_name'>;
  readonly denied: Counter<'signer_name'>;
  readonly signed: Counter<'signer_name'>;
  readonly failed: Counter<'signer_name'>;
  readonly signDuration: Histogram<'signer_name'>;
  readonly leader: Gauge;
  private readonly queues = new Map<string, { len(): number }>();

  constructor() {
    const registers = [this.registry];
    const counter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['signer_name'] as const, registers });
    this.approved = counter('kubetls_csr_approved_total', 'CSRs approved by a kubetls approver, by signerName');
    this.denied = counter('kubetls_csr_denied_total', 'CSRs denied by a kubetls approver, by signerName');
    this.signed = counter('kubetls_csr_signed_total', 'certificates issued by a kubetls signer, by signerName');
    this.failed = counter('kubetls_csr_failed_total', 'CSRs a kubetls signer marked Failed, by signerName');
    this.signDuration = new Histogram({
      name: 'kubetls_csr_sign_duration_seconds',
      help: 'time from reading an approved CSR to its certificate written, by signerName',
      labelNames: ['signer_name'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.leader = new Gauge({
      name: 'kubetls_controller_leader',
      help: '1 while this controller manager is the leader (or runs without leader election)',
      registers,
    });
    const queues = this.queues;
    new Gauge({
      name: 'kubetls_controller_queue_depth',
      help: 'keys waiting in each controller work queue',
      labelNames: ['controller'] as const,
      registers,
      collect() {
        this.reset();
        for (const [name, q] of queues) this.set({ controller: name }, q.len());
      },
    });
  }

  /** Reports the queue's depth under the controller's name at every scrape. */
  trackQueue(controller: string, queue: { len(): number }): void {
    this.queues.set(controller, queue);
  }

  untrackQueue(controller: string): void {
    this.queues.delete(controller);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** what every ControllerMetrics renders (a registry's default: Prometheus text 0.0.4) */
  static get contentType(): string {
    return Registry.PROMETHEUS_CONTENT_TYPE;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
