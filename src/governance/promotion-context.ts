import type { AppContext } from '../context.ts';
import type { PromotionContext } from './promotion.ts';

/**
 * The promotion use cases' view of the process context: the same alias move + notice path as
 * every edge. Serving loads only when a move is announced, so CLI commands stay light.
 */
export function promotionContextOf(ctx: AppContext): PromotionContext {
  return {
    db: ctx.db,
    protectedAliases: ctx.config.protectedAliases,
    notifyAliasMoved: async (model) => (await import('../serving/index.ts')).notifyAliasMoved(ctx, model),
  };
}
