import { describe, expect, it } from 'vitest';
import type { AgentDefinition, EgressRule, KubernetesAccess, Tier } from '../../src/definition/types';
import { TrustError, type ErrorCode } from '../../src/errors';
import { synth } from './helpers';

const base: AgentDefinition = {
  name: 'incident-responder',
  namespace: 'ops-agents',
  observe: {
    kubernetes: [{ apiGroups: [''], resources: ['pods'], namespaces: ['shop'] }],
    egress: [{ name: 'prometheus', to: { namespace: 'monitoring' }, ports: [{ port: 9090 }] }],
  },
};

/** The base definition with one Kubernetes rule in `tier` (replacing observe's). */
const rule = (tier: Tier, r: KubernetesAccess): AgentDefinition => ({ ...base, [tier]: { ...(tier === 'observe' ? base.observe : {}), kubernetes: [r] } });
/** The base definition with one egress rule in `tier` (replacing observe's). */
const egress = (tier: Tier, r: EgressRule): AgentDefinition => ({ ...base, [tier]: { ...(tier === 'observe' ? base.observe : {}), egress: [r] } });
const reason = { reason: 'the vendor runbook needs it during incidents' };
const named = { resourceNames: ['checkout'], namespaces: ['shop'] };

/** [title, definition, code, fragments the message must contain: field, value, what is allowed or the fix] */
const CASES: ReadonlyArray<readonly [string, AgentDefinition, ErrorCode, readonly string[]]> = [
  ['a write verb in observe', rule('observe', { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].verbs', 'verb "patch"', 'allowed: get, list, watch', 'move the rule to a tier that allows it']],
  ['a write verb in recommend', rule('recommend', { apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['recommend.kubernetes[0].verbs', 'verb "delete"', 'move the rule to a tier that allows it']],
  ['a verb the remediate tier does not allow', rule('remediate', { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'], ...named }), 'GT_DEFINITION_INVALID',
    ['remediate.kubernetes[0].verbs', 'verb "create"', 'allowed: get, update, patch, delete', 'move the rule to a tier that allows it']],
  ['a remediate rule without resourceNames', rule('remediate', { apiGroups: ['apps'], resources: ['deployments'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['remediate.kubernetes[0].resourceNames: is missing', "add resourceNames: ['…']", 'or move the rule to autonomous']],
  ["'*' in verbs", rule('observe', { apiGroups: [''], resources: ['pods'], verbs: ['*'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].verbs: "*" is a wildcard', 'list each verb explicitly']],
  ["'*' in resources", rule('observe', { apiGroups: [''], resources: ['*'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].resources: "*" is a wildcard', 'list each item explicitly']],
  ["'*' as a subresource", rule('observe', { apiGroups: [''], resources: ['pods/*'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].resources: "pods/*" is a wildcard']],
  ["'*' in apiGroups", rule('observe', { apiGroups: ['*'], resources: ['pods'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].apiGroups: "*" is a wildcard']],
  ["'*' in resourceNames", rule('remediate', { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['*'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['remediate.kubernetes[0].resourceNames: "*" is a wildcard']],
  ['a name that is not a DNS-1123 label', { ...base, name: 'Incident_Responder' }, 'GT_DEFINITION_INVALID',
    ['name: "Incident_Responder" is not a DNS-1123 label', "use lowercase letters, digits and '-'"]],
  ['a name too long for derived names', { ...base, name: 'a'.repeat(51) }, 'GT_DEFINITION_INVALID',
    [`name: "${'a'.repeat(51)}" is 51 characters`, '"<name>-approvals"', 'shorten it']],
  ['a namespace that is not a DNS-1123 label', { ...base, namespace: 'Ops' }, 'GT_DEFINITION_INVALID',
    ['namespace: "Ops" is not a DNS-1123 label']],
  ['a rule namespace that is not a DNS-1123 label', rule('observe', { apiGroups: [''], resources: ['pods'], namespaces: ['Shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].namespaces: "Shop" is not a DNS-1123 label', "use the namespace's exact name"]],
  ['a resourceName that is not a DNS-1123 name', rule('remediate', { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['Checkout'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['remediate.kubernetes[0].resourceNames: "Checkout" is not a DNS-1123 name', "use the object's exact name"]],
  ['an API group that is not a DNS name', rule('observe', { apiGroups: ['Apps'], resources: ['deployments'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].apiGroups: "Apps" is not a valid API group', "use '' for core"]],
  ['a resource that is not a lowercase plural', rule('observe', { apiGroups: ['apps'], resources: ['Deployments'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].resources: "Deployments" is not a resource', 'use the lowercase plural']],
  ['a namespaced rule without namespaces', rule('observe', { apiGroups: [''], resources: ['pods'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].namespaces: is missing', 'or set clusterScoped: true']],
  ['a cluster-scoped rule in a write tier', rule('autonomous', { apiGroups: [''], resources: ['nodes'], verbs: ['patch'], clusterScoped: true }), 'GT_DEFINITION_INVALID',
    ['autonomous.kubernetes[0].clusterScoped', 'only in read tiers (observe, recommend), not autonomous', 'scope the rule to namespaces']],
  ['a cluster-scoped rule with namespaces', rule('observe', { apiGroups: [''], resources: ['nodes'], clusterScoped: true, namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].namespaces: a cluster-scoped rule takes no namespaces', 'remove namespaces or clusterScoped']],
  ['an invalid pod label key', { ...base, podLabels: { 'bad key': 'x' } }, 'GT_DEFINITION_INVALID',
    ['podLabels.bad key: label key "bad key" is invalid']],
  ['an invalid pod label value', { ...base, podLabels: { app: 'not valid!' } }, 'GT_DEFINITION_INVALID',
    ['podLabels.app: label value "not valid!" is invalid']],
  ['an escalation confidence outside (0, 1)', { ...base, escalationConfidence: 1.5 }, 'GT_DEFINITION_INVALID',
    ['escalationConfidence: 1.5 is outside (0, 1)', 'use a probability such as 0.8']],
  ['an unknown field', rule('observe', { apiGroups: [''], resources: ['pods'], namespaces: ['shop'], verb: ['get'] } as KubernetesAccess), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes.0', 'see the AgentDefinition type']],

  // The dangerous set, in any tier, without the escape hatch.
  ['get on secrets', rule('observe', { apiGroups: [''], resources: ['secrets'], verbs: ['get'], namespaces: ['shop'] }), 'GT_DANGEROUS_ACCESS',
    ['observe.kubernetes[0]: grants "secrets"', 'refused by default', "add dangerous: { reason: '…' }"]],
  ['get on pods/exec', rule('observe', { apiGroups: [''], resources: ['pods/exec'], verbs: ['get'], namespaces: ['shop'] }), 'GT_DANGEROUS_ACCESS',
    ['observe.kubernetes[0]: grants "pods-exec"']],
  ['get on pods/attach', rule('recommend', { apiGroups: [''], resources: ['pods/attach'], verbs: ['get'], namespaces: ['shop'] }), 'GT_DANGEROUS_ACCESS',
    ['recommend.kubernetes[0]: grants "pods-attach"']],
  ['get on pods/portforward', rule('observe', { apiGroups: [''], resources: ['pods/portforward'], namespaces: ['shop'] }), 'GT_DANGEROUS_ACCESS',
    ['observe.kubernetes[0]: grants "pods-portforward"']],
  ['get on serviceaccounts/token', rule('observe', { apiGroups: [''], resources: ['serviceaccounts/token'], namespaces: ['shop'] }), 'GT_DANGEROUS_ACCESS',
    ['observe.kubernetes[0]: grants "serviceaccount-token"']],
  ['get on nodes/proxy', rule('observe', { apiGroups: [''], resources: ['nodes/proxy'], clusterScoped: true }), 'GT_DANGEROUS_ACCESS',
    ['observe.kubernetes[0]: grants "nodes-proxy"']],
  ['a secrets patch in remediate', rule('remediate', { apiGroups: [''], resources: ['secrets'], verbs: ['patch'], ...named }), 'GT_DANGEROUS_ACCESS',
    ['remediate.kubernetes[0]: grants "secrets"']],
  ['the escalate verb', rule('autonomous', { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['grants "rbac-escalate"', 'creates roles with more than it holds']],
  ['the bind verb', rule('autonomous', { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['grants "rbac-bind"']],
  ['the impersonate verb', rule('observe', { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'], namespaces: ['shop'] }), 'GT_DEFINITION_INVALID',
    ['grants "impersonate"']],
  ['writes on RBAC objects', rule('autonomous', { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'], namespaces: ['shop'] }), 'GT_DANGEROUS_ACCESS',
    ['autonomous.kubernetes[0]: grants "rbac-write"', 'the agent could grant itself more']],
  ['writes on NetworkPolicies', rule('autonomous', { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['patch'], namespaces: ['ops-agents'] }), 'GT_DANGEROUS_ACCESS',
    ['autonomous.kubernetes[0]: grants "network-policy-write"', 'its own egress fence']],
  ['writes on Cilium network policies', rule('autonomous', { apiGroups: ['cilium.io'], resources: ['ciliumnetworkpolicies'], verbs: ['delete'], namespaces: ['ops-agents'] }), 'GT_DANGEROUS_ACCESS',
    ['autonomous.kubernetes[0]: grants "network-policy-write"']],
  ['writes on admission policies', rule('remediate', { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingadmissionpolicies'], verbs: ['update'], ...named }), 'GT_DANGEROUS_ACCESS',
    ['remediate.kubernetes[0]: grants "admission-write"', 'including its own approval gate']],
  ['a dangerous reason that is too short', rule('observe', { apiGroups: [''], resources: ['secrets'], namespaces: ['shop'], dangerous: { reason: 'needed' } }), 'GT_DANGEROUS_ACCESS',
    ['observe.kubernetes[0].dangerous.reason: "needed" is shorter than 10 characters', 'write why this agent needs the access']],
  ['an escape hatch on a rule that does not need it', rule('observe', { apiGroups: [''], resources: ['pods'], namespaces: ['shop'], dangerous: reason }), 'GT_DEFINITION_INVALID',
    ['observe.kubernetes[0].dangerous: the rule grants nothing in the dangerous set', 'remove dangerous']],

  // Egress.
  ['an egress name that is not a DNS-1123 label', egress('observe', { name: 'Prometheus!', to: { namespace: 'monitoring' }, ports: [{ port: 9090 }] }), 'GT_DEFINITION_INVALID',
    ['observe.egress[0].name: "Prometheus!" is not a DNS-1123 label', 'use a short name such as "prometheus"']],
  ['an egress name used twice', { ...base, recommend: { egress: [{ name: 'prometheus', to: { cidr: '198.51.100.10/32' }, ports: [{ port: 443 }] }] } }, 'GT_DEFINITION_INVALID',
    ['recommend.egress[0].name: "prometheus" is used by another egress rule']],
  ['a port outside 1–65535', egress('observe', { name: 'x', to: { namespace: 'monitoring' }, ports: [{ port: 0 }] }), 'GT_DEFINITION_INVALID',
    ['observe.egress[0].ports[0].port: 0 is not a port; use 1–65535']],
  ['a malformed CIDR', egress('observe', { name: 'x', to: { cidr: '10.0.0.300/32' }, ports: [{ port: 443 }] }), 'GT_DEFINITION_INVALID',
    ['observe.egress[0].to.cidr: "10.0.0.300/32" is not a CIDR', 'write it as 10.0.0.1/32']],
  ['the whole internet as a CIDR', egress('recommend', { name: 'x', to: { cidr: '0.0.0.0/0' }, ports: [{ port: 443 }] }), 'GT_DEFINITION_INVALID',
    ['recommend.egress[0].to.cidr: "0.0.0.0/0" is the whole internet', "name the destination's own range"]],
  ['a malformed except', egress('observe', { name: 'x', to: { cidr: '10.0.0.0/8', except: ['10.1.0.0'] }, ports: [{ port: 443 }] }), 'GT_DEFINITION_INVALID',
    ['observe.egress[0].to.except: "10.1.0.0" is not a CIDR']],
  ['an uppercase FQDN', egress('recommend', { name: 'x', to: { fqdn: 'Hooks.Slack.com' }, ports: [{ port: 443 }] }), 'GT_DEFINITION_INVALID',
    ['recommend.egress[0].to.fqdn: "Hooks.Slack.com" is not a lowercase DNS name']],
  ['a wildcard FQDN', egress('recommend', { name: 'x', to: { fqdn: '*.slack.com' }, ports: [{ port: 443 }] }), 'GT_DEFINITION_INVALID',
    ['recommend.egress[0].to.fqdn: "*.slack.com"', 'wildcards are not supported, name the host']],
  ['an egress namespace that is not a DNS-1123 label', egress('observe', { name: 'x', to: { namespace: 'Monitoring' }, ports: [{ port: 9090 }] }), 'GT_DEFINITION_INVALID',
    ['observe.egress[0].to.namespace: "Monitoring" is not a DNS-1123 label']],
  ['an invalid egress pod label', egress('observe', { name: 'x', to: { namespace: 'monitoring', podLabels: { app: 'a b' } }, ports: [{ port: 9090 }] }), 'GT_DEFINITION_INVALID',
    ['observe.egress[0].to.podLabels.app: label value "a b" is invalid']],
];

describe('TrustPhasedAgent validation', () => {
  it('accepts the base definition', () => {
    expect(synth(base, 4).length).toBeGreaterThan(0);
  });

  it.each(CASES)('fails on %s, naming the field, the value and the fix', (_, def, code, fragments) => {
    let error: unknown;
    try { synth(def, 1); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(TrustError);
    const e = error as TrustError;
    expect(e.code).toBe(code);
    expect(e.where).toBe('test/Agent');
    for (const fragment of fragments) expect(e.message).toContain(fragment);
  });

  it('fails on a dangerous rule in a tier the phase does not activate yet', () => {
    const def = rule('autonomous', { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['patch'], namespaces: ['shop'] });
    expect(() => synth(def, 1)).toThrow(/autonomous\.kubernetes\[0\]: grants "rbac-write"/);
  });
});
