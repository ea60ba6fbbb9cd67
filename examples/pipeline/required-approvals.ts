/**
 * The required check behind "a promotion to phase 4 needs two approving reviewers".
 *
 * GitHub's branch protection asks the same number of approvals for every pull request. This
 * check asks more where the trust policy does: it compares the state file on the base branch
 * with the one in the pull request and requires, for a promotion, as many approvals as the policy
 * asks distinct sign-offs for each transition it crosses (2 for 3->4 by default), at least one;
 * for anything else (a demotion, bookkeeping), one. The phase table's `promotionApprovals` is a
 * floor the policy cannot lower: a promotion to phase 4 needs at least two (issue 6), even when a
 * policy asks fewer sign-offs for 3->4 or drops them (`signoffs: null`). It reads the files themselves, not labels, so removing a
 * label cannot lower the bar. A demotion is never blocked on the evidence gates.
 *
 *   npx tsx examples/pipeline/required-approvals.ts --head trust/incident-responder.json \
 *     --base base-state.json --approvals 1 [--policy trust/policy.yaml]
 *
 * Exit 0 when the pull request has enough approvals, 1 when not (with one line saying why).
 * `--base` is omitted for a new agent (then it counts from phase 1). In your own repository,
 * import from `graduated-trust` and `graduated-trust/gate` instead of `../../src`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PHASES, phaseAbove, phaseLabel, readState, type Phase, type StateFile } from '../../src';
import { comparisonOf, parsePolicy, transitionFrom, DEFAULT_POLICY, type GatePolicy } from '../../src/gate';

/** How many approvals a state-file change needs, and why. */
export interface ApprovalRule {
  readonly required: number;
  readonly why: string;
}

/** Sign-offs the policy asks for the promotion out of `from`, or 0. */
function signoffsFor(policy: GatePolicy, from: Phase): number {
  const transition = transitionFrom(from);
  const gate = transition && policy.promotion[transition].signoffs;
  if (!gate) return 0;
  const { op, value } = comparisonOf(gate);
  return op === 'above' ? Math.floor(value) + 1 : op === 'atLeast' ? Math.ceil(value) : 0;
}

/**
 * The approvals a pull request changing `base` into `head` needs.
 * @param base the state file on the base branch; undefined for a new agent (counted from phase 1)
 */
export function requiredApprovals(base: StateFile | undefined, head: StateFile, policy: GatePolicy = DEFAULT_POLICY): ApprovalRule {
  const from: Phase = base?.phase ?? 1;
  if (head.phase < from) return { required: 1, why: `demotion to ${phaseLabel(head.phase)}: one approval, never blocked on the gates` };
  if (head.phase === from) return { required: 1, why: `no phase change (${phaseLabel(from)})` };
  let required = 1;
  const asks: string[] = [];
  let floor: string | undefined;
  for (let p: Phase | undefined = from; p !== undefined && p < head.phase; p = phaseAbove(p)) {
    const n = signoffsFor(policy, p);
    if (n > 1) asks.push(`${n} sign-offs for ${transitionFrom(p)}`);
    required = Math.max(required, n);
  }
  // The phase table's minimum for entering each phase crossed; a policy can only raise it.
  for (let p = phaseAbove(from); p !== undefined && p <= head.phase; p = phaseAbove(p)) {
    const min = PHASES[p].promotionApprovals;
    if (min > required) {
      required = min;
      floor = `any promotion to phase ${p} needs ${min} approving reviews`;
    }
  }
  const why = floor ?? (asks.length > 0 ? `the policy asks ${asks.join(', ')}` : undefined);
  return { required, why: `promotion to ${phaseLabel(head.phase)}${why ? `: ${why}` : ''}` };
}

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { base: { type: 'string' }, head: { type: 'string' }, approvals: { type: 'string' }, policy: { type: 'string' } },
  });
  if (!values.head || values.approvals === undefined || !/^\d+$/.test(values.approvals)) {
    process.stderr.write('usage: required-approvals.ts --head STATE [--base STATE] --approvals N [--policy FILE]\n');
    return 1;
  }
  const policy = values.policy ? parsePolicy(readFileSync(values.policy, 'utf8'), values.policy) : DEFAULT_POLICY;
  const rule = requiredApprovals(values.base ? readState(values.base) : undefined, readState(values.head), policy);
  const approvals = Number(values.approvals);
  const ok = approvals >= rule.required;
  process.stdout.write(`${ok ? 'ok' : 'not yet'}: ${approvals} of ${rule.required} approving review${rule.required === 1 ? '' : 's'} (${rule.why})\n`);
  return ok ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
