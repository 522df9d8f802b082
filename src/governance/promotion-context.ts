import type { AppContext } from '../context.ts';
import { notifyAliasMoved } from '../serving/index.ts';
import type { PromotionContext } from './promotion.ts';

/** The promotion use cases' view of the process context: the same alias move + notice path as every edge. */
export function promotionContextOf(ctx: AppContext): PromotionContext {
  return { db: ctx.db, protectedAliases: ctx.config.protectedAliases, notifyAliasMoved: (model) => notifyAliasMoved(ctx, model) };
}
