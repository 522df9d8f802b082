/**
 * Opens a data provider by name with what the deployment configured: base URLs from config, The
 * Odds API key from the encrypted secret store (`odds-api.key`, opened per request and audited as
 * used), and the provider client's retry and wait bounds.
 */
import { AppError } from '../../core/index.ts';
import { createFootballDataProvider, createOddsApiProvider, ODDS_API_PROVIDER, type Provider, type ProviderHttpOptions } from '../../history/index.ts';
import type { Config } from '../config.ts';
import type { Secrets } from '../secrets/index.ts';

/** The secret holding The Odds API key. */
export const ODDS_API_SECRET = 'odds-api.key';
export const PROVIDER_NAMES = ['football-data', ODDS_API_PROVIDER] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderServiceContext {
  config: Pick<Config, 'footballDataBaseUrl' | 'oddsApiBaseUrl'>;
  secrets: Secrets;
}

/** @throws AppError VALIDATION_FAILED for an unknown provider name */
export function openProvider(ctx: ProviderServiceContext, name: string, http: Omit<ProviderHttpOptions, 'provider'> = {}): Provider {
  if (name === 'football-data') return createFootballDataProvider({ ...http, baseUrl: ctx.config.footballDataBaseUrl });
  if (name === ODDS_API_PROVIDER) {
    return createOddsApiProvider({
      ...http,
      baseUrl: ctx.config.oddsApiBaseUrl,
      withKey: (fn) => ctx.secrets.use(ODDS_API_SECRET, fn, { actor: { name: 'provider:odds-api', role: 'operator' } }),
    });
  }
  throw new AppError('VALIDATION_FAILED', `unknown provider ${JSON.stringify(name)}; expected one of ${PROVIDER_NAMES.join(', ')}`, { details: { provider: name } });
}
