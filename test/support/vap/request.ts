/**
 * The `request` and `namespaceObject` values of an admission evaluation, as JSON the way the API
 * server's unstructured conversion produces them:
 * staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/condition.go:114-205 (CreateAdmissionRequest,
 * CreateNamespaceObject, 1.33) and k8s.io/api admission/v1 types.go:46-113 for the JSON tags:
 * `subResource`, `requestSubResource`, `name`, `namespace` are omitempty (absent when empty, so
 * `has(request.name)` is false and reading it is "no such key"), `uid` is always present and empty,
 * `object`/`oldObject` are null, `options` is the operation's options object, `dryRun` is a bool.
 * In userInfo every field is omitempty (authentication/v1 types.go:113-125).
 */
import type { GroupVersionKind, GroupVersionResource } from './matching';
import type { Json, JsonObject } from './values';

/** Who makes the request. */
export interface UserInfo {
  readonly username?: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** The request attributes CreateAdmissionRequest reads. */
export interface RequestAttributes {
  readonly operation: string;
  readonly resource: GroupVersionResource;
  readonly subResource: string;
  readonly kind: GroupVersionKind;
  readonly namespace: string;
  readonly name: string;
  readonly userInfo: UserInfo;
  readonly options: JsonObject | null;
  readonly dryRun: boolean;
}

const omitEmpty = (key: string, value: string): Record<string, string> => (value === '' ? {} : { [key]: value });

function userInfoJson(u: UserInfo): JsonObject {
  return {
    ...omitEmpty('username', u.username ?? ''),
    ...omitEmpty('uid', u.uid ?? ''),
    ...(u.groups && u.groups.length > 0 ? { groups: [...u.groups] } : {}),
    ...(u.extra && Object.keys(u.extra).length > 0
      ? { extra: Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]])) }
      : {}),
  };
}

/**
 * CreateAdmissionRequest(attr, matchedResource, matchedKind): `kind`/`resource` are the ones the
 * policy matched (an equivalent resource under matchPolicy Equivalent), `requestKind`/`requestResource`
 * the ones of the request itself.
 */
export function requestJson(attr: RequestAttributes, resource: GroupVersionResource, kind: GroupVersionKind): JsonObject {
  return {
    uid: '',
    kind: { group: kind.group, version: kind.version, kind: kind.kind },
    resource: { group: resource.group, version: resource.version, resource: resource.resource },
    ...omitEmpty('subResource', attr.subResource),
    requestKind: { group: attr.kind.group, version: attr.kind.version, kind: attr.kind.kind },
    requestResource: { group: attr.resource.group, version: attr.resource.version, resource: attr.resource.resource },
    ...omitEmpty('requestSubResource', attr.subResource),
    ...omitEmpty('name', attr.name),
    ...omitEmpty('namespace', attr.namespace),
    operation: attr.operation,
    userInfo: userInfoJson(attr.userInfo),
    object: null,
    oldObject: null,
    dryRun: attr.dryRun,
    options: attr.options,
  };
}

/** The options object the API server attaches to each operation (handlers/create.go:114 and siblings). */
export function defaultOptions(operation: string): JsonObject | null {
  const kind = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' }[operation];
  return kind ? { kind, apiVersion: 'meta.k8s.io/v1' } : null;
}

const NAMESPACE_METADATA = [
  'name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'labels', 'annotations', 'finalizers',
];

/** CreateNamespaceObject: only these metadata fields, plus spec and status, reach CEL. */
export function namespaceObjectJson(namespace: JsonObject | undefined): Json {
  if (namespace === undefined) return null;
  const metadata = (namespace.metadata ?? {}) as JsonObject;
  const kept = Object.fromEntries(Object.entries(metadata).filter(([k]) => NAMESPACE_METADATA.includes(k)));
  return {
    metadata: { creationTimestamp: null, ...kept },
    spec: (namespace.spec ?? {}) as Json,
    status: (namespace.status ?? {}) as Json,
  };
}
