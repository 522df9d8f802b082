import type { FamilyName } from '../types.ts';
import type { FamilyDefinition } from './family.ts';
import { eloFamily } from './elo.ts';
import { attackDefenceFamily } from './attack-defence.ts';
import { marketRatingFamily } from './market-rating.ts';
import { marketGoalsFamily } from './market-goals.ts';
import { marginRatingFamily } from './margin-rating.ts';
import { formFamily } from './form.ts';
import { scheduleFamily } from './schedule.ts';
import { marketFamily } from './market.ts';
import { marketAtFamily } from './market-at.ts';
import { lineMovementFamily } from './line-movement.ts';
import { qbFamily } from './qb.ts';
import { qbMarketFamily } from './qb-market.ts';
import { contextFamily } from './context.ts';
import { homeEdgeFamily } from './home-edge.ts';

/** Every feature family by name (read-only registry; families are stateless definitions). */
export const FAMILIES: Readonly<Record<FamilyName, FamilyDefinition>> = Object.freeze({
  elo: eloFamily,
  attack_defence: attackDefenceFamily,
  market_rating: marketRatingFamily,
  market_goals: marketGoalsFamily,
  margin_rating: marginRatingFamily,
  form: formFamily,
  schedule: scheduleFamily,
  market: marketFamily,
  market_at: marketAtFamily,
  line_movement: lineMovementFamily,
  qb: qbFamily,
  qb_market: qbMarketFamily,
  context: contextFamily,
  home_edge: homeEdgeFamily,
});

export type { FamilyDefinition, FamilyRuntime, FamilyNeeds, FamilyInput, ColumnSpec, ParamSpec } from './family.ts';
export { movMultiplier, eloExpected } from './elo.ts';
export { OWN_MARKET_FAMILIES } from './own-market.ts';
export { impliedGoals, poissonOutcome } from './market-goals.ts';
