/**
 * IAM attachment coverage: every resource type of the installed AWS provider that attaches a
 * policy to a role, or that names a role among IAM's own types, is handled by the access model
 * (src/analysis/terraform/aws.ts). The provider's resource types are read from its generated
 * classes (`lib/<type>/index.js` carries `tfResourceType`, `index.d.ts` the config fields), so
 * this test fails when a provider upgrade brings a type the lists do not name.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  IAM_ATTACHMENT_TYPES, IAM_NON_ATTACHING_TYPES, IAM_NOT_ROLE_TYPES, IAM_SESSION_POLICY_TYPES, IAM_TRUST_TYPES,
} from '../../src/analysis/terraform/aws';

const LIB = join(dirname(require.resolve('@cdktf/provider-aws/package.json')), 'lib');

interface ProviderType {
  readonly type: string;
  /** Config field names (camelCase, as cdktf generates them). */
  readonly fields: readonly string[];
}

/** Every resource type (not data source) of the provider, with its config fields. */
function providerResourceTypes(): ProviderType[] {
  return readdirSync(LIB).filter((d) => !d.startsWith('data-') && existsSync(join(LIB, d, 'index.js'))).flatMap((d) => {
    const js = readFileSync(join(LIB, d, 'index.js'), 'utf8');
    const type = /tfResourceType = "([a-z0-9_]+)"/.exec(js)?.[1];
    if (!type) return [];
    const dts = readFileSync(join(LIB, d, 'index.d.ts'), 'utf8');
    const config = /export interface \w+Config extends cdktf\.TerraformMetaArguments \{([\s\S]*?)\n\}/.exec(dts)?.[1] ?? '';
    return [{ type, fields: [...config.matchAll(/^\s+readonly (\w+)\??:/gm)].map((m) => m[1]!) }];
  });
}

const ROLE_FIELDS = ['role', 'roleName', 'roles'];
const POLICY_FIELDS = ['policy', 'policyArn', 'policyArns', 'policyNames', 'inlinePolicy', 'managedPolicyArns'];
const ROLE_ARN_WITH_IDENTITY = ['roleArn', 'serviceAccount'];

const types = providerResourceTypes();
const handled = new Set<string>([...IAM_ATTACHMENT_TYPES, ...IAM_SESSION_POLICY_TYPES, ...IAM_TRUST_TYPES]);

describe('IAM attachment coverage against @cdktf/provider-aws', () => {
  it('reads the provider\'s resource types', () => {
    expect(types.length).toBeGreaterThan(1000);
    expect(types.find((t) => t.type === 'aws_iam_role_policy')?.fields).toEqual(expect.arrayContaining(['role', 'policy']));
  });

  it('handles every resource type that attaches a policy to a role', () => {
    const attaching = types.filter((t) => t.type === 'aws_iam_role'
      || (t.fields.some((f) => ROLE_FIELDS.includes(f)) && t.fields.some((f) => POLICY_FIELDS.includes(f))));
    expect(attaching.map((t) => t.type)).toEqual(expect.arrayContaining(['aws_iam_role_policy_attachments_exclusive', 'aws_iam_role_policies_exclusive', 'aws_iam_policy_attachment']));
    expect(attaching.filter((t) => !handled.has(t.type)).map((t) => t.type)).toEqual([]);
  });

  it('handles every resource type that lets a Kubernetes ServiceAccount assume a role', () => {
    const granting = types.filter((t) => ROLE_ARN_WITH_IDENTITY.every((f) => t.fields.includes(f)));
    expect(granting.map((t) => t.type)).toContain('aws_eks_pod_identity_association');
    expect(granting.filter((t) => !handled.has(t.type)).map((t) => t.type)).toEqual([]);
  });

  it('classifies every aws_iam_* resource type of the provider', () => {
    const classified = new Set<string>([...handled, ...IAM_NON_ATTACHING_TYPES, ...IAM_NOT_ROLE_TYPES]);
    expect(types.filter((t) => t.type.startsWith('aws_iam_') && !classified.has(t.type)).map((t) => t.type)).toEqual([]);
  });

  it('names no type that the provider does not have', () => {
    const all = new Set(types.map((t) => t.type));
    const listed = [...handled, ...IAM_NON_ATTACHING_TYPES, ...IAM_NOT_ROLE_TYPES];
    expect(listed.filter((t) => !all.has(t))).toEqual([]);
  });
});
