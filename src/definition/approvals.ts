/**
 * The approval formats of phase 3, shared by every backend and by `trust-gate approve`: an
 * approval admits one write by the agent and is void once the agent re-enters a phase.
 *
 * The phase epoch (the state file's `since`, to the second) is part of every approval, and the
 * synthesized policies name the epoch of the committed phase: an approval given before the
 * agent's current phase entry (before a demotion and re-promotion, say) names another epoch and
 * admits nothing.
 *
 * - Kubernetes: a key of the operator-owned ConfigMap `<agent>-approvals`,
 *   `<epoch>_<action>_<group|core>_<resource>[.<subresource>]_<namespace>_<name>_<resourceVersion>`,
 *   whose value is the approver's username (admission checks the writer is that user). The
 *   object's resourceVersion changes with the write, so the key admits exactly one write.
 *   `_` cannot occur in names, namespaces, groups or resources, so keys are unambiguous.
 * - AWS: the resource tag `graduated-trust.dev/approved-for` = `<agent>@<epoch>`, set by an
 *   operator; the permissions boundary denies the agent tagging that key.
 * - Vault: a single-use token from the operator-only token role `<agent>-approval`.
 */
import { z } from 'zod';
import { TrustError } from '../errors';

/** The tag an operator sets on an AWS resource to approve the agent's writes on it. */
export const APPROVAL_TAG = 'graduated-trust.dev/approved-for';

/** Longest ConfigMap key Kubernetes accepts. */
export const CONFIGMAP_KEY_MAX = 253;

/** Room left in a key for the object's resourceVersion (an etcd revision: at most 19 digits). */
export const RESOURCE_VERSION_ROOM = 20;

/** The approval epoch of a phase start: `2026-11-25T08:00:00Z` → `20261125T080000Z`. */
export function approvalEpoch(since: string): string {
  const ms = Date.parse(since);
  if (Number.isNaN(ms) || !/(Z|[+-]\d\d:?\d\d)$/i.test(since)) {
    throw new TrustError('GT_STATE_INVALID', `since "${since}" is not an ISO-8601 time with a zone; the approval epoch is read from it`);
  }
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** The parts of a Kubernetes approval key. */
export interface KubernetesApprovalRef {
  readonly epoch: string;
  readonly action: string;
  /** `''` for the core group. */
  readonly apiGroup: string;
  readonly resource: string;
  /** `''` for the object itself. */
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
}

/** The ConfigMap key of one Kubernetes approval. */
export function kubernetesApprovalKey(ref: KubernetesApprovalRef): string {
  const resource = ref.subresource ? `${ref.resource}.${ref.subresource}` : ref.resource;
  return [ref.epoch, ref.action, ref.apiGroup || 'core', resource, ref.namespace, ref.name, ref.resourceVersion].join('_');
}

/** Parses a Kubernetes approval key; undefined when it is not one. */
export function parseKubernetesApprovalKey(key: string): KubernetesApprovalRef | undefined {
  const parts = key.split('_');
  if (parts.length !== 7 || !/^\d{8}T\d{6}Z$/.test(parts[0]!)) return undefined;
  const [epoch, action, group, resourcePart, namespace, name, resourceVersion] = parts as [string, string, string, string, string, string, string];
  const [resource, ...sub] = resourcePart.split('.');
  if (!action || !resource || !namespace || !name || !resourceVersion) return undefined;
  return { epoch, action, apiGroup: group === 'core' ? '' : group, resource, subresource: sub.join('.'), namespace, name, resourceVersion };
}

/** The value of the AWS approval tag for an agent in a phase epoch. */
export function awsApprovalTagValue(agent: string, epoch: string): string {
  return `${agent}@${epoch}`;
}

/** Name of the Vault token role whose tokens carry the agent's approved writes. */
export function vaultApprovalRole(agent: string): string {
  return `${agent}-approval`;
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = `${DNS_LABEL}(\\.${DNS_LABEL})*`;

/**
 * A Kubernetes approval key, as `kubernetesApprovalKey` builds it:
 * `<epoch>_<action>_<group|core>_<resource>[.<subresource>]_<namespace>_<name>_<resourceVersion>`.
 */
export const kubernetesApprovalKeySchema = z.string()
  .max(CONFIGMAP_KEY_MAX)
  .regex(new RegExp(`^\\d{8}T\\d{6}Z_[a-z][-a-z]*_(core|${DNS_SUBDOMAIN})_[a-z0-9]+(\\.[a-z0-9]+)?_${DNS_LABEL}_${DNS_SUBDOMAIN}_[0-9]+$`),
    'must be <epoch>_<action>_<group|core>_<resource>[.<subresource>]_<namespace>_<name>_<resourceVersion>, as trust-gate approve writes it');

/**
 * The approvals ConfigMap's data: each entry one approval, its key the approved write and its
 * value the username of the approver who wrote it (admission checks that).
 */
export const kubernetesApprovalsDataSchema = z.record(kubernetesApprovalKeySchema, z.string().min(1).meta({ description: "The approver's Kubernetes username." }))
  .meta({ title: 'graduated-trust Kubernetes approvals ConfigMap data' });

/** The AWS approval tag's value, `<agent>@<epoch>`. */
export const awsApprovalTagValueSchema = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?@\d{8}T\d{6}Z$/, 'must be <agent>@<epoch>, e.g. incident-responder@20261125T080000Z')
  .meta({ title: `graduated-trust AWS approval tag (${APPROVAL_TAG}) value` });
