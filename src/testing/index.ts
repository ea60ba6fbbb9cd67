/**
 * graduated-trust/testing: snapshot-test an agent's effective access and assert the promises of
 * each phase in your IaC repo's tests. Works with any test runner (nothing here imports one);
 * `registerMatchers(expect)` adds matchers to vitest or jest. cdktf is loaded only when
 * synthesizePhases is given Vault or AWS props.
 *
 * @example
 * import { accessSnapshot, expectAccess, expectPhases, synthesizePhases } from 'graduated-trust/testing';
 *
 * const phases = synthesizePhases(incidentResponder);
 * expect(accessSnapshot(phases[3])).toMatchSnapshot();
 * expectAccess(phases[1]).toBeReadOnly();
 * expectPhases(phases).toBeMonotonic();
 */
export { synthesizePhases, phaseAccess, accessSnapshot, TEST_APPROVERS, type SynthesizePhasesOptions, type PhaseAccess, type Phases } from './synthesize';
export { expectAccess, expectPhases, AccessAssertionError, type AccessAssertions, type PhasesAssertions } from './assertions';
export {
  checkAllows,
  checkDenies,
  checkReadOnly,
  checkNamedWrites,
  checkNoDangerousAccess,
  checkMonotonic,
  checkBounded,
  checkRequiresApproval,
  type Outcome,
  type DangerOptions,
} from './checks';
export { registerMatchers, type AccessMatchers, type ExpectWithExtend } from './matchers';
export { parseRequest, type AccessRequest, type ParsedRequest } from './request';
export type { AccessModel, AgentRef } from '../analysis/model';
export type { SynthOutput } from '../analysis/read';
