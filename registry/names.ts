import { AppError } from '../core/index.ts';

/** Model names: lower-case slug, dots allowed (`soccer-1x2.mlp`), at most 100 characters. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
/** Alias names: lower-case slug starting with a letter, so an alias never reads as a version number. */
export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
/** Aliases the registry resolves itself; they cannot be set. `latest` = highest READY version. */
export const RESERVED_ALIASES: readonly string[] = ['latest'];
/** Artifact kinds: same slug rule as aliases ('dense-json', 'tfjs', 'onnx', 'background', 'importance'). */
export const ARTIFACT_KIND_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

/** Throws VALIDATION_FAILED unless `name` is a valid model name. */
export function assertModelName(name: string): void {
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new AppError('VALIDATION_FAILED', `model name ${JSON.stringify(name)} must match ${MODEL_NAME_PATTERN.source}`, { details: { model: name } });
  }
}

/** Throws MODEL_ALIAS_INVALID unless `alias` is a settable alias name. */
export function assertAliasName(alias: string): void {
  if (!ALIAS_PATTERN.test(alias)) {
    throw new AppError('MODEL_ALIAS_INVALID', `alias ${JSON.stringify(alias)} must be a lower-case slug matching ${ALIAS_PATTERN.source}`, { details: { alias } });
  }
  if (RESERVED_ALIASES.includes(alias)) {
    throw new AppError('MODEL_ALIAS_INVALID', `alias ${JSON.stringify(alias)} is reserved (resolved by the registry)`, { details: { alias } });
  }
}

/**
 * Reads a version reference as typed on a command line or in a URL: digits are a version number,
 * anything else an alias name.
 */
export function parseVersionRef(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** Largest version number a Postgres `integer` column holds. */
export const MAX_VERSION = 2_147_483_647;

/** Whether `n` can be a version number (1..MAX_VERSION). */
export function isVersionNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_VERSION;
}
