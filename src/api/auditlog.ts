/**
 * The API server's audit log: one JSON line per write request (and per refused
 * authentication), in the shape of kube-apiserver's audit.k8s.io/v1 `Event` at level
 * Metadata, so the tools that read kube-apiserver audit logs read this one. Who approved and
 * who signed each CSR is answerable from it: a write to `…/approval` or `…/status` carries
 * the conditions it added and whether it set the certificate, as annotations.
 *
 * When it is written (a deliberate choice, tested by test/api/server/audit.test.ts): before the
 * response, not after it. The request pipeline awaits `record` and only then sends the
 * answer, and `record` resolves once the line is appended (one write(2), O_APPEND, so
 * concurrent lines never interleave) **and synced** (fdatasync, one for all the lines written
 * while the previous sync ran — a group commit, so concurrent writes share a sync). So every
 * write a client saw acknowledged has its event on disk, through kill -9 or a power loss,
 * just as the write itself is durable before its response; and who approved and who signed
 * a CSR is answerable for every approval and certificate the store holds. The event keeps
 * kube-apiserver's stage name, ResponseComplete: it carries the final response code, which
 * is known by then (kube-apiserver's blocking log backend likewise writes the event before
 * its buffered response is flushed). A write whose response is then lost still has its
 * event, which is right: the write happened. `-` writes to stdout (never synced).
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { UserInfo } from './object.js';

export interface AuditRecord {
  verb: string;
  requestURI: string;
  user: UserInfo | undefined;
  sourceIP: string;
  userAgent: string | undefined;
  objectRef?: {
    apiGroup: string;
    apiVersion: string;
    resource: string;
    namespace?: string | undefined;
    name?: string | undefined;
    subresource?: string | undefined;
    uid?: string | undefined;
  };
  code: number;
  received: Date;
  completed: Date;
  /** authorization.k8s.io/decision, authorization.k8s.io/reason, and kubetls's own */
  annotations?: Record<string, string>;
}

/** Microsecond-precision RFC 3339, as audit events carry (`2026-12-05T12:00:00.123456Z`). */
const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function auditEvent(r: AuditRecord, auditID: string = randomUUID()): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: r.requestURI,
    verb: r.verb,
    // no user: the request's credentials were refused; kube-apiserver records an empty user then
    // (not system:anonymous, which would hide that someone presented a bad credential)
    user: r.user
      ? { username: r.user.username, ...(r.user.uid ? { uid: r.user.uid } : {}), groups: r.user.groups }
      : {},
    sourceIPs: [r.sourceIP],
  };
  if (r.userAgent) ev.userAgent = r.userAgent;
  if (r.objectRef) {
    const o = r.objectRef;
    ev.objectRef = {
      resource: o.resource,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      ...(o.name ? { name: o.name } : {}),
      ...(o.uid ? { uid: o.uid } : {}),
      apiGroup: o.apiGroup,
      apiVersion: o.apiVersion,
      ...(o.subresource ? { subresource: o.subresource } : {}),
    };
  }
  ev.responseStatus = { metadata: {}, code: r.code };
  ev.requestReceivedTimestamp = microTime(r.received);
  ev.stageTimestamp = microTime(r.completed);
  if (r.annotations && Object.keys(r.annotations).length) ev.annotations = r.annotations;
  return ev;
}

export interface AuditLog {
  /** appends the event; the promise (if any) resolves once it is durable */
  record(r: AuditRecord): void | Promise<void>;
  close(): void;
}

/** An audit log that drops everything (no --audit-log-path). */
export const noAuditLog: AuditLog = { record: () => undefined, close: () => undefined };

/**
 * One fdatasync at a time for everything appended before it started; appends made while one
 * runs wait for the next, which starts as soon as it ends (a group commit).
 */
function groupSync(fd: number): () => Promise<void> {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const start = (): Promise<void> =>
    (running = new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve()))).finally(
      () => (running = undefined),
    ));
  return () => {
    if (!running) return start();
    // a line appended now may have missed the running sync: it needs the next one
    return (queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return start();
      }));
  };
}

/** Opens `path` for appending (0600: it names users and objects), or stdout for `-`. */
export function openAuditLog(path: string): AuditLog {
  const toStdout = path === '-';
  const fd = toStdout ? 1 : openSync(path, 'a', 0o600);
  const sync = toStdout ? undefined : groupSync(fd);
  let closed = false;
  return {
    record(r) {
      writeSync(fd, `${JSON.stringify(auditEvent(r))}\n`);
      // a sync still running when the log is closed: close() synced everything itself
      return closed
        ? undefined
        : sync?.().catch((e: unknown) => {
            if (!closed) throw e;
          });
    },
    close() {
      if (closed) return;
      closed = true;
      if (!toStdout) {
        fdatasyncSync(fd);
        closeSync(fd);
      }
    },
  };
}
