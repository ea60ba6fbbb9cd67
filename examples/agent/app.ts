/**
 * The example agent's app: its access (TrustPhasedAgent) and its pod, wired by the library so the
 * agent runs as its ServiceAccount, inside its NetworkPolicy, with its phase mounted at
 * /etc/graduated-trust.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { TrustPhasedAgent, wirePod } from '../../src';
import { incidentResponder } from '../incident-responder';
import { APPROVERS, STATE_FILE } from '../k8s-app';

/** The app at the phase `stateFile` records. */
export function agentApp(stateFile = STATE_FILE): App {
  const app = new App();
  const chart = new Chart(app, 'incident-responder', { namespace: incidentResponder.namespace });
  const agent = new TrustPhasedAgent(chart, 'IncidentResponder', { definition: incidentResponder, stateFile, approvers: APPROVERS });
  const deployment = new kplus.Deployment(chart, 'Agent', {
    replicas: 1,
    containers: [{ name: 'agent', image: 'ghcr.io/acme/incident-responder:1.4.0', securityContext: { user: 10001 } }],
  });
  wirePod(agent, deployment);
  return app;
}

if (require.main === module) agentApp().synth();
