/**
 * Times graduated-trust/testing on the example agent: importing it, then synthesizePhases
 * (phases 1–4 in memory), Kubernetes only and with Vault + AWS. "Cold" is the first call in a
 * fresh process (with Vault + AWS it also loads cdktf and the providers), measured in RUNS child
 * processes; "warm" is RUNS further calls in one process. Medians are reported. Under tsx the
 * sources are transpiled on load, which the published JavaScript does not pay.
 *
 *   npx tsx scripts/bench-testing.ts [RUNS]
 */
import { execFileSync } from 'node:child_process';

const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const OPTIONS = {
  vault: { authBackendPath: 'kubernetes' },
  aws: { trust: { irsa: { oidcProviderArn: `arn:aws:iam::111122223333:oidc-provider/${ISSUER}`, issuerHostPath: ISSUER } } },
};

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** In a fresh process: the import, then the first call (`kubernetes` only or `both`). */
function cold(mode: string): void {
  const { incidentResponder } = require('../examples/incident-responder') as typeof import('../examples/incident-responder');
  let start = process.hrtime.bigint();
  const { synthesizePhases } = require('../src/testing') as typeof import('../src/testing');
  const imported = ms(start);
  start = process.hrtime.bigint();
  synthesizePhases(incidentResponder, mode === 'both' ? OPTIONS : {});
  process.stdout.write(JSON.stringify({ imported, first: ms(start) }));
}

function coldSamples(mode: string, runs: number): Array<{ imported: number; first: number }> {
  return Array.from({ length: runs }, () =>
    JSON.parse(execFileSync(process.execPath, [...process.execArgv, __filename, '--cold', mode], { encoding: 'utf8' })) as { imported: number; first: number },
  );
}

function main(runs: number): void {
  const kubernetes = coldSamples('kubernetes', runs);
  const both = coldSamples('both', runs);
  const { synthesizePhases } = require('../src/testing') as typeof import('../src/testing');
  const { incidentResponder } = require('../examples/incident-responder') as typeof import('../examples/incident-responder');
  synthesizePhases(incidentResponder, OPTIONS);
  const warm = (options: object) =>
    median(Array.from({ length: runs }, () => {
      const start = process.hrtime.bigint();
      synthesizePhases(incidentResponder, options);
      return ms(start);
    }));
  const row = (label: string, value: number) => process.stdout.write(`${label.padEnd(58)} ${value.toFixed(0).padStart(5)} ms\n`);
  process.stdout.write(`median of ${runs} runs, node ${process.version}\n`);
  row('import graduated-trust/testing', median([...kubernetes, ...both].map((s) => s.imported)));
  row('first synthesizePhases, Kubernetes only (cold)', median(kubernetes.map((s) => s.first)));
  row('first synthesizePhases with Vault + AWS (cold, loads cdktf)', median(both.map((s) => s.first)));
  row('synthesizePhases, Kubernetes only (warm)', warm({}));
  row('synthesizePhases with Vault + AWS (warm)', warm(OPTIONS));
}

const coldMode = process.argv.indexOf('--cold');
if (coldMode === -1) main(Number(process.argv[2] ?? 7));
else cold(process.argv[coldMode + 1] ?? 'both');
