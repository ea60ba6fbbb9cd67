import type { Suppression } from '../analysis/guard/types';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { Construct } from 'constructs';
import {
  INLINE_POLICY_LIMIT,
  MANAGED_POLICY_LIMIT,
  PERMISSION_POLICY_NAME,
  boundaryPolicy,
  irsaTrustPolicy,
  permissionPolicy,
  podIdentityTrustPolicy,
  renderPolicyJson,
} from '../aws/policy';
import { approvalEpoch } from '../definition/approvals';
import type { ResolvedDefinition } from '../definition/types';
import { DEFAULT_SINCE } from '../state/phase-source';
import { LABELS } from '../definition/names';
import { TrustError } from '../errors';
import { PHASES, type Phase } from '../phase/table';
import { assertIamSessionRange, phaseSeconds } from './durations';
import type { AwsAccessProps } from './props';

/** The AWS resources of an agent. */
export interface AwsResources {
  readonly role: IamRole;
  /** The phase's inline permission policy; absent when the active tiers declare no AWS access. */
  readonly permissions?: IamRolePolicy;
  /** The generated boundary; absent when `permissionsBoundaryArn` is given. */
  readonly boundary?: IamPolicy;
  /** Present with EKS Pod Identity trust. */
  readonly podIdentity?: EksPodIdentityAssociation;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy\/[\w+=,.@/-]+$/;

function usage(message: string): TrustError {
  return new TrustError('GT_USAGE', message);
}

/** Tags on every AWS object of the agent; never the phase (objects other than the role do not change with it). */
function agentTags(def: ResolvedDefinition): Record<string, string> {
  return { [LABELS.agent]: def.name, [LABELS.managedBy]: 'graduated-trust' };
}

/**
 * Adds `IamRole` (trusted only by the agent's ServiceAccount, `max_session_duration` by phase,
 * tagged with the phase), `IamPermissions` (the phase's inline policy, literal JSON),
 * `IamBoundary` (unless a boundary ARN is given) and, for Pod Identity,
 * `PodIdentityAssociation` under `scope`.
 */
export function addAwsAccess(scope: Construct, def: ResolvedDefinition, phase: Phase, props: AwsAccessProps, suppressions: readonly Suppression[] = [], since = DEFAULT_SINCE): AwsResources {
  const trustForm = props.trust && typeof props.trust === 'object' ? Object.keys(props.trust) : [];
  if (trustForm.length !== 1 || !['irsa', 'podIdentity'].includes(trustForm[0]!)) {
    throw usage(`aws.trust is ${props.trust === undefined ? 'missing' : JSON.stringify(trustForm)}; give exactly one of { irsa: { oidcProviderArn, issuerHostPath } } and { podIdentity: { clusterName } }`);
  }
  const epoch = approvalEpoch(since);
  const roleName = props.roleName ?? def.name;
  if (!ROLE_NAME.test(roleName)) throw usage(`aws.roleName ${JSON.stringify(roleName)} is not an IAM role name; use at most 64 of [A-Za-z0-9+=,.@_-]`);
  const arn = props.permissionsBoundaryArn;
  if (arn !== undefined && !POLICY_ARN.test(arn)) throw usage(`aws.permissionsBoundaryArn ${JSON.stringify(arn)} is not a managed policy ARN; use arn:aws:iam::ACCOUNT:policy/NAME`);
  const boundaryDoc = boundaryPolicy(def, phase, epoch);
  if (!boundaryDoc) throw usage('aws is set but the definition declares no aws access in any tier; add aws rules or remove the aws prop');
  const session = phaseSeconds('iamMaxSessionDurationSeconds', props.maxSessionDurationSeconds, 'aws.maxSessionDurationSeconds');
  assertIamSessionRange(session, 'aws.maxSessionDurationSeconds');
  const trust = 'irsa' in props.trust ? irsaTrustPolicy(def, props.trust.irsa) : podIdentityTrustPolicy(def, props.trust.podIdentity);
  const permissionsDoc = permissionPolicy(def, phase, epoch);
  const permissionsJson = permissionsDoc && renderPolicyJson(permissionsDoc, INLINE_POLICY_LIMIT, 'inline permission policy');
  const boundaryJson = renderPolicyJson(boundaryDoc, MANAGED_POLICY_LIMIT, 'permissions boundary');

  const boundary = arn === undefined
    ? new IamPolicy(scope, 'IamBoundary', {
        name: `${roleName}-boundary`,
        description: `graduated-trust: the most agent ${def.name} may do in AWS in its committed phase, and never the approval tag`,
        policy: boundaryJson,
        tags: agentTags(def),
      })
    : undefined;
  const role = new IamRole(scope, 'IamRole', {
    name: roleName,
    description: `graduated-trust agent ${def.name} (${def.namespace})`,
    assumeRolePolicy: renderPolicyJson(trust, INLINE_POLICY_LIMIT, 'trust policy'),
    maxSessionDuration: session[phase],
    permissionsBoundary: arn ?? boundary!.arn,
    tags: {
      ...agentTags(def),
      [LABELS.phase]: String(phase),
      [LABELS.phaseName]: PHASES[phase].name,
      // Tag values cannot hold every reason's characters: the IDs here, the reasons in the Vault policy header and the guard's output.
      ...(suppressions.length > 0 ? { [LABELS.guardSuppressions]: suppressions.map((s) => s.ruleId).join(' ') } : {}),
    },
  });
  const permissions = permissionsJson
    ? new IamRolePolicy(scope, 'IamPermissions', { name: PERMISSION_POLICY_NAME, role: role.name, policy: permissionsJson })
    : undefined;
  const podIdentity = 'podIdentity' in props.trust
    ? new EksPodIdentityAssociation(scope, 'PodIdentityAssociation', {
        clusterName: props.trust.podIdentity.clusterName,
        namespace: def.namespace,
        serviceAccount: def.name,
        roleArn: role.arn,
        // disable_session_tags is left at its default (false): the trust policy's conditions read the session tags.
        tags: agentTags(def),
      })
    : undefined;
  return { role, ...(permissions ? { permissions } : {}), ...(boundary ? { boundary } : {}), ...(podIdentity ? { podIdentity } : {}) };
}
