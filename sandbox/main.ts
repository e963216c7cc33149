/**
 * `npm run sandbox`: the simulators on the contract ports with the demo data
 * of sandbox/data/, until SIGINT or SIGTERM. Prints what the gateway needs to
 * reach them; the tokens and secrets are new on every start.
 */
import { startSandbox } from './index.ts';

/** The ports the upstream contracts name in their `servers`. */
const CONTRACT_PORTS = { matterRegistry: 4101, eCertificates: 4102, dataCenter: 4103, evaluation: 4104, departmentsFrom: 4110 };

const sandbox = await startSandbox({ ports: CONTRACT_PORTS });

const lines = [
  'Sandbox upstreams are listening:',
  `  matter registry    ${sandbox.urls.matterRegistry}`,
  `  e-certificates     ${sandbox.urls.eCertificates}  token ${sandbox.tokens.eCertificates}`,
  `  data center        ${sandbox.urls.dataCenter}  token ${sandbox.tokens.dataCenter}`,
  `  evaluation         ${sandbox.urls.evaluation}  token ${sandbox.tokens.evaluation}`,
  'Approval systems (register each as a connector):',
  ...sandbox.departments.flatMap((department) => [
    `  ${department.departmentCode}  ${department.baseUrl}`,
    `    token ${department.token}  webhookSecret ${department.webhookSecret}`,
    `    matters ${department.matterCodes.join(', ')}`,
  ]),
];
console.log(lines.join('\n'));

const stop = async (signal: NodeJS.Signals) => {
  console.log(`${signal}: closing the sandbox`);
  await sandbox.close();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
