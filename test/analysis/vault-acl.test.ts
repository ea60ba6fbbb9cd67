/**
 * Test vectors for the Vault ACL evaluator, taken from hashicorp/vault `vault/acl_test.go`
 * (TestACL_Capabilities, TestACL_Single, TestACL_Layered, TestACL_SegmentWildcardPriority,
 * TestACLGrantingPolicies). The policies are the fixtures of that file; the expected results are
 * the `allowed` / `rootPrivs` columns of its cases. Parameter, wrapping-TTL, MFA and bare-mount
 * cases are out of scope (the evaluator answers path and capability questions only), and
 * Help operations are always allowed by Vault, so they are not listed.
 */
import { describe, expect, it } from 'vitest';
import { VaultAcl } from '../../src/analysis/vault/acl';
import { parseVaultPolicy } from '../../src/vault/policy';

const aclPolicy = `
name = "DeV"
path "dev/*" {
	policy = "sudo"
}
path "stage/*" {
	policy = "write"
}
path "stage/aws/*" {
	policy = "read"
	capabilities = ["update", "sudo"]
}
path "stage/aws/policy/*" {
	policy = "sudo"
}
path "prod/*" {
	policy = "read"
}
path "prod/aws/*" {
	policy = "deny"
}
path "sys/*" {
	policy = "deny"
}
path "foo/bar" {
	capabilities = ["read", "create", "sudo"]
}
path "baz/quux" {
	capabilities = ["read", "create", "patch"]
}
path "test/+/segment" {
	capabilities = ["read"]
}
path "+/segment/at/front" {
	capabilities = ["read"]
}
path "test/segment/at/end/+" {
	capabilities = ["read"]
}
path "test/segment/at/end/v2/+/" {
	capabilities = ["read"]
}
path "test/+/wildcard/+/*" {
	capabilities = ["read"]
}
path "test/+/wildcardglob/+/end*" {
	capabilities = ["read"]
}
path "1/2/*" {
	capabilities = ["create"]
}
path "1/2/+" {
	capabilities = ["read"]
}
path "1/2/+/+" {
	capabilities = ["update", "recover"]
}
`;

const aclPolicy2 = `
name = "OpS"
path "dev/hide/*" {
	policy = "deny"
}
path "stage/aws/policy/*" {
	policy = "deny"
	# This should have no effect
	capabilities = ["read", "update", "sudo"]
}
path "prod/*" {
	policy = "write"
}
path "sys/seal" {
	policy = "sudo"
}
path "foo/bar" {
	capabilities = ["deny"]
}
path "baz/quux" {
	capabilities = ["deny"]
}
`;

type Case = readonly [capability: string, path: string, allowed: boolean, rootPrivs: boolean];

function check(acl: VaultAcl, cases: readonly Case[]) {
  for (const [cap, path, allowed, rootPrivs] of cases) {
    expect({ cap, path, allowed: acl.allows(path, cap) }).toEqual({ cap, path, allowed });
    expect({ path, rootPrivs: acl.allows(path, 'sudo') }).toEqual({ path, rootPrivs });
  }
}

