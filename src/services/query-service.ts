import type { AppContext } from '../context.ts';
import { parseQuerySpec, runQuery, type ExplorerModel, type QueryResultSet } from '../../history/index.ts';
import { getVersion } from '../../registry/index.ts';
import { formatModelRef, parseModelRef } from './model-ref.ts';

/** What the explorer needs from the context: the database and its query limits. */
export type QueryServiceContext = Pick<AppContext, 'db'> & { config: Pick<AppContext['config'], 'queryTimeoutMs' | 'queryMaxRows'> };

/**
 * The data explorer's one use case (`POST /v1/queries`, `sharpline query`): checks the document,
 * resolves its model (`name@version` or `name@alias`) to the version's stored test predictions and
 * runs the compiled statement read-only, under SHARPLINE_QUERY_TIMEOUT_MS and SHARPLINE_QUERY_MAX_ROWS.
 * @throws AppError QUERY_INVALID, QUERY_TIMEOUT, TEAM_NOT_FOUND, MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, MODEL_ALIAS_NOT_FOUND
 */
export async function runExplorerQuery(ctx: QueryServiceContext, input: unknown): Promise<QueryResultSet> {
  const spec = parseQuerySpec(input);
  let model: ExplorerModel | undefined;
  if (spec.model !== undefined) {
    const ref = parseModelRef({ model: spec.model });
    const version = await getVersion(ctx.db, ref.model, ref.selector.version ?? ref.selector.alias!);
    model = { ref: formatModelRef(ref), versionId: version.id, classes: version.classes };
  }
  return runQuery(ctx.db, spec, { timeoutMs: ctx.config.queryTimeoutMs, maxRows: ctx.config.queryMaxRows }, model);
}
