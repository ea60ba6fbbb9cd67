import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/analysis/k8s/authorizer';
import { LABELS } from '../../src/definition/names';
import { readState, writeState } from '../../src/state/file';
import { setPhase } from '../../src/state/set-phase';
import { exampleApp, STATE_FILE } from '../../examples/k8s-app';
import { identity } from './helpers';

function manifests(stateFile: string): Manifest[] {
  const charts = exampleApp(stateFile).charts;
  expect(charts).toHaveLength(1);
  return charts[0]!.toJson() as Manifest[];
}

/** A manifest without the phase label and annotation, which every object carries. */
function withoutPhase(m: Manifest): Manifest {
  const { [LABELS.phase]: _label, ...labels } = m.metadata?.labels ?? {};
  const { [LABELS.phaseName]: _name, ...annotations } = m.metadata?.annotations ?? {};
  return { ...m, metadata: { ...m.metadata, labels, annotations } };
}

/** Kinds whose content is a permission (or the phase parameters the agent reads). */
const PERMISSION_KINDS = ['Role', 'ClusterRole', 'NetworkPolicy', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ConfigMap'];

describe('examples/k8s-app.ts', () => {
  it('synthesizes incident-responder at the phase its committed state file records', () => {
    const committed = readState(STATE_FILE);
    for (const m of manifests(STATE_FILE)) expect(m.metadata?.labels?.[LABELS.phase]).toBe(String(committed.phase));
  });

  it('changes only permissions when the phase in a copy of the state file changes', () => {
    const committed = readState(STATE_FILE);
    const target = committed.phase === 3 ? 2 : 3;
    const copy = join(mkdtempSync(join(tmpdir(), 'gt-example-')), 'incident-responder.json');
    writeState(copy, setPhase(committed, { phase: target, by: 'alice', reason: 'gate passed, PR #42', at: '2026-11-01T00:00:00Z' }));
    const before = new Map(manifests(STATE_FILE).map((m) => [identity(m), m]));
    const after = new Map(manifests(copy).map((m) => [identity(m), m]));

    // Objects keep their kind, namespace and name; only the admission policy may come or go.
    const symmetric = [...before.keys()].filter((id) => !after.has(id)).concat([...after.keys()].filter((id) => !before.has(id)));
    for (const id of symmetric) expect(id).toMatch(/^ValidatingAdmissionPolicy(Binding)?\//);
    const changed = [...after].filter(([id, m]) => before.has(id) && JSON.stringify(withoutPhase(m)) !== JSON.stringify(withoutPhase(before.get(id)!)));
    expect(changed.length).toBeGreaterThan(0);
    for (const [, m] of changed) expect(PERMISSION_KINDS).toContain(m.kind);
    for (const m of after.values()) expect(m.metadata?.labels?.[LABELS.phase]).toBe(String(target));
    expect(readState(STATE_FILE).phase).toBe(committed.phase);
  });
});
