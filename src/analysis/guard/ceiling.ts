/**
 * The phase ceiling: the most an agent may hold in a phase, as an access model. It is the
 * effective access of exactly what its TrustPhasedAgent constructs render for the definition,
 * phase and epoch, computed by the same analysis that reads the real output (Kubernetes objects
 * rendered as plain manifests, Vault rules and IAM documents from the same pure renderers), so
 * the guard and `trust-gate access` decide from one model.
 */
import { approvalEpoch } from '../../definition/approvals';
import { KUBE_DNS, objectNames } from '../../definition/names';
import type { AgentDefinition, ResolvedDefinition } from '../../definition/types';
import { boundaryPolicy, permissionPolicy, type IamStatement, type PolicyDocument } from '../../aws/policy';
import type { AdmissionAccess } from '../../k8s/admission';
import type { RenderOptions } from '../../k8s/render';
import { PHASES } from '../../phase/table';
import { DEFAULT_SINCE } from '../../state/phase-source';
import { vaultApprovals } from '../../vault/approval';
import { vaultPhaseRules, type VaultPhaseRules } from '../../vault/rules';
import { policyStatements } from '../iam/evaluate';
import type { KubernetesRow } from '../k8s/access';
import { kubernetesRows } from '../k8s/access';
import { egressAccess } from '../k8s/egress';
import type { Manifest } from '../k8s/authorizer';
import { ANY, type AccessModel, type AgentRef } from '../model';
import { OutputIndex } from '../output-index';
import { awsReach, pseudoGrant, roleAccessOf } from '../terraform/aws';
import { vaultPathsOf } from '../terraform/vault';
import { kubernetesAccess } from '../k8s/access';
import type { GuardInput } from './types';

/** What the phase allows the agent at most. */
export interface Ceiling {
  /** The access model of what the constructs render. */
  readonly model: AccessModel;
  /** Its Kubernetes permissions as rows. */
  readonly kubernetes: readonly KubernetesRow[];
  /** Destination label → allowed ports (`443/TCP`), DNS included. */
  readonly egress: ReadonlyMap<string, ReadonlySet<string>>;
  /** The Vault rules of the agent's own policy and of its approval policy. */
  readonly vault: VaultPhaseRules;
  /** The IAM permission policy and boundary of the phase. */
  readonly iam: { readonly permissions?: PolicyDocument; readonly boundary?: PolicyDocument };
  /** The admission objects the Kubernetes construct renders. */
  readonly admission: AdmissionAccess;
  /** The manifests the Kubernetes construct renders. */
  readonly manifests: readonly Manifest[];
  readonly vaultTokenTtlSeconds: number;
  readonly vaultTokenMaxTtlSeconds: number;
  readonly iamMaxSessionDurationSeconds: number;
}

/** What the ceiling depends on. */
export type CeilingInput = Pick<GuardInput, 'definition' | 'phase' | 'since' | 'kubernetes' | 'dns' | 'vault'>;

/** The definition with its default pod labels (`app.kubernetes.io/name: <name>`), as validation resolves them. */
export function resolved(def: AgentDefinition): ResolvedDefinition {
  return { ...def, podLabels: def.podLabels ?? { 'app.kubernetes.io/name': def.name } };
}

/** The k8s renderer, loaded on first use: importing graduated-trust/analysis never loads cdk8s-plus. */
function k8s(): { render: typeof import('../../k8s/render'); manifests: typeof import('../../k8s/manifests') } {
  return { render: require('../../k8s/render') as typeof import('../../k8s/render'), manifests: require('../../k8s/manifests') as typeof import('../../k8s/manifests') };
}

function kubernetesOptions(input: CeilingInput): RenderOptions {
  const dns = input.kubernetes?.dns ?? input.dns;
  // Without the construct's options (a Terraform-only guard), a definition with fqdn egress renders the Cilium flavour.
  const fqdn = (['observe', 'recommend', 'remediate', 'autonomous'] as const).some((t) => (input.definition[t]?.egress ?? []).some((e) => 'fqdn' in e.to));
  return { ...(fqdn && !input.kubernetes?.networkPolicy ? { networkPolicy: 'cilium' as const } : {}), ...(input.kubernetes ?? {}), ...(dns ? { dns } : {}) };
}

function egressMap(model: AccessModel): Map<string, Set<string>> {
  return new Map(Object.entries(model.egress.destinations).map(([d, ports]) => [d, new Set(ports)]));
}

function statements(doc: PolicyDocument | undefined): IamStatement[] {
  return doc ? [...policyStatements(doc)] : [];
}

/**
 * The ceiling of `input.definition` in `input.phase`.
 * @param withKubernetes render the Kubernetes half (false for an output without manifests, such
 *   as a cdktf stack's: its Kubernetes part of the model stays empty)
 * @param withCloud evaluate the IAM half (false for an output without Terraform stacks, such as a
 *   cdk8s app's: expanding IAM actions is the costly part, and nothing there can widen them)
 */
export function phaseCeiling(input: CeilingInput, withKubernetes = true, withCloud = true): Ceiling {
  const def = resolved(input.definition);
  const { phase } = input;
  const since = input.since ?? DEFAULT_SINCE;
  const agent: AgentRef = { namespace: def.namespace, name: def.name };
  const { render, manifests: toManifests } = k8s();
  const access = render.renderAccess(def, phase, kubernetesOptions(input), undefined, since);
  const manifests = withKubernetes ? toManifests.renderedManifests(access) : [];
  const index = new OutputIndex({ manifests: manifests.map((manifest) => ({ manifest, where: 'ceiling' })), stacks: [] });
  const kubernetes = kubernetesAccess(index, agent);
  const vault = vaultPhaseRules(def, phase, vaultApprovals(input.vault ?? { authBackendPath: 'kubernetes' }));
  const epoch = approvalEpoch(since);
  const permissions = permissionPolicy(def, phase, epoch);
  const boundary = boundaryPolicy(def, phase, epoch);
  const rules = PHASES[phase];
  const policies = [{ name: 'ceiling', where: 'ceiling', statements: statements(permissions) }];
  const iam = withCloud && permissions !== undefined;
  const iamRole = iam ? { [def.name]: roleAccessOf(policies, statements(boundary), objectNames(def.name).role) } : {};
  const model: AccessModel = {
    agent: `${agent.namespace}/${agent.name}`,
    phase,
    kubernetes: kubernetes.model,
    egress: egressAccess(index.networkPolicies(def.namespace), agent),
    vault: {
      roles: {},
      paths: vaultPathsOf([vault.agent]),
      approvalPaths: vaultPathsOf([vault.approval]),
      approval: vault.approval.length > 0 ? 'operator token' : null,
      unresolved: [],
    },
    aws: { roles: iamRole },
    reach: [...kubernetes.reach, ...(iam ? awsReach(pseudoGrant(policies, statements(boundary), def.name)) : [])],
  };
  return {
    model,
    kubernetes: kubernetesRows(kubernetes.model),
    egress: egressMap(model),
    vault,
    iam: { ...(permissions ? { permissions } : {}), ...(boundary ? { boundary } : {}) },
    admission: access.admission,
    manifests,
    vaultTokenTtlSeconds: rules.vaultTokenTtlSeconds.ceiling,
    vaultTokenMaxTtlSeconds: rules.vaultTokenMaxTtlSeconds.ceiling,
    iamMaxSessionDurationSeconds: rules.iamMaxSessionDurationSeconds.ceiling,
  };
}

export { ANY, KUBE_DNS };
