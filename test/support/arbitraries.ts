/**
 * fast-check arbitraries of VALID agent definitions, for property tests of every backend.
 * Every value passes validateDefinition (test/k8s/arbitraries.test.ts checks that).
 */
import fc from 'fast-check';
import type {
  AgentDefinition,
  AwsAccess,
  EgressPeer,
  EgressRule,
  KubernetesAccess,
  KubernetesAction,
  TierCapabilities,
  VaultAccess,
} from '../../src/definition/types';
import { TIERS, TIER_VALUES, type Tier } from '../../src/phase/table';

/** Options of validDefinition. */
export interface DefinitionOptions {
  /**
   * Include egress to DNS names (valid only with the Cilium flavour of the k8s backend).
   * @default true
   */
  readonly fqdn?: boolean;
  /**
   * Include rules from the dangerous set, acknowledged with a written reason.
   * @default false
   */
  readonly dangerous?: boolean;
}

type GroupResources = readonly [group: string, resources: readonly string[]];

/** Namespaced resources any read tier may read. */
const READ_RESOURCES: readonly GroupResources[] = [
  ['', ['pods', 'pods/log', 'events', 'services', 'endpoints', 'configmaps', 'persistentvolumeclaims']],
  ['apps', ['deployments', 'replicasets', 'statefulsets', 'daemonsets']],
  ['batch', ['jobs', 'cronjobs']],
  ['events.k8s.io', ['events']],
  ['autoscaling', ['horizontalpodautoscalers']],
  ['networking.k8s.io', ['ingresses', 'networkpolicies']],
  ['rbac.authorization.k8s.io', ['roles', 'rolebindings']],
];

/** Cluster-scoped resources read tiers may read through a ClusterRole. */
const CLUSTER_READS: readonly GroupResources[] = [
  ['', ['nodes', 'namespaces', 'persistentvolumes']],
  ['storage.k8s.io', ['storageclasses']],
];

/**
 * Resources raw write rules may write: nothing in the dangerous set (no kind with a pod template:
 * writes to those are typed actions), and no ConfigMaps (the approvals live in one).
 */
const WRITE_RESOURCES: readonly GroupResources[] = [
  ['apps', ['deployments/scale', 'statefulsets/scale']],
  ['', ['services']],
  ['policy', ['poddisruptionbudgets']],
  ['autoscaling', ['horizontalpodautoscalers']],
];

const REASONS = [
  'reads the TLS secret to check certificate expiry',
  'runs the vendor diagnostics script inside the pod',
  'rotates the scoped role binding during incident drills',
];

/** A DNS-1123 label that names nothing the dangerous set guards (kube-system, agents' steering ConfigMaps). */
export const dnsLabel = (): fc.Arbitrary<string> =>
  fc.stringMatching(/^[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,6})?$/).filter((s) => s !== 'kube-system' && !/-(approvals|phase)$/.test(s));


/** A namespace name, often one of a small pool so rules share namespaces. */
export const namespaceName = (): fc.Arbitrary<string> =>
  fc.oneof(fc.constantFrom('shop', 'payments', 'monitoring', 'web', 'batch'), dnsLabel());

const labelValue = (): fc.Arbitrary<string> => fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);

const podLabels = (): fc.Arbitrary<Record<string, string>> =>
  fc.dictionary(fc.constantFrom('app.kubernetes.io/name', 'app', 'team', 'tier'), labelValue(), { minKeys: 1, maxKeys: 2 });

function groupResources(table: readonly GroupResources[]): fc.Arbitrary<{ apiGroups: string[]; resources: string[] }> {
  return fc.constantFrom(...table).chain(([group, resources]) =>
    fc.subarray([...resources], { minLength: 1 }).map((rs) => ({ apiGroups: [group], resources: rs })),
  );
}

function optionalVerbs(tier: Tier): fc.Arbitrary<{ verbs?: string[] }> {
  return fc.option(fc.subarray([...TIERS[tier].kubernetesVerbs], { minLength: 1 }), { nil: undefined })
    .map((verbs) => (verbs ? { verbs } : {}));
}

