import { AppError } from '../../core/index.ts';
import type { VersionSelector } from '../serving/index.ts';

/** Which model, and which of its versions, a request means. */
export interface ModelRef {
  model: string;
  selector: VersionSelector;
}

/** A model reference as an edge receives it: every edge's spelling, none of them parsed yet. */
export interface ModelRefInput {
  /** `name`, `name@alias` or `name@3`. */
  model: string;
  /** A path segment (`/v2/models/:name/versions/:v`): a version number or an alias. */
  ref?: string;
  /** `?alias=` / `--alias`. */
  alias?: string;
  /** `?version=` / `--version`: a whole number (text from a command line is checked here). */
  version?: string | number;
}

/** The alias a request without one means. */
export const DEFAULT_ALIAS = 'champion';

/**
 * The one reader of version selectors: `name` (its champion), `name@alias`, `name@3`, or a name with
 * one of a path segment, an alias or a version number given apart. Digits are a version number,
 * anything else an alias; two ways of choosing the version at once is an error, not a precedence.
 * @throws AppError VALIDATION_FAILED naming the conflicting or malformed parts.
 */
/** The usual reference, a bare name: its champion (one shared selector, nothing to check). */
const CHAMPION: VersionSelector = Object.freeze({ alias: DEFAULT_ALIAS });

export function parseModelRef(input: ModelRefInput): ModelRef {
  const at = input.model.lastIndexOf('@');
  if (at < 0 && input.ref === undefined && input.alias === undefined && input.version === undefined && input.model !== '') return { model: input.model, selector: CHAMPION };
  const model = at < 0 ? input.model : input.model.slice(0, at);
  const suffix = at < 0 ? undefined : input.model.slice(at + 1);
  const given = [
    suffix !== undefined && `@${suffix}`,
    input.ref !== undefined && `version segment ${JSON.stringify(input.ref)}`,
    input.alias !== undefined && `alias ${JSON.stringify(input.alias)}`,
    input.version !== undefined && `version ${JSON.stringify(input.version)}`,
  ].filter((g): g is string => typeof g === 'string');
  if (given.length > 1) {
    throw new AppError('VALIDATION_FAILED', `choose the version of ${model} one way, not ${given.join(' and ')}: give an alias or a version number`, {
      details: { ...input, model },
    });
  }
  if (model === '') throw new AppError('VALIDATION_FAILED', `model reference ${JSON.stringify(input.model)} has no model name before "@"`, { details: { model: input.model } });
  if (suffix === '') throw new AppError('VALIDATION_FAILED', `model reference ${JSON.stringify(input.model)} has nothing after "@": write ${model}@<alias> or ${model}@<version>`, { details: { model: input.model } });
  if (input.version !== undefined) return { model, selector: { version: versionNumber(model, input.version) } };
  const text = suffix ?? input.ref ?? input.alias;
  if (text === undefined) return { model, selector: { alias: DEFAULT_ALIAS } };
  // An alias given as such may be any name (it is looked up); digits anywhere else are a number.
  if (input.alias === undefined && /^\d+$/.test(text)) return { model, selector: { version: versionNumber(model, text) } };
  return { model, selector: { alias: text } };
}

/** Digits are a number; whether that version exists (1..2^31-1, registered) is the registry's answer (404). */
function versionNumber(model: string, value: string | number): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n)) {
    throw new AppError('VALIDATION_FAILED', `version of ${model} must be a whole number, got ${JSON.stringify(value)}`, { details: { model, version: value } });
  }
  return n;
}

/** `name@alias` / `name@3`, the way a reference is written back in messages. */
export function formatModelRef(ref: ModelRef): string {
  return `${ref.model}@${ref.selector.version ?? ref.selector.alias ?? DEFAULT_ALIAS}`;
}
