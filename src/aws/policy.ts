import { compare } from '../order';
import { awsApprovalTagValue } from '../definition/approvals';
import { serviceAccountUsername, type AgentDefinition, type AwsAccess } from '../definition/types';
import { TrustError } from '../errors';
import { PHASES, TIERS, type Phase, type Tier } from '../phase/table';
import { approvalCondition, approvalTagStatements } from './approval';
import { iamActionsFor, readsOnly } from './catalog';

/**
 * IAM policy documents as plain data: the phase's permission policy, the permissions boundary
 * (the agent's declared maximum) and the role's trust policy. Rendered to literal JSON, so
 * snapshots and PR diffs show the real access. No cdktf here.
 */

/** One value or a list, as IAM allows. */
export type OneOrMany<T> = T | readonly T[];

/** A policy statement. */
export interface IamStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Readonly<Record<string, OneOrMany<string>>> | '*';
  readonly Action?: OneOrMany<string>;
  readonly NotAction?: OneOrMany<string>;
  readonly Resource?: OneOrMany<string>;
  readonly NotResource?: OneOrMany<string>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, OneOrMany<string>>>>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  /** @default '2012-10-17' when rendered by this library */
  readonly Version?: string;
  readonly Statement: OneOrMany<IamStatement>;
}

/** IRSA: the cluster's OIDC provider, trusted for the agent's ServiceAccount only. */
export interface IrsaTrust {
  /** `arn:aws:iam::111122223333:oidc-provider/oidc.eks.REGION.amazonaws.com/id/ID`. */
  readonly oidcProviderArn: string;
  /** The issuer without `https://`: `oidc.eks.REGION.amazonaws.com/id/ID`. */
  readonly issuerHostPath: string;
}

/** EKS Pod Identity: the `pods.eks.amazonaws.com` service, limited by session tags to the agent. */
export interface PodIdentityTrust {
  readonly clusterName: string;
}

/** Name of the inline permission policy on the role; the same in every phase. */
export const PERMISSION_POLICY_NAME = 'graduated-trust';

/** Largest inline role policy (AWS counts characters without whitespace; the whole role allows 10,240). */
export const INLINE_POLICY_LIMIT = 10_240;

/** Largest customer-managed policy document. */
export const MANAGED_POLICY_LIMIT = 6_144;

const VERSION = '2012-10-17';
const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/;

function fail(message: string): never {
  throw new TrustError('GT_IAM_ACTION', message);
}

function sorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return compare(la, lb) || compare(a, b);
  });
}

/**
 * Throws unless the action is safe to render: `service:Name` (wildcards only inside the name),
 * never `*`, `service:*`, `iam:PassRole` or `sts:AssumeRole*` (defence in depth behind the
 * definition validator, which checks every action against the IAM reference).
 */
export function assertRenderableAction(action: string): void {
  if (!ACTION.test(action)) fail(`refusing to render IAM action ${JSON.stringify(action)}: write service:Action`);
  const lower = action.toLowerCase();
  if (lower.endsWith(':*')) fail(`refusing to render IAM action "${action}": it grants a whole service`);
  if (lower === 'iam:passrole' || lower.startsWith('sts:assumerole')) fail(`refusing to render IAM action "${action}": it lets the agent become or hand out other roles`);
}

/**
 * Throws when a string would not stay literal in Terraform JSON: `${` and `%{` start Terraform
 * templates (cdktf passes them through), control characters have no place in a policy.
 */
