/**
 * core/v1 Secret, ConfigMap, Namespace, Node and Event (k8s.io/api `core/v1/types.go`).
 * Node's status.addresses and status.conditions and Namespace's status.conditions merge by
 * `type`, spec.podCIDRs as a set (their patchStrategy tags upstream); every other list is
 * atomic; Secret and ConfigMap data are maps.
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
  quantity,
  str,
  time,
} from '../schema.js';
import { topLevel } from './meta.js';

export const secret = topLevel('v1.Secret', {
  immutable: bool,
  data: mapOf(bytes),
  stringData: mapOf(str),
  type: str,
});

export const configMap = topLevel('v1.ConfigMap', {
  immutable: bool,
  data: mapOf(str),
  binaryData: mapOf(bytes),
});

export const namespace = topLevel('v1.Namespace', {
  spec: obj('v1.NamespaceSpec', { finalizers: listOf(named(str, 'v1.FinalizerName')) }),
  status: obj('v1.NamespaceStatus', {
    phase: named(str, 'v1.NamespacePhase'),
    conditions: mergeList(
      obj('v1.NamespaceCondition', {
        type: named(str, 'v1.NamespaceConditionType'),
        status: named(str, 'v1.ConditionStatus'),
        lastTransitionTime: time,
        reason: str,
        message: str,
      }),
      'type',
    ),
  }),
});

const nodeConfigSource = obj('v1.NodeConfigSource', {
  configMap: obj('v1.ConfigMapNodeConfigSource', {
    namespace: str,
    name: str,
    uid: str,
    resourceVersion: str,
    kubeletConfigKey: str,
  }),
});

export const nodeAddress = obj('v1.NodeAddress', { type: str, address: str });

export const node = topLevel('v1.Node', {
  spec: obj('v1.NodeSpec', {
    podCIDR: str,
    podCIDRs: mergeList(str),
    providerID: str,
    unschedulable: bool,
    taints: listOf(obj('v1.Taint', { key: str, value: str, effect: str, timeAdded: time })),
    configSource: nodeConfigSource,
    externalID: str,
    podPreemptionPolicy: obj('v1.NodePodPreemptionPolicy', { disableResizePreemption: listOf(str) }),
  }),
  status: obj('v1.NodeStatus', {
    capacity: mapOf(quantity),
    allocatable: mapOf(quantity),
    phase: str,
    conditions: mergeList(
      obj('v1.NodeCondition', {
        type: str,
        status: str,
        lastHeartbeatTime: time,
        lastTransitionTime: time,
        reason: str,
        message: str,
      }),
      'type',
    ),
    addresses: mergeList(nodeAddress, 'type'),
    daemonEndpoints: obj('v1.NodeDaemonEndpoints', { kubeletEndpoint: obj('v1.DaemonEndpoint', { Port: int32 }) }),
    nodeInfo: obj('v1.NodeSystemInfo', {
      machineID: str,
      systemUUID: str,
      bootID: str,
      kernelVersion: str,
      osImage: str,
      containerRuntimeVersion: str,
      kubeletVersion: str,
      kubeProxyVersion: str,
      operatingSystem: str,
      architecture: str,
      swap: obj('v1.NodeSwapStatus', { capacity: int64 }),
    }),
    images: listOf(obj('v1.ContainerImage', { names: listOf(str), sizeBytes: int64 })),
    volumesInUse: listOf(str),
    volumesAttached: listOf(obj('v1.AttachedVolume', { name: str, devicePath: str })),
    config: obj('v1.NodeConfigStatus', {
      assigned: nodeConfigSource,
      active: nodeConfigSource,
      lastKnownGood: nodeConfigSource,
      error: str,
    }),
    runtimeHandlers: listOf(
      obj('v1.NodeRuntimeHandler', {
        name: str,
        features: obj('v1.NodeRuntimeHandlerFeatures', { recursiveReadOnlyMounts: bool, userNamespaces: bool }),
      }),
    ),
    features: obj('v1.NodeFeatures', { supplementalGroupsPolicy: bool }),
    declaredFeatures: listOf(str),
  }),
});

export const objectReference = obj('v1.ObjectReference', {
  kind: str,
  namespace: str,
  name: str,
  uid: str,
  apiVersion: str,
  resourceVersion: str,
  fieldPath: str,
});

export const eventSource = obj('v1.EventSource', { component: str, host: str });

export const event = topLevel('v1.Event', {
  involvedObject: objectReference,
  reason: str,
  message: str,
  source: eventSource,
  firstTimestamp: time,
  lastTimestamp: time,
  count: int32,
  type: str,
  eventTime: microTime,
  series: obj('v1.EventSeries', { count: int32, lastObservedTime: microTime }),
  action: str,
  related: objectReference,
  reportingComponent: str,
  reportingInstance: str,
});
