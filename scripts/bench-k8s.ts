/**
 * Benchmark of the Kubernetes half: synthesizes 100 varied agents with TrustPhasedAgent, and the
 * very same objects written as plain cdk8s ApiObjects (L1), each in its own process so peak RSS
 * (process.resourceUsage().maxRSS) belongs to one variant. Prints one JSON document on stdout.
 *
 *   npx tsx scripts/bench-k8s.ts
 *
 * Times are wall-clock milliseconds: `importMs` to load the code, `coldMs` for the first
 * synthesis (construct + YAML), `warmMedianMs` the median of the next runs, `unguardedWarmMedianMs`
 * the same without the guard's validation; `interleaved` also holds `floorOverPlain`, the least a
 * guard reading the output could cost (the constructs, one more serialization of every object and
 * every agent's access model, over the plain synth) and `perChartGuardedMs`, the same agents
 * with one chart each (cdk8s then validates the app once per chart). Under tsx the import
 * time includes transpiling TypeScript; the built library loads faster.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AgentDefinition } from '../src/definition/types';
import type { NetworkPolicyFlavour } from '../src/k8s';
import type { Phase } from '../src/phase/table';
import { incidentResponder } from '../examples/incident-responder';

const AGENTS = 100;
const WARM_RUNS = 5;

interface AgentCase {
  readonly definition: AgentDefinition;
  readonly phase: Phase;
  readonly networkPolicy: NetworkPolicyFlavour;
  readonly approvers: { readonly groups: readonly string[] };
}

/** 100 agents: ten teams, every phase, both flavours, a growing set of watched namespaces. */
function cases(): AgentCase[] {
  return Array.from({ length: AGENTS }, (_, i) => {
    const cilium = i % 2 === 1;
    const shops = Array.from({ length: 1 + (i % 5) }, (_, k) => `shop-${(i + k) % 7}`);
    const definition: AgentDefinition = {
      ...incidentResponder,
      name: `agent-${i}`,
      namespace: `team-${i % 10}`,
      podLabels: { 'app.kubernetes.io/name': `agent-${i}` },
      observe: {
        ...incidentResponder.observe,
        kubernetes: incidentResponder.observe.kubernetes!.map((r) => (r.namespaces ? { ...r, namespaces: shops } : r)),
      },
      recommend: {
        egress: [cilium
          ? { name: 'chat-webhook', to: { fqdn: `hooks-${i}.chat.example.com` }, ports: [{ port: 443 }] }
          : { name: 'chat-webhook', to: { cidr: `198.51.100.${i}/32` }, ports: [{ port: 443 }] }],
      },
    };
    return { definition, phase: ((i % 4) + 1) as Phase, networkPolicy: cilium ? 'cilium' : 'kubernetes', approvers: { groups: ['sre-oncall'] } };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Times `synth` cold and warm, in this process. */
function measure(importMs: number, synth: () => string): Record<string, number | string> {
  const t0 = performance.now();
  const yaml = synth();
  const coldMs = performance.now() - t0;
  const warm = Array.from({ length: WARM_RUNS }, () => {
    const t = performance.now();
    synth();
    return performance.now() - t;
  });
  return {
    importMs: round(importMs),
    coldMs: round(coldMs),
    warmMedianMs: round(median(warm)),
    maxRssMiB: round(process.resourceUsage().maxRSS / 1024),
    yamlBytes: Buffer.byteLength(yaml),
    yamlSha256: createHash('sha256').update(yaml).digest('hex'),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Child: TrustPhasedAgent. `guardMedianMs` is the synth-time guard alone (the App root's
 * validation: the access model of every object against each agent's phase ceiling), which
 * `app.synthYaml()` runs once per synthesis.
 */
function runLibrary(manifestsFile: string): Record<string, number | string> {
  const t0 = performance.now();
  const { App, Chart } = require('cdk8s') as typeof import('cdk8s');
  const { TrustPhasedAgent } = require('../src/k8s') as typeof import('../src/k8s');
  const importMs = performance.now() - t0;
  const all = cases();
  const build = () => {
    const app = new App();
    const chart = new Chart(app, 'bench');
    all.forEach((c, i) => new TrustPhasedAgent(chart, `Agent${i}`, c));
    return app;
  };
  // One chart per agent: cdk8s validates the whole app once more for every chart it serializes.
  const buildPerChart = () => {
    const app = new App();
    all.forEach((c, i) => new TrustPhasedAgent(new Chart(app, `agent-${i}`), 'Agent', c));
    return app;
  };
  const guard = Array.from({ length: WARM_RUNS }, () => {
    const app = build();
    const t = performance.now();
    const errors = app.node.validate();
    if (errors.length > 0) throw new Error(errors.join('\n'));
    return performance.now() - t;
  });
  const measured = measure(importMs, () => build().synthYaml());
  // Interleaved rounds in this process, so a busy machine slows all three alike: the app, the
  // same app with the guard's validation taken off the root after construction (a
  // benchmark-only reach into constructs' private list), and the same objects as plain ApiObjects.
  const manifests = JSON.parse(readFileSync(manifestsFile, 'utf8')) as Array<{ apiVersion: string; kind: string }>;
  const { ApiObject } = require('cdk8s') as typeof import('cdk8s');
  const time = (work: () => unknown) => {
    const t = performance.now();
    work();
    return performance.now() - t;
  };
  const { synthesizedManifests } = require('../src/k8s/guard') as typeof import('../src/k8s/guard');
  const { OutputIndex } = require('../src/analysis/output-index') as typeof import('../src/analysis/output-index');
  const { accessOf } = require('../src/analysis/access') as typeof import('../src/analysis/access');
  const rounds = Array.from({ length: WARM_RUNS }, () => {
    let unguardedApp: InstanceType<typeof App> | undefined;
    const round = {
      guarded: time(() => build().synthYaml()),
      perChart: time(() => buildPerChart().synthYaml()),
      unguarded: time(() => {
        const app = build();
        (app.node as unknown as { _validations?: unknown[] })._validations = [];
        unguardedApp = app;
        return app.synthYaml();
      }),
      plain: time(() => {
        const app = new App();
        const chart = new Chart(app, 'bench');
        manifests.forEach((m, i) => new ApiObject(chart, `Object${i}`, m));
        return app.synthYaml();
      }),
      serialize: 0,
      access: 0,
    };
    // The least any guard that checks what cdk8s writes must add: one more serialization of every
    // object (validations run before cdk8s serializes, and never see its result), and every
    // agent's effective access over the output.
    let output: ReturnType<typeof synthesizedManifests> = [];
    round.serialize = time(() => (output = synthesizedManifests(unguardedApp!)));
    round.access = time(() => {
      const synth = { manifests: output, stacks: [] };
      const index = new OutputIndex(synth);
      for (const c of all) accessOf(synth, { namespace: c.definition.namespace, name: c.definition.name }, index);
    });
    return round;
  });
  const ratio = (a: (r: (typeof rounds)[number]) => number, b: (r: (typeof rounds)[number]) => number) => round2(median(rounds.map((r) => a(r) / b(r))));
  return {
    ...measured,
    guardMedianMs: round(median(guard)),
    unguardedWarmMedianMs: round(median(rounds.map((r) => r.unguarded))),
    interleaved: JSON.stringify({
      guardedMs: round(median(rounds.map((r) => r.guarded))), perChartGuardedMs: round(median(rounds.map((r) => r.perChart))), unguardedMs: round(median(rounds.map((r) => r.unguarded))), plainMs: round(median(rounds.map((r) => r.plain))),
      guardedOverPlain: ratio((r) => r.guarded, (r) => r.plain), guardedOverUnguarded: ratio((r) => r.guarded, (r) => r.unguarded), unguardedOverPlain: ratio((r) => r.unguarded, (r) => r.plain),
      serializeMs: round(median(rounds.map((r) => r.serialize))), accessMs: round(median(rounds.map((r) => r.access))),
      // The constructs, one more serialization and the access model, over plain: no guard that reads the output can be faster.
      floorOverPlain: ratio((r) => r.unguarded + r.serialize + r.access, (r) => r.plain),
    }),
  };
}

/** Child: the same manifests as plain ApiObjects. */
function runPlain(manifestsFile: string): Record<string, number | string> {
  const t0 = performance.now();
  const { ApiObject, App, Chart } = require('cdk8s') as typeof import('cdk8s');
  const importMs = performance.now() - t0;
  const manifests = JSON.parse(readFileSync(manifestsFile, 'utf8')) as Array<{ apiVersion: string; kind: string }>;
  return measure(importMs, () => {
    const app = new App();
    const chart = new Chart(app, 'bench');
    manifests.forEach((m, i) => new ApiObject(chart, `Object${i}`, m));
    return app.synthYaml();
  });
}

interface Measurement {
  readonly importMs: number;
  readonly coldMs: number;
  readonly warmMedianMs: number;
  readonly maxRssMiB: number;
  readonly yamlBytes: number;
  readonly yamlSha256: string;
  readonly guardMedianMs: number;
  readonly unguardedWarmMedianMs: number;
  /** Medians of interleaved rounds and of their ratios, as JSON. */
  readonly interleaved: string;
}

function child(args: string[]): Measurement {
  const out = execFileSync(process.execPath, [...process.execArgv, __filename, ...args], { encoding: 'utf8' });
  return JSON.parse(out) as Measurement;
}

/** Parent: writes the library's manifests for the plain variant, runs both children, compares. */
function main(): void {
  const { App, Chart } = require('cdk8s') as typeof import('cdk8s');
  const { TrustPhasedAgent } = require('../src/k8s') as typeof import('../src/k8s');
  const app = new App();
  const chart = new Chart(app, 'bench');
  cases().forEach((c, i) => new TrustPhasedAgent(chart, `Agent${i}`, c));
  const manifests = chart.toJson();
  const file = join(mkdtempSync(join(tmpdir(), 'gt-bench-')), 'manifests.json');
  writeFileSync(file, JSON.stringify(manifests));

  const library = child(['library', file]);
  const plainL1 = child(['plain', file]);
  process.stdout.write(JSON.stringify({
    agents: AGENTS,
    objects: manifests.length,
    node: process.version,
    library,
    plainL1,
    sameYaml: library.yamlSha256 === plainL1.yamlSha256,
    // Same process, rounds interleaved: the steadiest ratios on a busy machine.
    interleaved: JSON.parse(library.interleaved) as unknown,
    overhead: {
      warmSynth: round(library.warmMedianMs / plainL1.warmMedianMs),
      maxRss: round(library.maxRssMiB / plainL1.maxRssMiB),
      // The synthesis over the same synthesis without the synth-time guard (its validation removed).
      guardWarmSynth: round2(library.warmMedianMs / library.unguardedWarmMedianMs),
      // The constructs without the guard over the same objects as plain ApiObjects.
      unguardedWarmSynth: round2(library.unguardedWarmMedianMs / plainL1.warmMedianMs),
    },
  }, null, 2) + '\n');
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'library') process.stdout.write(JSON.stringify(runLibrary(arg!)));
else if (mode === 'plain') process.stdout.write(JSON.stringify(runPlain(arg!)));
else main();
