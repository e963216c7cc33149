/**
 * `npm start`: the gateway, with the sandbox when no upstream is configured.
 */
import { ConfigError } from './config.ts';
import { bootGateway } from './bootstrap.ts';
import { createLogger } from '../lib/logger.ts';

const logger = createLogger();

try {
  const booted = await bootGateway({ logger });
  const { gateway, sandbox, demoUsers } = booted;
  logger.info({ url: `${gateway.url}/graphql` }, 'one-thing gateway ready');
  if (sandbox) {
    // Printed for the person who just ran `npm start`; tokens of sandbox demo users only.
    const lines = [
      '',
      `  One-thing gateway with the sandbox: POST ${gateway.url}/graphql`,
      `  Sandbox upstreams: ${Object.values(sandbox.urls).join('  ')}`,
      '  Demo tokens (send as "Authorization: Bearer <token>"):',
      ...demoUsers.map((u) => `    ${u.role.padEnd(16)} ${u.name}\n      ${u.token}`),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await booted.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.fatal({ err: error }, 'the gateway could not start');
  }
  process.exit(1);
}
