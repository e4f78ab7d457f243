/** Request attributes for the authorization tests. */
import type { RequestAttributes, UserInfo } from '../../../src/api/object.js';

/** A resource request: `verb` on `resource` of `group`, with namespace/name/subresource in `o`. */
export const resourceRequest = (
  user: UserInfo,
  verb: string,
  group: string,
  resource: string,
  o: Partial<RequestAttributes> = {},
): RequestAttributes => ({ user, verb, resourceRequest: true, apiGroup: group, resource, ...o });

/** A non-resource request (a path such as /healthz). */
export const pathRequest = (user: UserInfo, verb: string, path: string): RequestAttributes => ({
  user,
  verb,
  resourceRequest: false,
  path,
});
