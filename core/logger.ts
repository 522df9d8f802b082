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
