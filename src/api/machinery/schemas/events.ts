/** events.k8s.io/v1 Event (k8s.io/api `events/v1/types.go`); no mergeable lists. */
import { int32, microTime, obj, str, time } from '../schema.js';
import { eventSource, objectReference } from './core.js';
import { topLevel } from './meta.js';

export const eventsV1Event = topLevel('v1.Event', {
  eventTime: microTime,
  series: obj('v1.EventSeries', { count: int32, lastObservedTime: microTime }),
  reportingController: str,
  reportingInstance: str,
  action: str,
  reason: str,
  regarding: objectReference,
  related: objectReference,
  note: str,
  type: str,
  deprecatedSource: eventSource,
  deprecatedFirstTimestamp: time,
  deprecatedLastTimestamp: time,
  deprecatedCount: int32,
});
