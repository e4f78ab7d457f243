/**
 * The API server's audit log: one JSON line per write request (and per refused
 * authentication), in the shape of kube-apiserver's audit.k8s.io/v1 `Event` at level
 * Metadata, so the tools that read kube-apiserver audit logs read this one. Who approved and
 * who signed each CSR is answerable from it: a write to `…/approval` or `…/status` carries
 * the conditions it added and whether it set the certificate, as annotations.
 *
 * Lines are appended with one write(2) each (O_APPEND, so concurrent lines never interleave)
 * and flushed to disk once a second and on close; `-` writes to stdout.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
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
  record(r: AuditRecord): void;
  close(): void;
}

/** An audit log that drops everything (no --audit-log-path). */
export const noAuditLog: AuditLog = { record: () => undefined, close: () => undefined };

/** Opens `path` for appending (0600: it names users and objects), or stdout for `-`. */
export function openAuditLog(path: string, flushEveryMs = 1000): AuditLog {
  const toStdout = path === '-';
  const fd = toStdout ? 1 : openSync(path, 'a', 0o600);
  let dirty = false;
  const timer = toStdout
    ? undefined
    : setInterval(() => {
        if (!dirty) return;
        dirty = false;
        fdatasyncSync(fd);
      }, flushEveryMs);
  timer?.unref();
  return {
    record(r) {
      writeSync(fd, `${JSON.stringify(auditEvent(r))}\n`);
      dirty = true;
    },
    close() {
      if (timer) clearInterval(timer);
      if (!toStdout) {
        fdatasyncSync(fd);
        closeSync(fd);
      }
    },
  };
}
