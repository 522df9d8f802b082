import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export type { Logger };

/** Field names whose values are credentials wherever they appear in a log object. */
const SECRET_FIELDS = ['password', 'passphrase', 'key', 'apiKey', 'api_key', 'secret', 'token', 'accessToken', 'refreshToken', 'masterKey', 'authorization', 'cookie', 'set-cookie', 'x-api-key'];

/**
 * What pino censors before a line is written: credential headers of requests and responses and
 * the known secret fields at the top level and up to three objects deep (pino's paths are
 * explicit; a wildcard matches one level). Values are replaced, keys kept, so a line still says
 * that a header was sent.
 */
export const LOG_REDACTION = Object.freeze({
  paths: [
    ...['req', 'request', 'res', 'reply'].flatMap((o) => ['authorization', 'cookie', 'x-api-key', 'set-cookie', 'proxy-authorization'].map((h) => `${o}.headers["${h}"]`)),
    'headers.authorization',
    'headers.cookie',
    'headers["x-api-key"]',
    ...SECRET_FIELDS.flatMap((f) => [`["${f}"]`, `*["${f}"]`, `*.*["${f}"]`, `*.*.*["${f}"]`]),
  ],
  censor: '[redacted]',
});

/**
 * Structured JSON logs to stderr, so stdout stays free for `--json` output of the CLI.
 * Every logger has LOG_REDACTION; `destination` is for tests that read what was written.
 */
export function createLogger(level: LevelWithSilent, name = 'sharpline', destination?: DestinationStream): Logger {
  return pino({ name, level, base: { name }, redact: { paths: [...LOG_REDACTION.paths], censor: LOG_REDACTION.censor } }, destination ?? pino.destination(2));
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Write = (...args: unknown[]) => void;

/**
 * A child logger that asks pino for the real child only when a line is written through it (or
 * its bindings are asked for). Building a child costs pino a pass of every binding through the
 * redaction (LOG_REDACTION's wildcard paths): about a tenth of a small request's CPU when, as
 * usual, nothing is logged. A line written holds exactly the bindings the eager child would have.
 */
class LazyChildLogger {
  readonly #parent: Logger | LazyChildLogger;
  readonly #bindings: Record<string, unknown>;
  #real: Logger | undefined;

  constructor(parent: Logger | LazyChildLogger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #logger(): Logger {
    if (this.#real) return this.#real;
    const parent = this.#parent instanceof LazyChildLogger ? this.#parent.#logger() : this.#parent;
    return (this.#real = parent.child(this.#bindings));
  }

  #write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    const logger = this.#logger();
    (logger[level] as Write).apply(logger, args);
  }

  get level(): string {
    return (this.#real ?? this.#parent).level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.#real ?? this.#parent).isLevelEnabled(level);
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
  silent(): void {}

  child(bindings: Record<string, unknown>, options?: object): Logger | LazyChildLogger {
    return options && Object.keys(options).length ? this.#logger().child(bindings, options) : new LazyChildLogger(this, bindings);
  }

  bindings(): Record<string, unknown> {
    return this.#logger().bindings();
  }

  flush(callback?: (error?: Error) => void): void {
    this.#logger().flush(callback);
  }
}

/**
 * `parent.child(bindings)`, built only when a line at an enabled level is written through it. It
 * has the level methods, `level`, `isLevelEnabled`, `child`, `bindings` and `flush`: what Fastify
 * and our request handlers use of a request's logger.
 */
export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  return new LazyChildLogger(parent, bindings) as unknown as Logger;
}