describe('VaultAcl (vectors from hashicorp/vault vault/acl_test.go)', () => {
  it('reports capabilities as sys/capabilities does (TestACL_Capabilities)', () => {
    const acl = new VaultAcl([parseVaultPolicy(aclPolicy)]);
    expect(acl.capabilities('dev')).toEqual(['deny']);
    expect(acl.capabilities('dev/')).toEqual(['sudo', 'read', 'list', 'update', 'delete', 'create']);
    expect(acl.capabilities('stage/aws/test')).toEqual(['sudo', 'read', 'list', 'update']);
  });

  it('decides the single-policy cases, segment wildcards and globs included (TestACL_Single)', () => {
    const acl = new VaultAcl([parseVaultPolicy(aclPolicy)]);
    expect(acl.allows('sys/mount/foo', 'sudo')).toBe(false);
    check(acl, [
      ['read', 'root', false, false],
      ['read', 'dev/foo', true, true],
      ['update', 'dev/foo', true, true],
      ['delete', 'stage/foo', true, false],
      ['list', 'stage/aws/foo', true, true],
      ['update', 'stage/aws/foo', true, true],
      ['update', 'stage/aws/policy/foo', true, true],
      ['delete', 'prod/foo', false, false],
      ['update', 'prod/foo', false, false],
      ['read', 'prod/foo', true, false],
      ['list', 'prod/foo', true, false],
      ['read', 'prod/aws/foo', false, false],
      ['read', 'foo/bar', true, true],
      ['list', 'foo/bar', false, true],
      ['update', 'foo/bar', false, true],
      ['create', 'foo/bar', true, true],
      ['read', 'baz/quux', true, false],
      ['create', 'baz/quux', true, false],
      ['patch', 'baz/quux', true, false],
      ['list', 'baz/quux', false, false],
      ['update', 'baz/quux', false, false],
      ['read', 'test/foo/bar/segment', false, false],
      ['read', 'test/foo/segment', true, false],
      ['read', 'test/bar/segment', true, false],
      ['read', 'test/segment/at/frond', false, false],
      ['read', 'test/segment/at/front', true, false],
      ['read', 'test/segment/at/end/foo', true, false],
      ['read', 'test/segment/at/end/foo/', false, false],
      ['read', 'test/segment/at/end/v2/foo/', true, false],
      ['read', 'test/segment/wildcard/at/foo/', true, false],
      ['read', 'test/segment/wildcard/at/end', true, false],
      ['read', 'test/segment/wildcard/at/end/', true, false],
      ['read', '1/2/3/4', false, false],
      ['read', '1/2/3', true, false],
      ['update', '1/2/3', false, false],
      ['update', '1/2/3/4', true, false],
      ['create', '1/2/3/4/5', true, false],
      ['recover', '1/2/3/4', true, false],
    ]);
  });

  it('merges two policies, deny winning on the same path (TestACL_Layered)', () => {
    const acl = new VaultAcl([parseVaultPolicy(aclPolicy), parseVaultPolicy(aclPolicy2)]);
    check(acl, [
      ['read', 'root', false, false],
      ['read', 'dev/foo', true, true],
      ['update', 'dev/foo', true, true],
      ['read', 'dev/hide/foo', false, false],
      ['update', 'dev/hide/foo', false, false],
      ['delete', 'stage/foo', true, false],
      ['list', 'stage/aws/foo', true, true],
      ['update', 'stage/aws/foo', true, true],
      ['update', 'stage/aws/policy/foo', false, false],
      ['delete', 'prod/foo', true, false],
      ['update', 'prod/foo', true, false],
      ['read', 'prod/foo', true, false],
      ['list', 'prod/foo', true, false],
      ['read', 'prod/aws/foo', false, false],
      ['read', 'sys/status', false, false],
      ['update', 'sys/seal', true, true],
      ['read', 'foo/bar', false, false],
      ['list', 'foo/bar', false, false],
      ['update', 'foo/bar', false, false],
      ['create', 'foo/bar', false, false],
      ['read', 'baz/quux', false, false],
      ['list', 'baz/quux', false, false],
      ['update', 'baz/quux', false, false],
      ['create', 'baz/quux', false, false],
      ['patch', 'baz/quux', false, false],
    ]);
  });

  it.each([
    ['path "+/*" { capabilities = ["read"] }\npath "*" { capabilities = ["update"] }', 'foo/bar/bar/baz'],
    ['path "+/*" { capabilities = ["read"] }\npath "foo/+/*" { capabilities = ["update"] }', 'foo/bar/bar/baz'],
    ['path "foo/+/+/*" { capabilities = ["read"] }\npath "foo/+/bar/baz" { capabilities = ["update"] }', 'foo/bar/bar/baz'],
    ['path "foo/+/+/baz" { capabilities = ["read"] }\npath "foo/+/bar/baz" { capabilities = ["update"] }', 'foo/bar/bar/baz'],
    ['path "foo/+/(ar/baz" { capabilities = ["read"] }\npath "foo/(ar/+/baz" { capabilities = ["update"] }', 'foo/(ar/(ar/baz'],
    ['path "foo/bar/+/baz*" { capabilities = ["read"] }\npath "foo/bar/+/baz" { capabilities = ["update"] }', 'foo/bar/bar/baz'],
    ['path "foo/bar/+/b*" { capabilities = ["read"] }\npath "foo/bar/+/ba*" { capabilities = ["update"] }', 'foo/bar/bar/baz'],
  ])('lets the more specific rule win alone (TestACL_SegmentWildcardPriority) %#', (policy, path) => {
    const acl = new VaultAcl([parseVaultPolicy(policy)]);
    expect(acl.allows(path, 'update')).toBe(true);
    expect(acl.allows(path, 'read')).toBe(false);
  });

  it('grants from one or two policies as in TestACLGrantingPolicies', () => {
    const granting = parseVaultPolicy(`
name = "granting_policy"
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["update", "read"] }
path "kv/path/longer2" { capabilities = ["update"] }
path "kv/deny" { capabilities = ["deny"] }
path "ns1/kv/foo" { capabilities = ["update", "read", "recover"] }
`);
    const merged = parseVaultPolicy(`
name = "granting_policy_merged"
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/bar" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["read"] }
path "kv/path/longer3" { capabilities = ["read"] }
path "kv/deny" { capabilities = ["update"] }
`);
    const one = new VaultAcl([granting]);
    const two = new VaultAcl([granting, merged]);
    const cases: ReadonlyArray<[VaultAcl, string, string, boolean]> = [
      [one, 'kv/foo', 'read', true],
      [one, 'kv/foo', 'update', true],
      [one, 'kv/bad', 'read', false],
      [one, 'kv/deny', 'read', false],
      [one, 'kv/path/foo', 'read', true],
      [one, 'kv/path/longer', 'read', true],
      [two, 'kv/foo', 'read', true],
      [two, 'kv/path/longer3', 'read', true],
      [two, 'kv/bar', 'read', true],
      [two, 'kv/deny', 'read', false],
      [two, 'kv/path/longer', 'update', true],
      [two, 'kv/path/foo', 'read', true],
      [two, 'ns1/kv/foo', 'recover', true],
    ];
    for (const [acl, path, cap, allowed] of cases) expect({ path, cap, allowed: acl.allows(path, cap) }).toEqual({ path, cap, allowed });
  });
});

