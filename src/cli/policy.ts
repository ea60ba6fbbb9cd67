import { readFileSync } from 'node:fs';
import { TrustError } from '../errors';
import { DEFAULT_POLICY, type GatePolicy } from '../gate/policy';
import { loadModule } from './load';

/** The gate policy of `--policy FILE` (JSON or YAML over the defaults), or the defaults. */
export async function readPolicyFlag(file: string | undefined): Promise<GatePolicy> {
  if (file === undefined) return DEFAULT_POLICY;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TrustError('GT_INPUT', `cannot read the policy file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check --policy`, file);
  }
  const { parsePolicy } = await loadModule<typeof import('../gate/policy-file.js')>('../gate/policy-file.js'); // yaml and zod load only for a policy file
  return parsePolicy(text, file);
}