export function assertTerraformLiteral(value: string, what: string): void {
  if (/\$\{|%\{/.test(value)) {
    throw new TrustError('GT_DEFINITION_INVALID', `refusing to render ${what} ${JSON.stringify(value)}: "\${" and "%{" start Terraform templates and would be evaluated at plan time; remove them (IAM policy variables are not supported)`);
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new TrustError('GT_DEFINITION_INVALID', `refusing to render ${what} ${JSON.stringify(value)}: it contains control characters`);
}

function capitalized(tier: Tier): string {
  return tier[0]!.toUpperCase() + tier.slice(1);
}

type Condition = NonNullable<IamStatement['Condition']>;

function conditionOf(rule: AwsAccess, extra?: Condition): Condition | undefined {
  const merged: Record<string, Record<string, string | readonly string[]>> = {};
  for (const part of [rule.conditions ?? {}, extra ?? {}]) {
    for (const [op, byKey] of Object.entries(part)) {
      for (const [key, value] of Object.entries(byKey)) {
        assertTerraformLiteral(key, 'IAM condition key');
        for (const v of typeof value === 'string' ? [value] : value) assertTerraformLiteral(v, 'IAM condition value');
        merged[op] = { ...(merged[op] ?? {}), [key]: typeof value === 'string' ? value : sorted(value) };
      }
    }
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function statement(sid: string, rule: AwsAccess, actions: readonly string[], extra?: Condition): IamStatement {
  for (const a of actions) assertRenderableAction(a);
  for (const r of rule.resources) assertTerraformLiteral(r, 'IAM resource');
  const condition = conditionOf(rule, extra);
  return { Sid: sid, Effect: 'Allow', Action: sorted(actions), Resource: sorted(rule.resources), ...(condition ? { Condition: condition } : {}) };
}

/** Whether an action only reads (every action it names has only Read or List access levels). */
function actionReadsOnly(action: string): boolean {
  const infos = iamActionsFor(action);
  return infos.length > 0 && infos.every(readsOnly);
}

/**
 * The statements of one rule. In a phase whose writes need approval, the writes of a write tier
 * carry the operator's approval tag condition (a rule's reads stay unconditioned, in a statement
 * of their own named `<Sid>Reads`).
 */
function ruleStatements(tier: Tier, index: number, rule: AwsAccess, approval: Condition | undefined): IamStatement[] {
  const sid = `${capitalized(tier)}${index}`;
  if (!approval || TIERS[tier].writes === 'none') return [statement(sid, rule, rule.actions)];
  const reads = rule.actions.filter(actionReadsOnly);
  const writes = rule.actions.filter((a) => !actionReadsOnly(a));
  if (writes.length === 0) return [statement(sid, rule, reads)];
  return [statement(sid, rule, writes, approval), ...(reads.length > 0 ? [statement(`${sid}Reads`, rule, reads)] : [])];
}

/** The approval tag condition of `phase` (undefined when its writes need no approval). */
function approvalFor(def: AgentDefinition, phase: Phase, epoch: string): Condition | undefined {
  return PHASES[phase].writeAdmission === 'approval' ? approvalCondition(awsApprovalTagValue(def.name, epoch)) : undefined;
}

function statementsOf(def: AgentDefinition, phase: Phase, epoch: string): IamStatement[] {
  const approval = approvalFor(def, phase, epoch);
  return PHASES[phase].tiers.flatMap((tier) => (def[tier]?.aws ?? []).flatMap((rule, i) => ruleStatements(tier, i, rule, approval)));
}

/**
 * The permission policy of `phase`: one Allow statement per AWS rule of each active tier,
 * Sid `<Tier><index>` (`Observe0`, `Remediate1`), actions and resources sorted, the rule's
 * conditions kept. In phase 3 the remediate writes also need the operator's approval tag
 * (`graduated-trust.dev/approved-for = <agent>@<epoch>`). Undefined when the active tiers
 * declare no AWS access.
 * @param epoch the approval epoch of the phase entry (`approvalEpoch(since)`)
 */
export function permissionPolicy(def: AgentDefinition, phase: Phase, epoch = '19700101T000000Z'): PolicyDocument | undefined {
  const statements = statementsOf(def, phase, epoch);
  return statements.length > 0 ? { Version: VERSION, Statement: statements } : undefined;
}

/**
 * The permissions boundary of `phase`: its ceiling (the same statements as the permission
 * policy, so nothing attached out of band can exceed the committed phase) and the statements that
 * deny the agent setting or removing the approval tag, in every phase. Its name never changes.
 * Undefined when no tier declares AWS access.
 */
export function boundaryPolicy(def: AgentDefinition, phase: Phase, epoch = '19700101T000000Z'): PolicyDocument | undefined {
  const declares = (['observe', 'recommend', 'remediate', 'autonomous'] as const).some((t) => (def[t]?.aws ?? []).length > 0);
  if (!declares) return undefined;
  return { Version: VERSION, Statement: [...statementsOf(def, phase, epoch), ...approvalTagStatements()] };
}

const ISSUER = /^[a-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~-]+)*$/;
const OIDC_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/(.+)$/;
const CLUSTER = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/**
 * Trust policy for IRSA: the OIDC provider may call `sts:AssumeRoleWithWebIdentity` only for a
 * token whose `sub` is the agent's ServiceAccount and whose `aud` is STS.
 * Throws GT_USAGE when the issuer or ARN is malformed or they disagree.
 */
export function irsaTrustPolicy(def: Pick<AgentDefinition, 'name' | 'namespace'>, trust: IrsaTrust): PolicyDocument {
  const issuer = trust.issuerHostPath;
  if (!ISSUER.test(issuer)) {
    throw new TrustError('GT_USAGE', `aws.trust.irsa.issuerHostPath ${JSON.stringify(issuer)} is not an issuer host and path; drop "https://", e.g. "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"`);
  }
  const m = OIDC_ARN.exec(trust.oidcProviderArn);
  if (!m) throw new TrustError('GT_USAGE', `aws.trust.irsa.oidcProviderArn ${JSON.stringify(trust.oidcProviderArn)} is not an OIDC provider ARN; use arn:aws:iam::ACCOUNT:oidc-provider/${issuer}`);
  if (m[1] !== issuer) throw new TrustError('GT_USAGE', `aws.trust.irsa.oidcProviderArn names "${m[1]}" but issuerHostPath is "${issuer}"; use the provider of the agent's cluster for both`);
  return {
    Version: VERSION,
    Statement: [
      {
        Sid: 'AgentServiceAccount',
        Effect: 'Allow',
        Principal: { Federated: trust.oidcProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${issuer}:sub`]: serviceAccountUsername(def), [`${issuer}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  };
}

/**
 * Trust policy for EKS Pod Identity: `pods.eks.amazonaws.com` may `sts:AssumeRole` and
 * `sts:TagSession` only with the session tags EKS sets for the agent's cluster, namespace and
 * ServiceAccount, so another association pointing at this role cannot use it.
 */
export function podIdentityTrustPolicy(def: Pick<AgentDefinition, 'name' | 'namespace'>, trust: PodIdentityTrust): PolicyDocument {
  if (!CLUSTER.test(trust.clusterName)) {
    throw new TrustError('GT_USAGE', `aws.trust.podIdentity.clusterName ${JSON.stringify(trust.clusterName)} is not an EKS cluster name; use letters, digits, '-' and '_' (at most 100)`);
  }
  return {
    Version: VERSION,
    Statement: [
      {
        Sid: 'AgentServiceAccount',
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          StringEquals: {
            'aws:RequestTag/eks-cluster-name': trust.clusterName,
            'aws:RequestTag/kubernetes-namespace': def.namespace,
            'aws:RequestTag/kubernetes-service-account': def.name,
          },
        },
      },
    ],
  };
}

/**
 * A policy as compact JSON with a fixed key order. Throws when it exceeds `limit` characters
 * (AWS counts without whitespace; compact JSON has none outside strings).
 */
export function renderPolicyJson(doc: PolicyDocument, limit: number, what: string): string {
  const json = JSON.stringify(doc);
  if (json.length > limit) {
    throw new TrustError('GT_IAM_ACTION', `the ${what} is ${json.length} characters, over the AWS limit of ${limit}; merge rules or use action wildcards in read tiers`);
  }
  return json;
}
