import { describe, expect, it } from 'vitest';
import { TrustError } from '../../src/errors';
import { parseRequest, type AccessRequest } from '../../src/testing';

function usageError(request: AccessRequest): TrustError {
  try {
    parseRequest(request);
  } catch (e) {
    if (e instanceof TrustError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(request)} to be refused`);
}

describe('parsing Kubernetes requests', () => {
  it('reads verb, group/resource, name and namespace', () => {
    expect(parseRequest({ k8s: 'patch apps/deployments checkout in shop' })).toEqual({
      backend: 'k8s',
      text: 'patch apps/deployments "checkout" in shop',
      resource: { verb: 'patch', apiGroup: 'apps', resource: 'deployments', name: 'checkout', namespace: 'shop' },
    });
  });

  it('reads a core resource with a subresource, and a group resource with one', () => {
    expect(parseRequest({ k8s: 'get pods/log in shop' })).toMatchObject({ resource: { apiGroup: '', resource: 'pods', subresource: 'log', namespace: 'shop' } });
    expect(parseRequest({ k8s: 'patch apps/deployments/scale web in shop' })).toMatchObject({ resource: { apiGroup: 'apps', resource: 'deployments', subresource: 'scale', name: 'web' } });
  });

  it('takes a dotted first segment as a group', () => {
    expect(parseRequest({ k8s: 'create rbac.authorization.k8s.io/rolebindings in shop' })).toMatchObject({
      resource: { apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
    });
  });

  it('reads a request without namespace as cluster-scoped, with or without the word cluster-wide', () => {
    expect(parseRequest({ k8s: 'get nodes' })).toEqual({ backend: 'k8s', text: 'get nodes cluster-wide', resource: { verb: 'get', apiGroup: '', resource: 'nodes' } });
    expect(parseRequest({ k8s: 'get nodes cluster-wide' })).toEqual(parseRequest({ k8s: 'get nodes' }));
  });

  it('accepts a quoted name, as messages and diffs print it', () => {
    expect(parseRequest({ k8s: 'patch apps/deployments "checkout" in shop' })).toEqual(parseRequest({ k8s: 'patch apps/deployments checkout in shop' }));
  });

  it('reads a non-resource URL', () => {
    expect(parseRequest({ k8s: 'get /healthz' })).toEqual({ backend: 'k8s', text: 'get /healthz (non-resource URL)', nonResource: { verb: 'get', path: '/healthz' } });
  });

  it.each([
    ['', 'is missing a verb or a resource'],
    ['patch', 'is missing a verb or a resource'],
    ['* pods in shop', 'one verb'],
    ['get pods/* in shop', 'not a wildcard'],
    ['get deployments in shop', 'not in the core API group; name its group, e.g. apps/deployments'],
    ['get Apps/Deployments in shop', 'malformed resource'],
    ['get pods in Shop', 'not a DNS-1123 label'],
    ['get pods a b in shop', 'where one object name may go'],
    ['get pods in', 'without one namespace'],
    ['get /healthz now', 'after the non-resource URL'],
  ])('fails on %j, saying it %s', (text, problem) => {
    const e = usageError({ k8s: text });
    expect(e.code).toBe('GT_USAGE');
    expect(e.message).toContain(problem);
    expect(e.message).toContain(`k8s request ${JSON.stringify(text)}`);
    expect(e.message).toContain('write VERB RESOURCE [NAME] [in NAMESPACE]');
  });
});

describe('parsing Vault requests', () => {
  it('reads capability and path, without a leading slash', () => {
    expect(parseRequest({ vault: 'update /secret/data/shop/x' })).toEqual({ backend: 'vault', text: 'vault update secret/data/shop/x', capability: 'update', path: 'secret/data/shop/x' });
  });

  it.each([
    ['update', 'has 1 words instead of 2'],
    ['write secret/data/x', 'has the capability "write"'],
    ['read secret/data/*', 'one concrete path'],
    ['read secret/+/x', 'one concrete path'],
  ])('fails on %j, saying it %s', (text, problem) => {
    expect(() => parseRequest({ vault: text })).toThrow(problem);
  });
});

describe('parsing IAM requests', () => {
  it('reads an action with the reference casing, and an optional resource', () => {
    expect(parseRequest({ iam: 'ec2:terminateinstances' })).toEqual({ backend: 'iam', text: 'iam ec2:TerminateInstances', action: 'ec2:TerminateInstances' });
    expect(parseRequest({ iam: 'ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout' })).toMatchObject({
      resource: 'arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout',
    });
  });

  it.each([
    ['ec2:TerminateInstance', 'not in the IAM Service Authorization Reference'],
    ['ec2:*', 'not a wildcard'],
    ['ecs:UpdateService at arn:aws:ecs:::x', 'optionally followed by "on" and one ARN'],
    ['ecs:UpdateService on', 'optionally followed by "on" and one ARN'],
    ['ecs:UpdateService on service/shop', 'give an ARN'],
  ])('fails on %j, saying it %s', (text, problem) => {
    expect(() => parseRequest({ iam: text })).toThrow(problem);
  });
});

describe('parsing egress requests', () => {
  it('reads DNS names, IPv4 and bracketed IPv6 addresses, ports and protocols', () => {
    expect(parseRequest({ egress: 'Hooks.Example.com:443' })).toEqual({ backend: 'egress', text: 'egress hooks.example.com:443', destination: { fqdn: 'hooks.example.com' }, port: 443, protocol: 'TCP' });
    expect(parseRequest({ egress: '10.0.0.10:53/udp' })).toMatchObject({ text: 'egress 10.0.0.10:53/UDP', destination: { ip: '10.0.0.10' }, protocol: 'UDP' });
    expect(parseRequest({ egress: '[2001:db8::1]:443' })).toMatchObject({ text: 'egress [2001:db8::1]:443', destination: { ip: '2001:db8::1' } });
  });

  it('reads a pod by labels and namespace', () => {
    expect(parseRequest({ egress: 'pod app=prometheus,team=obs in monitoring:9090' })).toMatchObject({
      text: 'egress pod app=prometheus,team=obs in monitoring:9090',
      destination: { namespace: 'monitoring', labels: { app: 'prometheus', team: 'obs' } },
    });
    expect(parseRequest({ egress: 'pod in monitoring:9090' })).toMatchObject({ destination: { namespace: 'monitoring', labels: {} } });
  });

  it.each([
    ['hooks.example.com', 'does not end with :PORT'],
    ['hooks.example.com:0', 'ports are 1–65535'],
    ['hooks.example.com:443/ICMP', 'use TCP, UDP or SCTP'],
    ['localhost:443', 'has the destination "localhost"'],
    ['pod app in monitoring:9090', 'write KEY=VALUE'],
  ])('fails on %j, saying it %s', (text, problem) => {
    expect(() => parseRequest({ egress: text })).toThrow(problem);
  });
});

describe('request objects', () => {
  it.each([[{}], [{ k8s: 'get pods in shop', vault: 'read secret/x' }], [{ kubernetes: 'get pods' }], [{ k8s: 1 }], [null]])('fails on %j, which does not name exactly one backend', (request) => {
    const e = usageError(request as unknown as AccessRequest);
    expect(e.message).toContain('exactly one of k8s, vault, iam, egress');
  });
});
