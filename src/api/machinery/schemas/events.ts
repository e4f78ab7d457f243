/**
 * events.k8s.io/v1 Event (k8s.io/api `events/v1/types.go` and `generated.proto`), with
 * protobuf numbers and Go's JSON presence (eventTime and the series' fields have no
 * omitempty, unlike core/v1's); no mergeable lists.
 */
import { int32, microTime, obj, pb, str, time } from '../schema.js';
import { eventSource, objectReference } from './core.js';
import { topLevel } from './meta.js';

export const eventsV1Event = topLevel('v1.Event', {
  eventTime: pb(2, microTime, 'always'),
  series: pb(
    3,
    obj('v1.EventSeries', { count: pb(1, int32, 'always'), lastObservedTime: pb(2, microTime, 'always') }),
    'pointer',
  ),
  reportingController: pb(4, str),
  reportingInstance: pb(5, str),
  action: pb(6, str),
  reason: pb(7, str),
  regarding: pb(8, objectReference, 'always'),
  related: pb(9, objectReference, 'pointer'),
  note: pb(10, str),
  type: pb(11, str),
  deprecatedSource: pb(12, eventSource, 'always'),
  deprecatedFirstTimestamp: pb(13, time, 'always'),
  deprecatedLastTimestamp: pb(14, time, 'always'),
  deprecatedCount: pb(15, int32),
});
