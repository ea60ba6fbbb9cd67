/**
 * The dev-only IAM oracle: @cloud-copilot/iam-simulate (AGPL-3.0, a devDependency used by tests
 * only, never imported from src/).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { IamDecision, IamPolicies } from '../../src/analysis/iam/evaluate';

/** The account the oracle's requests and principal live in. */
export const ORACLE_ACCOUNT = '111122223333';

/** The oracle's decision for one request by a role with these policies, in a request context (condition keys and their values). */
export async function oracle(policies: IamPolicies, action: string, resource: string, context: Record<string, string | string[]> = {}): Promise<IamDecision> {
  const result = await runSimulation(
    {
      request: { principal: `arn:aws:iam::${ORACLE_ACCOUNT}:role/agent`, action, resource: { resource, accountId: ORACLE_ACCOUNT }, contextVariables: context },
      identityPolicies: policies.identity.map((policy, i) => ({ name: `identity${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policies.boundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: policies.boundary }] } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`iam-simulate refused the request: ${JSON.stringify(result.errors)}`);
  return ({ Allowed: 'allow', ExplicitlyDenied: 'explicit-deny', ImplicitlyDenied: 'implicit-deny' } as const)[result.overallResult as 'Allowed'];
}
