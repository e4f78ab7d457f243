/**
 * WATCH: a stream of `{"type","object"}` lines, as kube-apiserver sends them. Without a
 * resourceVersion (or with "0", or with sendInitialEvents=true) it first sends an ADDED
 * event for every current object that matches, then the changes; with a resourceVersion it
 * sends the changes after it, or one ERROR event (410 Expired) when that revision is older
 * than the history kept — the client relists. From a resourceVersion the store has not reached
 * it waits for the changes after it, as kube-apiserver does; with sendInitialEvents=true it
 * first waits up to 3 s for the store to reach it, then ends with an ERROR event (504
 * ResourceVersionTooLarge) rather than send a state older than asked (./fresh.ts). Bookmarks (when asked) tell the client how far
 * it has seen; timeoutSeconds ends the stream cleanly; the server never ends it otherwise,
 * except when the store does (the client then re-watches from its last resourceVersion).
 */
import { isKubetlsError } from '../../errors/index.js';
import { resourceExpired, toStatus } from '../machinery/status.js';
import { parseListOptions, type ListOptions } from '../machinery/queryOptions.js';
import { requiresExactMatch } from '../machinery/fieldSelector.js';
import type { KubeObject } from '../object.js';
import type { WatchEvent } from '../../store/store.js';
import { groupVersion, keyOf, parseResourceVersion, prefixOf, table, typed } from './common.js';
import { selectorFilter } from './read.js';
import { waitUntilFresh } from './fresh.js';
import type { ApiRequest, Reply, ServerState, WatchSink } from './context.js';
import type { ResourceDefinition } from '../resource.js';

/** How often a bookmark is sent when the client allows them (kube-apiserver: about once a minute). */
export const BOOKMARK_INTERVAL_MS = 60_000;

/**
 * When the next bookmark is due: a BOOKMARK_INTERVAL_MS after now, or, for a watch with a
 * timeoutSeconds deadline, 2 s before that deadline when that is sooner — kube-apiserver's
 * watch cache does the same, so a client whose watch times out restarts from the newest
 * revision it could have seen rather than from its last event (and a short watch gets a
 * bookmark at all). After the pre-deadline bookmark the interval applies again (the stream
 * has ended by then).
 */
export function nextBookmarkIn(now: number, deadline: number): number {
  const preDeadline = deadline ? deadline - 2000 - now : Infinity;
  return preDeadline > 0 && preDeadline < BOOKMARK_INTERVAL_MS ? preDeadline : BOOKMARK_INTERVAL_MS;
}

/**
 * An event's line (`{"type":…,"object":…}` and a newline, UTF-8), encoded once however many
 * watches send it: the store hands the same object to every watcher of a change, and with
 * 1,000 open watches serializing and encoding a ~3 KB CSR per watch was most of the time from
 * a write to its last delivery (bench/serve.ts). Keyed by the object, so it lives as long as
 * the event does; by type too, since a filtered watch may see a change as ADDED or DELETED.
 */
const encodedEvents = new WeakMap<KubeObject, { def: ResourceDefinition; lines: Map<string, Buffer> }>();

function eventLine(def: ResourceDefinition, type: string, obj: KubeObject): Buffer {
  let e = encodedEvents.get(obj);
  if (e?.def !== def) encodedEvents.set(obj, (e = { def, lines: new Map() }));
  let line = e.lines.get(type);
  if (!line) e.lines.set(type, (line = Buffer.from(`${JSON.stringify({ type, object: typed(def, obj) })}\n`)));
  return line;
}

