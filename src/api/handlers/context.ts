/**
 * What every handler gets: the server's shared state (store, resources, authorizer, clock)
 * and one request's facts (who, what, the query, the body). Handlers return a `Reply` —
 * an object to encode, or a stream — and never touch the HTTP response themselves, so they
 * are tested without a socket.
 */
import type { Store } from '../../store/store.js';
import type { UserInfo } from '../object.js';
import type { Authenticator, Authorizer, ResourceDefinition } from '../resource.js';
import type { ResourceRegistry } from '../registry.js';
import type { ResourceRequestInfo } from '../requestinfo.js';

export interface ServerState {
  store: Store;
  registry: ResourceRegistry;
  authorizer: Authorizer;
  /** the bearer-token authenticators, which TokenReview asks (src/api/authn/tokenreview.ts) */
  tokenAuthenticator?: Authenticator | undefined;
  now: () => Date;
  /** a new metadata.uid */
  uid: () => string;
  /** `n` random characters for generateName, from kube's alphabet (no vowels, no look-alikes) */
  randomSuffix: (n: number) => string;
}

/** How a reply's objects are encoded: plain JSON, or a meta.k8s.io/v1 Table for kubectl get. */
export type Representation =
  | { as: 'object' }
  | { as: 'table'; version: 'v1' | 'v1beta1'; includeObject: 'None' | 'Metadata' | 'Object'; noHeaders: boolean };

export interface ApiRequest {
  info: ResourceRequestInfo;
  def: ResourceDefinition;
  user: UserInfo;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** the request body as sent (create, update, patch, delete); decoded by the verb's handler */
  rawBody: Buffer;
  /** its media type, lower case, without parameters ('' when the client sent none) */
  contentType: string;
  representation: Representation;
}

export interface ObjectReply {
  kind: 'object';
  status: number;
  body: object;
  /** `Warning` headers (fieldValidation=Warn) */
  warnings?: string[];
}

/** A watch: the adapter calls `start` with a line writer and calls the returned stop on disconnect. */
export interface StreamReply {
  kind: 'stream';
  start(sink: WatchSink): () => void;
}

export interface WatchSink {
  /**
   * writes one event line: an object to serialize, or the whole line already encoded (UTF-8
   * JSON and its newline: an event shared by many watches is encoded once); false when the
   * socket buffer is full (the caller may slow down)
   */
  write(event: Record<string, unknown> | Buffer): boolean;
  /** ends the response (timeout, store closed, expired) */
  end(): void;
}

export type Reply = ObjectReply | StreamReply;

export const objectReply = (status: number, body: object, warnings?: string[]): Reply =>
  warnings?.length ? { kind: 'object', status, body, warnings } : { kind: 'object', status, body };
