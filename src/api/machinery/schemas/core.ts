/**
 * core/v1 Secret, ConfigMap, Namespace, Node and Event (k8s.io/api `core/v1/types.go` and
 * `generated.proto`): JSON types, protobuf numbers (kubectl >= 1.32 sends `create secret`,
 * `create configmap` and `create namespace` as protobuf) and Go's JSON presence: struct values
 * (spec, status, metav1.Time, MicroTime) are always printed, a zero time as null; pointers
 * when set. Node's status.addresses and status.conditions and Namespace's status.conditions
 * merge by `type`, spec.podCIDRs as a set (their patchStrategy tags upstream); every other
 * list is atomic; Secret and ConfigMap data are maps.
 */
import {
  bool,
  bytes,
  int32,
  int64,
  listOf,
  mapOf,
  mergeList,
  microTime,
  named,
  obj,
  pb,
  quantity,
  str,
  time,
} from '../schema.js';
import { topLevel } from './meta.js';

export const secret = topLevel('v1.Secret', {
  immutable: pb(5, bool, 'pointer'),
  data: pb(2, mapOf(bytes)),
  /** write-only: merged into data on create and update */
  stringData: pb(4, mapOf(str)),
  type: pb(3, named(str, 'v1.SecretType')),
});

export const configMap = topLevel('v1.ConfigMap', {
  immutable: pb(4, bool, 'pointer'),
  data: pb(2, mapOf(str)),
  binaryData: pb(3, mapOf(bytes)),
});

export const namespace = topLevel('v1.Namespace', {
  spec: pb(2, obj('v1.NamespaceSpec', { finalizers: pb(1, listOf(named(str, 'v1.FinalizerName'))) }), 'always'),
  status: pb(
    3,
    obj('v1.NamespaceStatus', {
      phase: pb(1, named(str, 'v1.NamespacePhase')),
      conditions: pb(
        2,
        mergeList(
          obj('v1.NamespaceCondition', {
            type: pb(1, named(str, 'v1.NamespaceConditionType'), 'always'),
            status: pb(2, named(str, 'v1.ConditionStatus'), 'always'),
            lastTransitionTime: pb(4, time, 'always'),
            reason: pb(5, str),
            message: pb(6, str),
          }),
          'type',
        ),
      ),
    }),
    'always',
  ),
});

const nodeConfigSource = obj('v1.NodeConfigSource', {
  configMap: pb(
    2,
    obj('v1.ConfigMapNodeConfigSource', {
      namespace: pb(1, str, 'always'),
      name: pb(2, str, 'always'),
      uid: pb(3, str),
      resourceVersion: pb(4, str),
      kubeletConfigKey: pb(5, str, 'always'),
    }),
    'pointer',
  ),
});

export const nodeAddress = obj('v1.NodeAddress', {
  type: pb(1, named(str, 'v1.NodeAddressType'), 'always'),
  address: pb(2, str, 'always'),
});

