/**
 * `npm run sandbox`: the simulators on the contract ports with the demo data
 * of sandbox/data/, until SIGINT or SIGTERM. Prints what the gateway needs to
 * reach them; the tokens and secrets are new on every start.
 */
import { describeSandbox } from './banner.ts';
import { startSandbox } from './index.ts';

/** The ports the upstream contracts name in their `servers`. */
const CONTRACT_PORTS = { matterRegistry: 4101, eCertificates: 4102, dataCenter: 4103, evaluation: 4104, departmentsFrom: 4110 };

const sandbox = await startSandbox({ ports: CONTRACT_PORTS });

console.log([...describeSandbox(sandbox), 'Register each approval system as a connector (RegisterConnector) with its token and webhookSecret.'].join('\n'));

const stop = async (signal: NodeJS.Signals) => {
  console.log(`${signal}: closing the sandbox`);
  await sandbox.close();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
