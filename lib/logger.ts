/**
 * Structured JSON logs. Every line passes through `maskIdNumbers` as pino's
 * last step before writing (its `streamWrite` hook, inherited by every child
 * logger), so an ID number can never reach the log, whichever field, error or
 * logger carried it and whatever the destination.
 */
import { pino, type Logger } from 'pino';
import { maskIdNumbers } from './mask.ts';

export type { Logger };

export interface LoggerOptions {
  /** Minimum level: trace, debug, info, warn, error, fatal or silent. Default `info` (LOG_LEVEL). */
  level?: string;
  /** Where lines go. Default standard output. */
  destination?: { write(line: string): void };
  /** Fields added to every line, e.g. the id of the request being handled. */
  mixin?: () => Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'one-thing-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: maskIdNumbers },
      ...(options.mixin ? { mixin: options.mixin } : {}),
    },
    destination,
  );
}
