/**
 * A gateway in a process of its own, so a test can kill it with SIGKILL
 * mid-delivery. Options come as JSON in GATEWAY_CHILD_OPTIONS; it prints
 * `READY <url>` once it listens.
 */
import { bootGateway } from '../../server/bootstrap.ts';
import { createLogger } from '../../lib/logger.ts';

const options = JSON.parse(process.env.GATEWAY_CHILD_OPTIONS ?? '{}');
const booted = await bootGateway({
  env: options.env,
  database: options.database,
  services: options.services,
  logger: createLogger({ level: 'silent' }),
});
process.stdout.write(`READY ${booted.gateway.url}\n`);