export const node = topLevel('v1.Node', {
  spec: pb(
    2,
    obj('v1.NodeSpec', {
      podCIDR: pb(1, str),
      podCIDRs: pb(7, mergeList(str)),
      providerID: pb(3, str),
      unschedulable: pb(4, bool),
      taints: pb(
        5,
        listOf(
          obj('v1.Taint', {
            key: pb(1, str, 'always'),
            value: pb(2, str),
            effect: pb(3, named(str, 'v1.TaintEffect'), 'always'),
            timeAdded: pb(4, time, 'pointer'),
          }),
        ),
      ),
      configSource: pb(6, nodeConfigSource, 'pointer'),
      externalID: pb(2, str),
      podPreemptionPolicy: pb(
        8,
        obj('v1.NodePodPreemptionPolicy', { disableResizePreemption: pb(1, listOf(str)) }),
        'pointer',
      ),
    }),
    'always',
  ),
  status: pb(
    3,
    obj('v1.NodeStatus', {
      capacity: pb(1, mapOf(quantity)),
      allocatable: pb(2, mapOf(quantity)),
      phase: pb(3, named(str, 'v1.NodePhase')),
      conditions: pb(
        4,
        mergeList(
          obj('v1.NodeCondition', {
            type: pb(1, named(str, 'v1.NodeConditionType'), 'always'),
            status: pb(2, named(str, 'v1.ConditionStatus'), 'always'),
            lastHeartbeatTime: pb(3, time, 'always'),
            lastTransitionTime: pb(4, time, 'always'),
            reason: pb(5, str),
            message: pb(6, str),
          }),
          'type',
        ),
      ),
      addresses: pb(5, mergeList(nodeAddress, 'type')),
      daemonEndpoints: pb(
        6,
        obj('v1.NodeDaemonEndpoints', {
          kubeletEndpoint: pb(1, obj('v1.DaemonEndpoint', { Port: pb(1, int32, 'always') }), 'always'),
        }),
        'always',
      ),
      nodeInfo: pb(
        7,
        obj('v1.NodeSystemInfo', {
          machineID: pb(1, str, 'always'),
          systemUUID: pb(2, str, 'always'),
          bootID: pb(3, str, 'always'),
          kernelVersion: pb(4, str, 'always'),
          osImage: pb(5, str, 'always'),
          containerRuntimeVersion: pb(6, str, 'always'),
          kubeletVersion: pb(7, str, 'always'),
          kubeProxyVersion: pb(8, str, 'always'),
          operatingSystem: pb(9, str, 'always'),
          architecture: pb(10, str, 'always'),
          swap: pb(11, obj('v1.NodeSwapStatus', { capacity: pb(1, int64, 'pointer') }), 'pointer'),
        }),
        'always',
      ),
      images: pb(8, listOf(obj('v1.ContainerImage', { names: pb(1, listOf(str), 'always'), sizeBytes: pb(2, int64) }))),
      volumesInUse: pb(9, listOf(named(str, 'v1.UniqueVolumeName'))),
      volumesAttached: pb(
        10,
        listOf(
          obj('v1.AttachedVolume', {
            name: pb(1, named(str, 'v1.UniqueVolumeName'), 'always'),
            devicePath: pb(2, str, 'always'),
          }),
        ),
      ),
      config: pb(
        11,
        obj('v1.NodeConfigStatus', {
          assigned: pb(1, nodeConfigSource, 'pointer'),
          active: pb(2, nodeConfigSource, 'pointer'),
          lastKnownGood: pb(3, nodeConfigSource, 'pointer'),
          error: pb(4, str),
        }),
        'pointer',
      ),
      runtimeHandlers: pb(
        12,
        listOf(
          obj('v1.NodeRuntimeHandler', {
            name: pb(1, str, 'always'),
            features: pb(
              2,
              obj('v1.NodeRuntimeHandlerFeatures', {
                recursiveReadOnlyMounts: pb(1, bool, 'pointer'),
                userNamespaces: pb(2, bool, 'pointer'),
              }),
              'pointer',
            ),
          }),
        ),
      ),
      features: pb(13, obj('v1.NodeFeatures', { supplementalGroupsPolicy: pb(1, bool, 'pointer') }), 'pointer'),
      declaredFeatures: pb(14, listOf(str)),
    }),
    'always',
  ),
});

export const objectReference = obj('v1.ObjectReference', {
  kind: pb(1, str),
  namespace: pb(2, str),
  name: pb(3, str),
  uid: pb(4, named(str, 'types.UID')),
  apiVersion: pb(5, str),
  resourceVersion: pb(6, str),
  fieldPath: pb(7, str),
});

export const eventSource = obj('v1.EventSource', { component: pb(1, str), host: pb(2, str) });

export const event = topLevel('v1.Event', {
  involvedObject: pb(2, objectReference, 'always'),
  reason: pb(3, str),
  message: pb(4, str),
  source: pb(5, eventSource, 'always'),
  firstTimestamp: pb(6, time, 'always'),
  lastTimestamp: pb(7, time, 'always'),
  count: pb(8, int32),
  type: pb(9, str),
  eventTime: pb(10, microTime, 'always'),
  series: pb(
    11,
    obj('v1.EventSeries', { count: pb(1, int32), lastObservedTime: pb(2, microTime, 'always') }),
    'pointer',
  ),
  action: pb(12, str),
  related: pb(13, objectReference, 'pointer'),
  reportingComponent: pb(14, str, 'always'),
  reportingInstance: pb(15, str, 'always'),
});
