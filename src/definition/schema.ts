import { z } from 'zod';

const ack = z.strictObject({ reason: z.string() });
const labels = z.record(z.string(), z.string());

const kubernetes = z.strictObject({
  apiGroups: z.array(z.string()).min(1),
  resources: z.array(z.string()).min(1),
  verbs: z.array(z.string()).min(1).optional(),
  resourceNames: z.array(z.string()).min(1).optional(),
  namespaces: z.array(z.string()).min(1).optional(),
  clusterScoped: z.boolean().optional(),
  dangerous: ack.optional(),
});

const peer = z.union([
  z.strictObject({ cidr: z.string(), except: z.array(z.string()).optional() }),
  z.strictObject({ fqdn: z.string() }),
  z.strictObject({ namespace: z.string(), podLabels: labels.optional() }),
]);

const egress = z.strictObject({
  name: z.string(),
  to: peer,
  ports: z.array(z.strictObject({ port: z.number().int(), protocol: z.enum(['TCP', 'UDP']).optional() })).min(1),
});

const vault = z.strictObject({
  path: z.string(),
  capabilities: z.array(z.enum(['read', 'list', 'create', 'update', 'patch', 'delete'])).min(1),
  dangerous: ack.optional(),
});

const conditionValues = z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]));

const aws = z.strictObject({
  actions: z.array(z.string()).min(1),
  resources: z.array(z.string()).min(1),
  conditions: z.record(z.string(), conditionValues).optional(),
  dangerous: ack.optional(),
});

const kindInfo = z.strictObject({
  apiGroup: z.string(),
  resource: z.string(),
  podTemplate: z.string().nullable().optional(),
  scale: z.boolean().optional(),
});

const kindRef = z.union([z.string(), kindInfo]);

const target = {
  namespaces: z.array(z.string()).min(1),
  names: z.array(z.string()).min(1).optional(),
  dangerous: ack.optional(),
};

const kubernetesAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('scale'), kind: kindRef, minReplicas: z.number().int().optional(), maxReplicas: z.number().int().optional(), ...target }),
  z.strictObject({ action: z.literal('restart'), kind: kindRef, ...target }),
  z.strictObject({ action: z.literal('delete-pod'), podLabels: labels.optional(), ...target }),
  z.strictObject({ action: z.literal('set-image'), kind: kindRef, containers: z.array(z.string()).min(1), repositories: z.array(z.string()).min(1), ...target }),
  z.strictObject({ action: z.literal('patch-fields'), kind: kindRef, fields: z.array(z.string()).min(1), ...target }),
]);

const tier = z.strictObject({
  kubernetes: z.array(kubernetes).optional(),
  kubernetesActions: z.array(kubernetesAction).optional(),
  egress: z.array(egress).optional(),
  vault: z.array(vault).optional(),
  aws: z.array(aws).optional(),
});

/** Structural schema of an AgentDefinition (semantic checks live in validate.ts). */
export const agentDefinitionSchema = z.strictObject({
  name: z.string(),
  namespace: z.string(),
  podLabels: labels.optional(),
  observe: tier,
  recommend: tier.optional(),
  remediate: tier.optional(),
  autonomous: tier.optional(),
  escalationConfidence: z.number().optional(),
  workloadKinds: z.array(kindInfo).optional(),
});
