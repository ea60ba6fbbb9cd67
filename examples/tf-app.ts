/**
 * The Terraform half of the example: a cdktf app with one stack, `incident-responder`, holding
 * the agent's Vault policy and Kubernetes auth role and its IAM role, in the phase the committed
 * state file names. `npx cdktf synth` (see cdktf.json) writes
 * cdktf.out/stacks/incident-responder/cdk.tf.json, plain Terraform JSON.
 *
 * The app owns what the library never creates: providers and the backend. The local backend
 * gets a relative path (the repo root, seen from cdktf.out/stacks/<stack>) so the output holds no
 * absolute path; a real pipeline uses a remote backend instead.
 */
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { join } from 'node:path';
import { TrustPhasedAgent, type TrustPhasedAgentProps } from '../src/terraform';
import { incidentResponder } from './incident-responder';

/** The example's state file, resolved from this file so the app runs from any directory. */
export const STATE_FILE = join(__dirname, 'trust', 'incident-responder.json');

/** The Vault and AWS props of the example (everything but the definition and the phase). */
export const TERRAFORM_PROPS = {
  vault: {
    authBackendPath: 'kubernetes',
    // Members of this Vault identity group mint the single-use tokens that approve phase-3 writes.
    approvers: { identityGroups: ['sre-oncall'] },
  },
  aws: {
    trust: {
      irsa: {
        oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
        issuerHostPath: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
      },
    },
  },
} as const satisfies Pick<TrustPhasedAgentProps, 'vault' | 'aws'>;

/** Builds the stack into `app`; tests call this with `Testing.app()`. */
export function buildStack(app: App, stateFile = STATE_FILE): TerraformStack {
  const stack = new TerraformStack(app, 'incident-responder');
  new LocalBackend(stack, { path: '../../../terraform.incident-responder.tfstate' });
  // Addresses and credentials come from the environment (VAULT_ADDR, VAULT_TOKEN, AWS_*).
  new VaultProvider(stack, 'Vault', {});
  new AwsProvider(stack, 'Aws', { region: 'eu-west-1' });
  new TrustPhasedAgent(stack, 'IncidentResponder', { definition: incidentResponder, stateFile, ...TERRAFORM_PROPS });
  return stack;
}

if (require.main === module) {
  const app = new App();
  buildStack(app);
  app.synth();
}
