/**
 * The gateway's entry point, with the sandbox when no upstream is
 * configured: `npm start` runs it from the TypeScript sources, the
 * production start `node dist/server/main.js` from the build
 * (`npm run build`). SIGTERM or SIGINT drains it and exits 0.
 */
// Before the other modules load (hence the dynamic imports): stack traces of the build then name the TypeScript sources.
process.setSourceMapsEnabled(true);
const { ConfigError } = await import('./config.ts');
const { bootGateway } = await import('./bootstrap.ts');
const { createLogger } = await import('../lib/logger.ts');
const { currentRequestScope } = await import('./observability/context.ts');
const { describeSandbox } = await import('../sandbox/banner.ts');

// Every line logged while a request is handled carries its id, also in the response's x-request-id.
const logger = createLogger({
  mixin: () => {
    const scope = currentRequestScope();
    return scope ? { requestId: scope.requestId } : {};
  },
});

try {
  const booted = await bootGateway({ logger });
  const { gateway, sandbox, sandboxConnectors, demoUsers } = booted;
  logger.info({ url: `${gateway.url}/graphql` }, 'one-thing gateway ready');
  // build the explorer's and dashboard's bundles now rather than on the first page view
  void gateway.warmUp().catch((error: unknown) => logger.warn({ err: error }, 'the browser pages could not be built'));
  if (sandbox) {
    // Printed for the person who just ran `npm start`; tokens of sandbox demo users only.
    const lines = [
      '',
      `  One-thing gateway with the sandbox: POST ${gateway.url}/graphql`,
      ...(booted.config.explorer ? [`  GraphQL explorer: ${gateway.url}/`] : []),
      ...(booted.config.dashboard ? [`  Assessment dashboard: ${gateway.url}/dashboard (log in with the EVALUATOR token)`] : []),
      ...(booted.config.citizenPage ? [`  Citizen page: ${gateway.url}/citizen (sign in with a demo applicant)`] : []),
      ...(booted.config.windowPage ? [`  Window console: ${gateway.url}/window (sign in with the demo window staff)`] : []),
      `  Health: ${gateway.url}/healthz  ${gateway.url}/readyz   Metrics: ${gateway.url}/metrics`,
      ...describeSandbox(sandbox, {
        noteOf: (department) => {
          const servedBy = sandboxConnectors?.servedBy.get(department.departmentCode);
          if (servedBy === 'other-instance') return "not used: this gateway uses another running instance's simulator";
          if (servedBy === 'registered') return 'not used: this gateway uses the system registered for the department';
          return null;
        },
      }).map((line) => `  ${line}`),
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
    // graceful, bounded shutdown
    // Stop accepting, /readyz 503, let in-flight requests finish (SHUTDOWN_GRACE_MS at most), drain the
    // outbox work in progress, close the database. Past the grace period (and 5 s to close), exit anyway:
    // a delivery cut short is retried with the same Idempotency-Key by the next instance.
    const graceMs = booted.config.shutdownGraceMs;
    logger.info({ signal, graceMs }, 'shutting down: draining in-flight requests and outbox work');
    setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took longer than the grace period: exiting with work left');
      process.exit(1);
    }, graceMs + 5_000).unref();
    try {
      await booted.stop();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
    logger.info('stopped');
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
