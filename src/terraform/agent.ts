import { Construct } from 'constructs';
import type { ResolvedDefinition } from '../definition/types';
import { resolveDefinition } from '../definition/validate';
import { TrustError } from '../errors';
import type { Phase } from '../phase/table';
import { phaseEntryFromSource } from '../state/phase-source';
import { addAwsAccess, type AwsResources } from './aws';
import { guardStack } from './guard';
import type { TrustPhasedAgentProps } from './props';
import { addVaultAccess, type VaultResources } from './vault';

/** Runs `build`, giving errors without a location this construct's path. */
function atPath<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof TrustError && e.where === undefined) throw new TrustError(e.code, e.message, path);
    throw e;
  }
}

/**
 * The Terraform half of a trust-phased agent: Vault and AWS access for one agent definition in
 * one phase. The phase comes from the props or the committed state file; the phase table decides
 * what it grants. Names are the same in every phase; the phase is a tag on the IAM role and a
 * comment at the top of the Vault policy.
 *
 * Children (stable IDs, public API once deployed): `VaultPolicy`, `VaultRole`,
 * `VaultApprovalPolicy`, `VaultApprovalRole`, `VaultApproverPolicy`, `VaultApprovers/<group>`,
 * `IamRole`, `IamPermissions`, `IamBoundary`, `PodIdentityAssociation`. Creates no provider,
 * backend or output: the app does.
 *
 * @example
 * new TrustPhasedAgent(stack, 'IncidentResponder', {
 *   definition: incidentResponder,
 *   stateFile: 'trust/incident-responder.json',
 *   vault: { authBackendPath: 'kubernetes' },
 *   aws: { trust: { irsa: { oidcProviderArn, issuerHostPath } } },
 * });
 */
export class TrustPhasedAgent extends Construct {
  /** The phase synthesized. */
  readonly phase: Phase;
  /** When the agent entered the phase (the approval epoch), ISO-8601. */
  readonly since: string;
  /** The validated definition with defaults applied. */
  readonly definition: ResolvedDefinition;
  /** Vault resources, when `vault` is set. */
  readonly vault?: VaultResources;
  /** AWS resources, when `aws` is set. */
  readonly aws?: AwsResources;

  constructor(scope: Construct, id: string, props: TrustPhasedAgentProps) {
    super(scope, id);
    const where = this.node.path;
    this.definition = resolveDefinition(props.definition, where);
    const entry = phaseEntryFromSource(props, this.definition.name, where);
    this.phase = entry.phase;
    this.since = entry.since;
    if (!props.vault && !props.aws) {
      throw new TrustError('GT_USAGE', 'neither vault nor aws is set, so there is nothing to synthesize; set vault, aws or both', where);
    }
    const def = this.definition;
    const phase = this.phase;
    if (props.vault) {
      const vault = props.vault;
      this.vault = atPath(where, () => addVaultAccess(this, def, phase, vault, props.suppressions));
    }
    if (props.aws) {
      const aws = props.aws;
      this.aws = atPath(where, () => addAwsAccess(this, def, phase, aws, props.suppressions, entry.since));
    }
    guardStack(this, { definition: def, phase, since: entry.since, suppressions: props.suppressions ?? [], ...(props.vault ? { vault: props.vault } : {}), ...(props.aws ? { aws: props.aws } : {}) });
  }
}