const namespaces = (): fc.Arbitrary<string[]> => fc.uniqueArray(namespaceName(), { minLength: 1, maxLength: 2 });

function kubernetesRule(tier: Tier): fc.Arbitrary<KubernetesAccess> {
  const rules = TIERS[tier];
  if (rules.writes === 'none') {
    return fc.oneof(
      fc.tuple(groupResources(READ_RESOURCES), optionalVerbs(tier), namespaces()).map(([gr, v, ns]) => ({ ...gr, ...v, namespaces: ns })),
      fc.tuple(groupResources(CLUSTER_READS), optionalVerbs(tier)).map(([gr, v]) => ({ ...gr, ...v, clusterScoped: true })),
    );
  }
  const names = rules.writes === 'named'
    ? fc.uniqueArray(dnsLabel(), { minLength: 1, maxLength: 2 }).map((resourceNames) => ({ resourceNames }))
    : fc.constant({});
  return fc.tuple(groupResources(WRITE_RESOURCES), optionalVerbs(tier), names, namespaces())
    .map(([gr, v, n, ns]) => ({ ...gr, ...v, ...n, namespaces: ns }));
}

const WORKLOAD_KINDS = ['apps/deployments', 'apps/statefulsets'] as const;

/** A typed action the tier allows: named objects in remediate, any object of the kind in autonomous. */
function kubernetesAction(tier: Tier): fc.Arbitrary<KubernetesAction> {
  const named = TIERS[tier].writes === 'named';
  const names = named ? fc.uniqueArray(dnsLabel(), { minLength: 1, maxLength: 2 }).map((ns) => ({ names: ns })) : fc.option(fc.uniqueArray(dnsLabel(), { minLength: 1, maxLength: 2 }), { nil: undefined }).map((ns) => (ns ? { names: ns } : {}));
  const target = fc.tuple(namespaces(), names).map(([ns, n]) => ({ namespaces: ns, ...n }));
  const kind = fc.constantFrom(...WORKLOAD_KINDS);
  return fc.oneof(
    fc.tuple(kind, target).map(([k, t]): KubernetesAction => ({ action: 'restart', kind: k, ...t })),
    fc.tuple(kind, target, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 3, max: 30 })).map(([k, t, lo, hi]): KubernetesAction => ({ action: 'scale', kind: k, ...t, minReplicas: lo, maxReplicas: hi })),
    fc.tuple(kind, target, dnsLabel()).map(([k, t, repo]): KubernetesAction => ({ action: 'set-image', kind: k, ...t, containers: ['app'], repositories: [`registry.example.com/${repo}`] })),
    fc.tuple(target, fc.constantFrom('replicas', 'tier')).map(([t, field]): KubernetesAction => ({ action: 'patch-fields', kind: 'apps/deployments', ...t, fields: field === 'replicas' ? ['spec.replicas'] : ['metadata.labels["tier"]'] })),
    fc.tuple(namespaces(), podLabels()).map(([ns, labels]): KubernetesAction => ({ action: 'delete-pod', namespaces: ns, podLabels: labels })),
  );
}

