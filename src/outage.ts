import type { Logger } from '../core/index.ts';

/**
 * Reports a dependency's outages, not its retries: one warning when it stops answering, one line
 * when it answers again. Every connection of one service in a process shares one of these, so an
 * outage seen by five connections (each retrying twice a second) is still one warning.
 */
export interface OutageLog {
  /** True between the first failure and the next success. */
  readonly down: boolean;
  /** The first error of the current outage (message only), when down. */
  readonly reason: string | undefined;
  failed(error: unknown): void;
  /**
   * The dependency answered. Without `startedAt` (a connection's 'ready' event) that ends the
   * outage; with it (a query that succeeded) only when the query began a settling second after
   * the last failure, so the stragglers of a shutting-down server do not make one outage three.
   */
  recovered(evidence?: { startedAt: number }): void;
  /**
   * Starts reporting. Until then failures are only recorded: a process that cannot start says so
   * itself, in one line, and a warning beside it would say it twice.
   */
  start(): void;
}

/** How long after the last failure a succeeding query counts as recovery, ms. */
const SETTLE_MS = 1000;

/**
 * @param service what is down, as a person names it (`Redis`, `Postgres`)
 * @param target where it was expected, without credentials (`redis://127.0.0.1:6379 (REDIS_URL)`)
 * @param consequence what the process does meanwhile, appended to the warning
 */
export function createOutageLog(logger: Logger, service: string, target: string, consequence = '', options: { started?: boolean } = {}): OutageLog {
  let started = options.started ?? true;
  let since: number | undefined;
  let reason: string | undefined;
  let lastFailure = 0;
  const warn = () => logger.warn({ service, target, reason }, `${service} at ${target} is unreachable: ${reason}${consequence ? `; ${consequence}` : ''}`);
  return {
    get down() {
      return since !== undefined;
    },
    get reason() {
      return reason;
    },
    failed(error) {
      lastFailure = Date.now();
      if (since !== undefined) return;
      since = Date.now();
      reason = errorText(error);
      if (started) warn();
    },
    start() {
      if (started) return;
      started = true;
      // Down at the moment reporting starts (it failed after the start-up checks passed): say so now.
      if (since !== undefined) warn();
    },
    recovered(evidence) {
      if (since === undefined) return;
      if (evidence && evidence.startedAt - lastFailure < SETTLE_MS) return;
      const seconds = Math.round((Date.now() - since) / 100) / 10;
      since = undefined;
      reason = undefined;
      if (started) logger.info({ service, target, seconds }, `${service} at ${target} answers again after ${seconds} s`);
    },
  };
}

/** An error's message with its code, never its stack. */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return errorText(error.errors[0]);
  const e = error as { message?: string; code?: string } | undefined;
  const message = e?.message || String(error);
  return e?.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

/** A connection URL with any password removed, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}