export function watchObjects(s: ServerState, req: ApiRequest): Reply {
  const { info, def } = req;
  const o: ListOptions = parseListOptions(req.query, { fields: def.fields, namespaced: def.names.namespaced });
  const rv = o.resourceVersion ?? '';
  parseResourceVersion(rv);
  // GET …/name?watch=1 and fieldSelector=metadata.name=x both watch one key
  const name = info.name || requiresExactMatch(o.fieldSelector, 'metadata.name');
  const prefix = name ? keyOf(def, info.namespace, name) : prefixOf(def, info.namespace);
  const filter = selectorFilter(def, o);
  const initial = rv === '' || rv === '0' || o.sendInitialEvents === true;
  const initialEndBookmark = o.sendInitialEvents === true;

  return {
    kind: 'stream',
    start(sink: WatchSink) {
      let stopped = false;
      let first = true;
      let lastRevision = rv === '' ? 0 : Number(rv);
      const encode = (type: string, obj: KubeObject): Record<string, unknown> | Buffer => {
        if (req.representation.as !== 'table') return eventLine(def, type, obj);
        const t = table(
          def,
          [obj],
          req.representation,
          s.now(),
          { resourceVersion: obj.metadata.resourceVersion ?? '' },
          first,
        );
        first = false;
        return { type, object: t };
      };
      const bookmark = (extra: Record<string, string> = {}): void => {
        sink.write({
          type: 'BOOKMARK',
          object: {
            kind: def.names.kind,
            apiVersion: groupVersion(def),
            metadata: {
              resourceVersion: String(lastRevision),
              ...(Object.keys(extra).length ? { annotations: extra } : {}),
            },
          },
        });
      };
      const errorEvent = (e: unknown): void => {
        sink.write({ type: 'ERROR', object: toStatus(e) });
      };
      let watch: { stop(): void } | undefined;
      const timers: NodeJS.Timeout[] = [];
      const finish = (): void => {
        if (stopped) return;
        stopped = true;
        watch?.stop();
        for (const t of timers) clearTimeout(t);
        sink.end();
      };
      const onEvent = (e: WatchEvent): void => {
        if (stopped) return;
        lastRevision = e.revision;
        sink.write(encode(e.type, e.object));
      };

      const begin = async (): Promise<void> => {
        let from = lastRevision;
        if (initial) {
          if (o.sendInitialEvents === true && rv !== '' && rv !== '0') await waitUntilFresh(s.store, Number(rv));
          if (stopped) return;
          const r = await s.store.list(prefix, filter ? { filter } : {});
          from = r.revision;
          lastRevision = r.revision;
          if (stopped) return;
          for (const item of r.items) sink.write(encode('ADDED', item));
          if (initialEndBookmark && o.allowWatchBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
        }
        try {
          watch = s.store.watch(prefix, onEvent, {
            fromRevision: from,
            ...(filter ? { filter } : {}),
            onClose: (_reason, error) => {
              if (error) errorEvent(error);
              finish();
            },
          });
        } catch (e) {
          // a resourceVersion older than the history: one ERROR event, then the end (the client relists)
          if (isKubetlsError(e) && e.code === 'Expired')
            errorEvent(resourceExpired(`too old resource version: ${rv} (${s.store.compactedRevision()})`));
          else errorEvent(e);
          finish();
          return;
        }
        const deadline =
          o.timeoutSeconds !== undefined && o.timeoutSeconds > 0 ? Date.now() + o.timeoutSeconds * 1000 : 0;
        if (o.allowWatchBookmarks) {
          const tick = (): void => {
            if (stopped) return;
            // the revision of the last event delivered: the store may still hold later ones for us
            bookmark();
            timers.push(setTimeout(tick, nextBookmarkIn(Date.now(), deadline)).unref());
          };
          timers.push(setTimeout(tick, nextBookmarkIn(Date.now(), deadline)).unref());
        }
        if (deadline) timers.push(setTimeout(finish, o.timeoutSeconds! * 1000).unref());
      };
      begin().catch((e: unknown) => {
        if (!stopped) errorEvent(e);
        finish();
      });
      return () => {
        stopped = true;
        watch?.stop();
        for (const t of timers) clearTimeout(t);
      };
    },
  };
}