describe('VaultAcl beyond the upstream vectors', () => {
  it('does not add up a broader rule under a more specific one', () => {
    const acl = new VaultAcl([parseVaultPolicy('path "a/*" { capabilities = ["read"] }\npath "a/b" { capabilities = ["update"] }')]);
    expect(acl.capabilities('a/b')).toEqual(['update']);
    expect(acl.capabilities('a/c')).toEqual(['read']);
  });

  it('answers list on "path/" from the exact rule "path", as Vault retries list lookups', () => {
    const acl = new VaultAcl([parseVaultPolicy('path "a/b" { capabilities = ["read"] }\npath "a/b/*" { capabilities = ["list"] }')]);
    expect(acl.allows('a/b/', 'list')).toBe(false);
    expect(acl.matchingRule('a/b/', true)).toBe('a/b');
    expect(acl.allows('a/b/', 'read')).toBe(false);
    expect(acl.matchingRule('a/b/')).toBe('a/b/*');
  });

  it('lets a deny in one policy hide the same path in another', () => {
    const acl = new VaultAcl([parseVaultPolicy('path "a/*" { capabilities = ["read"] }'), parseVaultPolicy('path "a/*" { capabilities = ["deny"] }')]);
    expect(acl.capabilities('a/x')).toEqual(['deny']);
  });

  it('reads JSON policies the same as HCL', () => {
    const hcl = new VaultAcl([parseVaultPolicy('path "a/+/c" { capabilities = ["read", "list"] }')]);
    const json = new VaultAcl([parseVaultPolicy('{"path": {"a/+/c": {"capabilities": ["read", "list"]}}}')]);
    for (const p of ['a/b/c', 'a/c', 'a/b/c/d', 'a//c']) expect(json.capabilities(p)).toEqual(hcl.capabilities(p));
    expect(hcl.capabilities('a//c')).toEqual(['read', 'list']);
  });

  it('strips leading slashes from rules and requests', () => {
    const acl = new VaultAcl([parseVaultPolicy('path "/a/b" { capabilities = ["read"] }')]);
    expect(acl.allows('//a/b', 'read')).toBe(true);
  });
});