/** A dangerous Kubernetes rule the tier allows, with its acknowledgement. */
function dangerousKubernetesRule(tier: Tier): fc.Arbitrary<KubernetesAccess> {
  const dangerous = fc.constantFrom(...REASONS).map((reason) => ({ reason }));
  const rules = TIERS[tier];
  if (rules.writes === 'none') {
    return fc.tuple(
      fc.constantFrom<Omit<KubernetesAccess, 'dangerous'>>(
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods/portforward'], verbs: ['get'] },
        { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['get'] },
      ),
      namespaces(),
      dangerous,
    ).map(([rule, ns, d]) => ({ ...rule, namespaces: ns, dangerous: d }));
  }
  const names = rules.writes === 'named' ? { resourceNames: ['guarded'] } : {};
  return fc.tuple(
    fc.constantFrom<Omit<KubernetesAccess, 'dangerous'>>(
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'patch'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['get', 'patch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'update'] },
    ),
    namespaces(),
    dangerous,
  ).map(([rule, ns, d]) => ({ ...rule, ...names, namespaces: ns, dangerous: d }));
}

function ipv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

/** An IPv4 CIDR with its network address (prefix 8–32), sometimes with an `except` that leaves the network address allowed. */
const ipv4Block = (): fc.Arbitrary<{ cidr: string; except?: string[] }> =>
  fc.tuple(fc.integer({ min: 1 << 24, max: (223 << 24) >>> 0 }), fc.integer({ min: 8, max: 32 }), fc.boolean()).map(([addr, bits, withExcept]) => {
    const size = 2 ** (32 - bits);
    const network = Math.floor(addr / size) * size;
    const block = { cidr: `${ipv4(network)}/${bits}` };
    // The last quarter of the block: never contains the network address.
    return withExcept && bits <= 30 ? { ...block, except: [`${ipv4(network + 3 * (size / 4))}/${bits + 2}`] } : block;
  });

function egressPeer(fqdn: boolean): fc.Arbitrary<EgressPeer> {
  const peers: fc.Arbitrary<EgressPeer>[] = [
    ipv4Block(),
    fc.constantFrom('2001:db8::/32', '2001:db8:1::/48', 'fd00::1/128').map((cidr) => ({ cidr })),
    fc.tuple(namespaceName(), fc.option(podLabels(), { nil: undefined }))
      .map(([namespace, labels]) => (labels ? { namespace, podLabels: labels } : { namespace })),
  ];
  if (fqdn) peers.push(fc.tuple(dnsLabel(), fc.constantFrom('example.com', 'hooks.example.org', 'api.example.io')).map(([host, domain]) => ({ fqdn: `${host}.${domain}` })));
  return fc.oneof(...peers);
}

function egressRule(fqdn: boolean): fc.Arbitrary<EgressRule> {
  const port = fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.option(fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP'), { nil: undefined }))
    .map(([p, protocol]) => (protocol ? { port: p, protocol } : { port: p }));
  return fc.record({ name: dnsLabel(), to: egressPeer(fqdn), ports: fc.array(port, { minLength: 1, maxLength: 3 }) });
}

function vaultRule(tier: Tier): fc.Arbitrary<VaultAccess> {
  const rules = TIERS[tier];
  const caps = fc.subarray([...rules.vaultCapabilities], { minLength: 1 });
  const path = rules.writes === 'none'
    ? fc.tuple(fc.constantFrom('data', 'metadata'), dnsLabel()).map(([kind, agent]) => `secret/${kind}/agents/${agent}/*`)
    : rules.writes === 'named'
      ? fc.tuple(namespaceName(), dnsLabel()).map(([ns, key]) => `secret/data/${ns}/${key}`)
      : namespaceName().map((ns) => `secret/data/${ns}/*`);
  return fc.record({ path, capabilities: caps });
}

/** Reads on every resource that return no secrets. */
const READ_ACTIONS = ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'ecs:DescribeServices', 'ec2:DescribeInstances', 'ecs:List*'];

function awsRule(tier: Tier): fc.Arbitrary<AwsAccess> {
  const rules = TIERS[tier];
  if (rules.writes === 'none') {
    return fc.oneof(
      fc.subarray(READ_ACTIONS, { minLength: 1 }).map((actions) => ({ actions, resources: ['*'] })),
      // Reads that return data: on named log groups and buckets only.
      namespaceName().map((ns) => ({ actions: ['logs:FilterLogEvents', 's3:GetObject'], resources: [`arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/${ns}/*`, `arn:aws:s3:::${ns}-reports/*`] })),
    );
  }
  const last = (label: string) => (rules.writes === 'named' ? label : '*');
  return fc.tuple(namespaceName(), dnsLabel()).chain(([ns, label]) =>
    fc.constantFrom<AwsAccess>(
      {
        actions: ['ecs:UpdateService', 'ecs:TagResource'],
        resources: [`arn:aws:ecs:eu-west-1:111122223333:service/${ns}/${last(label)}`],
        conditions: { ArnLikeIfExists: { 'ecs:task-definition': `arn:aws:ecs:eu-west-1:111122223333:task-definition/${label}:*` }, StringEqualsIfExists: { 'ecs:enable-execute-command': 'false' } },
      },
      { actions: ['s3:PutObject'], resources: [`arn:aws:s3:::${ns}-reports/${last(label)}`] },
      { actions: ['rds:RebootDBInstance'], resources: [`arn:aws:rds:eu-west-1:111122223333:db:${ns}-${last(label)}`] },
    ),
  );
}

function dangerousAwsRule(): fc.Arbitrary<AwsAccess> {
  return fc.constantFrom(...REASONS).map((reason) => ({
    actions: ['secretsmanager:GetSecretValue'],
    resources: ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:agents/diagnostics'],
    dangerous: { reason },
  }));
}

function list<T>(arb: fc.Arbitrary<T>, maxLength: number): fc.Arbitrary<T[] | undefined> {
  return fc.option(fc.array(arb, { minLength: 1, maxLength }), { nil: undefined });
}

function tierCapabilities(tier: Tier, options: Required<DefinitionOptions>): fc.Arbitrary<TierCapabilities> {
  const kubernetes = options.dangerous ? fc.oneof({ weight: 4, arbitrary: kubernetesRule(tier) }, { weight: 1, arbitrary: dangerousKubernetesRule(tier) }) : kubernetesRule(tier);
  const aws = options.dangerous && TIERS[tier].writes === 'none' ? fc.oneof(awsRule(tier), dangerousAwsRule()) : awsRule(tier);
  return fc.record({
    kubernetes: list(kubernetes, 3),
    kubernetesActions: TIERS[tier].writes === 'none' ? fc.constant(undefined) : list(kubernetesAction(tier), 3),
    egress: list(egressRule(options.fqdn), 3),
    vault: list(vaultRule(tier), 2),
    aws: list(aws, 2),
  }).map(compact);
}

/** Drops keys whose value is undefined, so definitions look hand-written. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Egress names must be unique across tiers: suffix each with its tier and position. */
function uniqueEgressNames(def: AgentDefinition): AgentDefinition {
  const out: Record<string, unknown> = { ...def };
  TIER_VALUES.forEach((tier, t) => {
    const caps = def[tier];
    if (!caps?.egress) return;
    out[tier] = { ...caps, egress: caps.egress.map((rule, i) => ({ ...rule, name: `${rule.name}-${t}${i}` })) };
  });
  return out as unknown as AgentDefinition;
}

/**
 * A valid AgentDefinition: random name, namespace and pod labels; random tiers, each with
 * Kubernetes rules (namespaced and, in read tiers, cluster-scoped), egress to CIDRs (IPv4 and
 * IPv6), namespaces and (optionally) DNS names, Vault paths and real IAM actions.
 * @example
 * fc.assert(fc.property(validDefinition({ fqdn: false }), (def) => { … }));
 */
export function validDefinition(options: DefinitionOptions = {}): fc.Arbitrary<AgentDefinition> {
  const opts = { fqdn: options.fqdn ?? true, dangerous: options.dangerous ?? false };
  return fc.record({
    name: dnsLabel(),
    namespace: namespaceName(),
    podLabels: fc.option(podLabels(), { nil: undefined }),
    observe: tierCapabilities('observe', opts),
    recommend: fc.option(tierCapabilities('recommend', opts), { nil: undefined }),
    remediate: fc.option(tierCapabilities('remediate', opts), { nil: undefined }),
    autonomous: fc.option(tierCapabilities('autonomous', opts), { nil: undefined }),
    escalationConfidence: fc.option(fc.double({ min: 0.05, max: 0.95, noNaN: true }), { nil: undefined }),
  }).map((def) => uniqueEgressNames(compact(def) as AgentDefinition));
}
