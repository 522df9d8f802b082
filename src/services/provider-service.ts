/**
 * Opens a data provider by name with what the deployment configured: base URLs from config, The
 * Odds API key from the encrypted secret store (`odds-api.key`, opened per request and audited as
 * used), and the provider client's retry and wait bounds.
 */
import { AppError } from '../../core/index.ts';
import type { Db } from '../../core/index.ts';
import { createFootballDataProvider, createOddsApiProvider, landProviderBatch, matchProviderEvents, ODDS_API_PROVIDER, type LandedCounts, type MatchCounts, type Provider, type ProviderBatch, type ProviderHttpOptions, type ProviderQuery, type ProviderQuota } from '../../history/index.ts';
import type { Config } from '../config.ts';
import type { Secrets } from '../secrets/index.ts';
import { recordAudit, type Actor } from '../governance/index.ts';

/** The secret holding The Odds API key. */
export const ODDS_API_SECRET = 'odds-api.key';
export const PROVIDER_NAMES = ['football-data', ODDS_API_PROVIDER] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderServiceContext {
  config: Pick<Config, 'footballDataBaseUrl' | 'oddsApiBaseUrl'>;
  secrets: Secrets;
}

/** Who opens a provider's key when the caller names nobody: the provider client of this process. */
const PROVIDER_ACTOR: Actor = { name: 'provider:odds-api', role: 'operator' };

/**
 * `actor` is who the secret's use is audited as (the key or operator that asked for the fetch).
 * @throws AppError VALIDATION_FAILED for an unknown provider name
 */
export function openProvider(ctx: ProviderServiceContext, name: string, http: Omit<ProviderHttpOptions, 'provider'> = {}, actor: Actor = PROVIDER_ACTOR): Provider {
  if (name === 'football-data') return createFootballDataProvider({ ...http, baseUrl: ctx.config.footballDataBaseUrl });
  if (name === ODDS_API_PROVIDER) {
    return createOddsApiProvider({
      ...http,
      baseUrl: ctx.config.oddsApiBaseUrl,
      withKey: (fn) => ctx.secrets.use(ODDS_API_SECRET, fn, { actor }),
    });
  }
  throw new AppError('VALIDATION_FAILED', `unknown provider ${JSON.stringify(name)}; expected one of ${PROVIDER_NAMES.join(', ')}`, { details: { provider: name } });
}

export interface FetchProviderOptions {
  /** The fetch time recorded (the schedules' clock); default now. */
  now?: Date;
  /** Fetch results too (default true). */
  results?: boolean;
  /** Fetch fixtures with odds (default true). */
  odds?: boolean;
  /** Match the landed events to games afterwards (default true): upcoming games created, results recorded, odds copied. */
  match?: boolean;
  http?: Omit<ProviderHttpOptions, 'provider'>;
  /** Who the `import.run` audit row names (default: the provider client). */
  actor?: Actor;
}

export type FetchProviderResult = LandedCounts & { provider: string; competition: string; quota: ProviderQuota; games?: MatchCounts };

/**
 * Fetches upcoming fixtures with their odds, and results, from one provider, lands them
 * (idempotent: a repeated fetch lands nothing twice), audited as an `import.run` of `actor`
 * (default: the provider client) with the counts landed, and matches them to games. `now` is the
 * fetch time recorded.
 */
export async function fetchProviderData(ctx: ProviderServiceContext & { db: Db }, name: string, query: ProviderQuery, options: FetchProviderOptions = {}): Promise<FetchProviderResult> {
  const actor = options.actor ?? PROVIDER_ACTOR;
  const provider = openProvider(ctx, name, options.http, actor);
  const now = options.now ?? new Date();
  const { fixtures, odds } = options.odds === false ? { fixtures: [], odds: [] } : await provider.odds(query);
  const batch: ProviderBatch = { fixtures, odds, results: options.results === false ? [] : await provider.results(query) };
  const landed = await landProviderBatch(ctx.db, provider.name, batch, now);
  await recordAudit(ctx.db, actor, 'import.run', { target: `provider/${provider.name}`, details: { source: provider.name, via: 'provider', competition: query.competition, ...landed } });
  const games = options.match === false ? undefined : await matchProviderEvents(ctx.db, provider.name, { now });
  return { provider: provider.name, competition: query.competition, ...landed, quota: provider.quota(), ...(games ? { games } : {}) };
}
