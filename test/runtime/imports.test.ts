import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli';

const src = join(__dirname, '..', '..', 'src');

/** Every module `src/runtime/index.ts` loads at run time (type-only imports are erased), by static analysis. */
function runtimeGraph(): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    for (const node of source.statements) {
      const isValueImport = ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly;
      const isValueExport = ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier;
      if (!isValueImport && !isValueExport) continue;
      const named = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause;
      const elements = named && (ts.isNamedImports(named) || ts.isNamedExports(named)) ? named.elements : undefined;
      const onlyTypes = elements !== undefined && elements.length > 0 && elements.every((e) => e.isTypeOnly) && !(ts.isImportDeclaration(node) && node.importClause?.name);
      if (onlyTypes) continue;
      const spec = (node.moduleSpecifier as ts.StringLiteral).text;
      if (spec.startsWith('.')) visit(`${resolve(dirname(file), spec)}.ts`);
      else packages.add(spec);
    }
  };
  visit(join(src, 'runtime', 'index.ts'));
  return { files: [...files].map((f) => relative(src, f)).sort(), packages: [...packages].sort() };
}

describe('graduated-trust/runtime', () => {
  const graph = runtimeGraph();

  it('loads nothing but Node built-ins and the project\'s own files (no zod, cdk8s, cdktf, yaml)', () => {
    expect(graph.packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
  });

  it('answers phase questions from the mounted ConfigMap: its own files never load the phase table', () => {
    // The gate's evidence reader (shared so the builders check exactly what the gate checks) uses isPhase only.
    const runtimeFiles = graph.files.filter((f) => f.startsWith('runtime/'));
    for (const f of runtimeFiles) expect(readFileSync(join(src, f), 'utf8'), f).not.toMatch(/phase\/table/);
    expect(graph.files).toContain('gate/evidence.ts');
    expect(graph.files).not.toContain('k8s/phase-config.ts');
  });

  it('loads in under 50 ms in a fresh Node process (median of 7), compiled as tsc compiles lib/', () => {
    // The graph's files, each compiled to CommonJS on its own (what tsc -p tsconfig.build.json emits), under a fresh folder.
    const out = tempDir('gt-runtime-lib-');
    for (const file of graph.files) {
      const js = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText;
      mkdirSync(dirname(join(out, file)), { recursive: true });
      writeFileSync(join(out, file.replace(/\.ts$/, '.js')), js);
    }
    const probe = `const t = process.hrtime.bigint(); require(${JSON.stringify(join(out, 'runtime', 'index.js'))});
      console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t) / 1e6, outside: Object.keys(require.cache).filter((f) => !f.startsWith(${JSON.stringify(out)})) }));`;
    const runs = Array.from({ length: 7 }, () => JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as { ms: number; outside: string[] });
    expect(runs[0]!.outside).toEqual([]);
    const median = runs.map((r) => r.ms).sort((a, b) => a - b)[3]!;
    expect(median).toBeLessThan(50);
  });
});
