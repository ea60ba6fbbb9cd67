import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { TrustPhasedAgent } from '../src';
import { incidentResponder } from './incident-responder';

/** Who approves the example agent's phase-3 writes: members of this group; nobody else, and never the agent. */
export const APPROVERS = { groups: ['sre-oncall'] };

/** The committed phase file of the example agent. */
export const STATE_FILE = path.join(__dirname, 'trust', 'incident-responder.json');

/**
 * The example app: incident-responder at the phase its state file records. `npx cdk8s synth`
 * runs this file and writes dist/incident-responder.k8s.yaml.
 * @param stateFile phase file to read (tests pass a copy)
 */
export function exampleApp(stateFile = STATE_FILE): App {
  const app = new App();
  const chart = new Chart(app, 'incident-responder');
  new TrustPhasedAgent(chart, 'IncidentResponder', {
    definition: incidentResponder,
    stateFile,
    approvers: APPROVERS,
  });
  return app;
}

if (require.main === module) exampleApp().synth();
