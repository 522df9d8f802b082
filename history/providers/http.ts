/**
 * The one HTTP client providers call through: a request timeout, retries with exponential backoff
 * on network errors, 5xx and 429, `Retry-After` honoured, and the quota headers
 * (`x-requests-remaining`, `x-requests-used`, or the common `x-ratelimit-remaining` /
 * `x-ratelimit-reset`) kept and respected: at or below `minRemaining` the client refuses to spend
 * the last requests. Every wait is bounded: one never longer than `maxWaitMs`, all of a call's
 * together never longer than `maxTotalWaitMs` (a longer `Retry-After` fails at once with
 * PROVIDER_RATE_LIMITED instead of sleeping). Sleeping and the clock are injected, so tests replay
 * retries without waiting.
 */
import { AppError } from '../../core/index.ts';
import type { ProviderQuota } from './types.ts';

export interface ProviderHttpOptions {
  /** Provider name, for messages. */
  provider: string;
  timeoutMs?: number;
  /** Attempts per call, first included (default 4). */
  attempts?: number;
  /** First backoff, doubled per retry (default 500 ms). */
  backoffMs?: number;
  /** Longest single wait (default 30 s). */
  maxWaitMs?: number;
  /** Longest total waiting per call (default 60 s). */
  maxTotalWaitMs?: number;
  /** Requests kept in reserve: with this many left, calls are refused (default 0). */
  minRemaining?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  fetch?: typeof fetch;
}

export interface ProviderResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON for a JSON response, else null. */
  body: unknown;
  bytes: Uint8Array;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, as `Retry-After` may say; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function headerNumber(headers: Headers, ...names: string[]): number | null {
  for (const name of names) {
    const v = headers.get(name);
    if (v !== null && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return null;
}

export class ProviderHttp {
  private readonly o: Required<Omit<ProviderHttpOptions, 'fetch'>> & { fetch: typeof fetch };
  private readonly state: ProviderQuota = { remaining: null, used: null, at: null };
  /** Every wait taken, ms (what tests read instead of timing). */
  readonly waits: number[] = [];

  constructor(options: ProviderHttpOptions) {
    this.o = {
      provider: options.provider,
      timeoutMs: options.timeoutMs ?? 30_000,
      attempts: Math.max(1, options.attempts ?? 4),
      backoffMs: options.backoffMs ?? 500,
      maxWaitMs: options.maxWaitMs ?? 30_000,
      maxTotalWaitMs: options.maxTotalWaitMs ?? 60_000,
      minRemaining: options.minRemaining ?? 0,
      sleep: options.sleep ?? defaultSleep,
      now: options.now ?? Date.now,
      fetch: options.fetch ?? fetch,
    };
  }

  quota(): ProviderQuota {
    return { ...this.state };
  }

  /**
   * GETs `url`: the bytes, and the parsed JSON of a JSON response. `redact` is removed from
   * URLs in messages (an API key in the query string).
   * @throws AppError PROVIDER_QUOTA_EXHAUSTED, PROVIDER_RATE_LIMITED, PROVIDER_AUTH_FAILED, FETCH_FAILED
   */
  async get(url: string, redact: string[] = []): Promise<ProviderResponse> {
    const shown = redact.reduce((u, secret) => (secret ? u.split(encodeURIComponent(secret)).join('***').split(secret).join('***') : u), url);
    const { provider } = this.o;
    if (this.state.remaining !== null && this.state.remaining <= this.o.minRemaining) {
      throw new AppError('PROVIDER_QUOTA_EXHAUSTED', `${provider}: ${this.state.remaining} request(s) left, reserve is ${this.o.minRemaining}; not calling ${shown}`, { details: { provider, remaining: this.state.remaining } });
    }
    let waited = 0;
    let lastError = '';
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      let response: Response | null = null;
      try {
        response = await this.o.fetch(url, { signal: AbortSignal.timeout(this.o.timeoutMs), headers: { accept: 'application/json, text/csv;q=0.9, */*;q=0.5' } });
      } catch (cause) {
        lastError = (cause as Error).message;
      }
      let wait: number | null = null;
      if (response) {
        this.noteQuota(response.headers);
        if (response.ok) {
          const bytes = new Uint8Array(await response.arrayBuffer());
          const type = response.headers.get('content-type') ?? '';
          let body: unknown = null;
          if (type.includes('json')) {
            try {
              body = JSON.parse(Buffer.from(bytes).toString('utf8'));
            } catch (cause) {
              throw new AppError('PROVIDER_RESPONSE_INVALID', `${provider}: ${shown} answered invalid JSON`, { cause, details: { provider } });
            }
          }
          return { status: response.status, headers: response.headers, body, bytes };
        }
        const detail = (await response.text().catch(() => '')).slice(0, 200);
        lastError = `HTTP ${response.status}${detail ? `: ${detail}` : ''}`;
        if (response.status === 401 || response.status === 403) {
          throw new AppError('PROVIDER_AUTH_FAILED', `${provider}: ${shown} refused the key (${lastError})`, { details: { provider, status: response.status } });
        }
        if (response.status === 429) {
          wait = retryAfterMs(response.headers.get('retry-after'), this.o.now());
          const reset = headerNumber(response.headers, 'x-ratelimit-reset');
          if (wait === null && reset !== null) wait = reset > 1e9 ? Math.max(0, reset * 1000 - this.o.now()) : reset * 1000;
          if (wait !== null && (wait > this.o.maxWaitMs || waited + wait > this.o.maxTotalWaitMs)) {
            throw new AppError('PROVIDER_RATE_LIMITED', `${provider}: rate limited, asked to wait ${Math.round(wait / 1000)} s, longer than the ${Math.round(Math.min(this.o.maxWaitMs, this.o.maxTotalWaitMs - waited) / 1000)} s allowed`, { details: { provider, waitMs: wait } });
          }
        } else if (response.status < 500 && response.status !== 408) {
          throw new AppError('FETCH_FAILED', `${provider}: ${shown} failed: ${lastError}`, { details: { provider, status: response.status, reason: lastError } });
        }
      }
      if (attempt === this.o.attempts) break;
      if (wait === null) wait = Math.min(this.o.maxWaitMs, this.o.backoffMs * 2 ** (attempt - 1));
      if (waited + wait > this.o.maxTotalWaitMs) break;
      waited += wait;
      this.waits.push(wait);
      await this.o.sleep(wait);
    }
    throw new AppError(lastError.startsWith('HTTP 429') ? 'PROVIDER_RATE_LIMITED' : 'FETCH_FAILED', `${provider}: ${shown} failed after ${this.o.attempts} attempt(s): ${lastError}`, { details: { provider, reason: lastError } });
  }

  private noteQuota(headers: Headers): void {
    const remaining = headerNumber(headers, 'x-requests-remaining', 'x-ratelimit-remaining');
    const used = headerNumber(headers, 'x-requests-used');
    if (remaining !== null) this.state.remaining = remaining;
    if (used !== null) this.state.used = used;
    this.state.at = new Date(this.o.now()).toISOString();
  }
}
