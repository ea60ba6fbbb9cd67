/**
 * Reads an agent definition for `trust-gate usage --definition`: a JSON file, or a module
 * (`.js`, or `.ts` when run under tsx) and the export that is the definition (`FILE#EXPORT`, or
 * the one export shaped like a definition).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { agentDefinitionSchema } from '../definition/schema';
import type { AgentDefinition } from '../definition/types';
import { TrustError } from '../errors';

function checked(value: unknown, where: string): AgentDefinition {
  const parsed = agentDefinitionSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TrustError('GT_INPUT', `field "${issue.path.join('.')}": ${issue.message}; expected an AgentDefinition`, where);
  }
  return value as AgentDefinition;
}

/** The definition in `spec` (`FILE`, `FILE#EXPORT`). */
export function readDefinitionFile(spec: string): AgentDefinition {
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const name = hash > 0 ? spec.slice(hash + 1) : undefined;
  if (file.endsWith('.json')) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TrustError('GT_INPUT', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check --definition`, file);
    }
    try {
      return checked(JSON.parse(text), file);
    } catch (e) {
      if (e instanceof TrustError) throw e;
      throw new TrustError('GT_INPUT', `is not valid JSON (${(e as Error).message}); give the definition as JSON or as a module`, file);
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = require(resolve(file)) as Record<string, unknown>;
  } catch (e) {
    const ts = file.endsWith('.ts') ? "; a .ts file loads only under tsx (NODE_OPTIONS='--import tsx' npx trust-gate …) — or pass the definition as JSON" : '';
    throw new TrustError('GT_INPUT', `cannot be loaded (${String((e as Error).message).split('\n')[0]})${ts}`, file);
  }
  if (name !== undefined) {
    if (!(name in mod)) throw new TrustError('GT_INPUT', `has no export "${name}"; it exports ${Object.keys(mod).join(', ') || 'nothing'}`, file);
    return checked(mod[name], `${file}#${name}`);
  }
  const candidates = Object.entries(mod).filter(([, v]) => agentDefinitionSchema.safeParse(v).success);
  if (candidates.length !== 1) {
    throw new TrustError('GT_INPUT', `exports ${candidates.length} agent definitions (${candidates.map(([k]) => k).join(', ') || 'none'}); name one as FILE#EXPORT`, file);
  }
  return candidates[0]![1] as AgentDefinition;
}
