import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { STATE_FILE, buildStack } from '../../examples/tf-app';
import { readState } from '../../src/state/file';
import type { TfJson } from './synth';

describe('examples/tf-app.ts', () => {
  it('synthesizes the incident-responder stack in the phase of the committed state file', () => {
    const stack = buildStack(Testing.app());
    const json = JSON.parse(Testing.synth(stack)) as TfJson;
    const role = Object.values(json.resource.aws_iam_role!)[0]!;
    expect((role.tags as Record<string, string>)['graduated-trust.dev/phase']).toBe(String(readState(STATE_FILE).phase));
    expect(Object.keys(json.resource).sort()).toEqual(['aws_iam_policy', 'aws_iam_role', 'aws_iam_role_policy', 'vault_identity_group_policies', 'vault_kubernetes_auth_backend_role', 'vault_policy', 'vault_token_auth_backend_role']);
  });

  it('declares the providers and a relative local backend, so the output holds no absolute path', () => {
    const stack = buildStack(Testing.app());
    const outdir = Testing.fullSynth(stack);
    const json = JSON.parse(readFileSync(join(outdir, 'stacks', 'incident-responder', 'cdk.tf.json'), 'utf8')) as TfJson;
    expect(Object.keys(json.provider as object).sort()).toEqual(['aws', 'vault']);
    expect((json.terraform as { backend: unknown }).backend).toEqual({ local: { path: '../../../terraform.incident-responder.tfstate' } });
    expect(JSON.stringify(json)).not.toContain(process.cwd());
  });
});
