import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Structured JSON logs to stderr, so stdout stays free for `--json` output of the CLI.
 */
export function createLogger(level: LevelWithSilent, name = 'sharpline'): Logger {
  return pino({ name, level, base: { name } }, pino.destination(2));
}
