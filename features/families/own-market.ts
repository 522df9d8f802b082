import type { FamilyName } from '../types.ts';

/** Families that read the game's own (pre-kickoff) odds: a set with any of them has `usesMarket: true`. */
export const OWN_MARKET_FAMILIES: ReadonlySet<FamilyName> = new Set<FamilyName>(['market', 'market_at', 'line_movement']);
