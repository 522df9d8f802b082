import { type Db, AppError } from '../../core/index.ts';
import { getVersion, resolveAlias, type SetAliasResult } from '../../registry/index.ts';
import { ensureSubject, namesOf, recordAudit, type Actor } from '../governance/index.ts';
import { announceAliasMove, moveAliasIn, type AliasServiceContext } from './alias-service.ts';

const isProtected = (ctx: AliasServiceContext, alias: string) => ctx.config.protectedAliases.includes(alias);

export type ProposalStatus = 'pending' | 'approved' | 'rejected';

export interface Proposal {
  id: number;
  model: string;
  alias: string;
  version: number;
  /** Where the alias pointed when proposed. */
  fromVersion: number | null;
  /** The version's evaluation summary (vs the market, on its test window), attached when proposed. */
  evaluation: Record<string, unknown>;
  note: string | null;
  proposedBy: string;
  proposedAt: string;
  status: ProposalStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}

interface ProposalRow {
  id: number | string;
  model: string;
  alias: string;
  version: number;
  from_version: number | null;
  evaluation: Record<string, unknown> | string;
  note: string | null;
  proposed_by: string;
  proposed_at: Date | string;
  status: ProposalStatus;
  decided_by: string | null;
  decided_at: Date | string | null;
  reason: string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

async function toProposals(db: Db, rows: ProposalRow[]): Promise<Proposal[]> {
  const names = await namesOf(db, rows.flatMap((r) => [r.proposed_by, ...(r.decided_by ? [r.decided_by] : [])]));
  return rows.map((r) => ({
    id: Number(r.id),
    model: r.model,
    alias: r.alias,
    version: Number(r.version),
    fromVersion: r.from_version === null ? null : Number(r.from_version),
    evaluation: typeof r.evaluation === 'string' ? (JSON.parse(r.evaluation) as Record<string, unknown>) : r.evaluation,
    note: r.note,
    proposedBy: names.get(r.proposed_by) ?? r.proposed_by,
    proposedAt: iso(r.proposed_at)!,
    status: r.status,
    decidedBy: r.decided_by ? (names.get(r.decided_by) ?? r.decided_by) : null,
    decidedAt: iso(r.decided_at),
    reason: r.reason,
  }));
}

/** One proposal. Throws PROPOSAL_NOT_FOUND. */
export async function getProposal(db: Db, id: number): Promise<Proposal> {
  const { rows } = Number.isSafeInteger(id) && id > 0 ? await db.query<ProposalRow>('-- One proposal. $1 id\nSELECT * FROM alias_proposals WHERE id = $1', [id]) : { rows: [] };
  if (!rows[0]) throw new AppError('PROPOSAL_NOT_FOUND', `no promotion proposal ${id}`, { details: { id } });
  return (await toProposals(db, rows))[0]!;
}

/** Proposals newest first, optionally of one model and/or status. */
export async function listProposals(db: Db, options: { model?: string; status?: ProposalStatus; limit?: number } = {}): Promise<Proposal[]> {
  const { rows } = await db.query<ProposalRow>(
    '-- Proposals newest first. $1 model, $2 status, $3 limit\nSELECT * FROM alias_proposals WHERE ($1::text IS NULL OR model = $1) AND ($2::text IS NULL OR status = $2) ORDER BY id DESC LIMIT $3',
    [options.model ?? null, options.status ?? null, Math.min(Math.max(options.limit ?? 100, 1), 1000)],
  );
  return toProposals(db, rows);
}

export interface ProposeInput {
  model: string;
  alias: string;
  version: number;
  note?: string;
}

/**
 * Proposes moving a protected alias to a READY version, attaching the version's evaluation
 * summary. One open proposal per model alias. Audited as `proposal.created`.
 * @throws MODEL_ALIAS_INVALID (alias not protected: move it directly), MODEL_NOT_FOUND,
 *         MODEL_VERSION_NOT_FOUND, MODEL_VERSION_NOT_READY, CONFLICT (one is already pending)
 */
export async function proposePromotion(ctx: AliasServiceContext, actor: Actor, input: ProposeInput): Promise<Proposal> {
  const { model, alias, version } = input;
  if (!isProtected(ctx, alias)) {
    throw new AppError('MODEL_ALIAS_INVALID', `${alias} is not a protected alias (${ctx.config.protectedAliases.join(', ')}); move it directly`, { details: { alias, protected: ctx.config.protectedAliases } });
  }
  if (input.note !== undefined && input.note.length > 2000) throw new AppError('VALIDATION_FAILED', 'note must be at most 2000 characters', { details: { note: input.note.length } });
  const v = await getVersion(ctx.db, model, version);
  if (v.status !== 'READY') {
    throw new AppError('MODEL_VERSION_NOT_READY', `model ${model} version ${version} is ${v.status}; only READY versions can be proposed`, { details: { model, version, status: v.status } });
  }
  const fromVersion = await resolveAlias(ctx.db, model, alias).catch(() => null);
  const evaluation = (v.evaluation as { summary?: Record<string, unknown> }).summary ?? v.evaluation ?? {};
  return ctx.db.transaction(async (tx) => {
    const subject = await ensureSubject(tx, actor.name);
    const { rows: open } = await tx.query<{ id: number }>('-- The open proposal of an alias. $1 model, $2 alias\nSELECT id FROM alias_proposals WHERE model = $1 AND alias = $2 AND status = \'pending\' FOR UPDATE', [model, alias]);
    if (open[0]) {
      throw new AppError('CONFLICT', `proposal ${open[0].id} for ${model}/${alias} is pending; approve or reject it first`, { details: { proposal: Number(open[0].id) } });
    }
    const { rows } = await tx.query<ProposalRow>(
      '-- Adds a proposal. $1 model, $2 alias, $3 version, $4 from version, $5 evaluation, $6 note, $7 proposer ref\n' +
        'INSERT INTO alias_proposals (model, alias, version, from_version, evaluation, note, proposed_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) RETURNING *',
      [model, alias, version, fromVersion, JSON.stringify(evaluation), input.note ?? null, subject.ref],
    );
    const proposal = (await toProposals(tx, rows))[0]!;
    await recordAudit(tx, actor, 'proposal.created', { target: `${model}/${alias}`, details: { proposal: proposal.id, model, alias, from: fromVersion, to: version } });
    return proposal;
  });
}

async function lockPending(tx: Db, id: number): Promise<ProposalRow> {
  const { rows } = Number.isSafeInteger(id) && id > 0 ? await tx.query<ProposalRow>('-- Locks one proposal. $1 id\nSELECT * FROM alias_proposals WHERE id = $1 FOR UPDATE', [id]) : { rows: [] };
  if (!rows[0]) throw new AppError('PROPOSAL_NOT_FOUND', `no promotion proposal ${id}`, { details: { id } });
  if (rows[0].status !== 'pending') {
    throw new AppError('PROPOSAL_NOT_PENDING', `proposal ${id} is already ${rows[0].status}`, { details: { id, status: rows[0].status } });
  }
  return rows[0];
}

/**
 * Approves a proposal: the alias moves (the same registry move and audit as any alias move) and
 * every server swaps. The approver must be a different person from the proposer.
 * Audited as `proposal.approved` then `alias.moved`.
 * @throws PROPOSAL_NOT_FOUND, PROPOSAL_NOT_PENDING, PROPOSAL_SELF_APPROVAL, MODEL_VERSION_NOT_READY
 */
export async function approveProposal(ctx: AliasServiceContext, actor: Actor, id: number): Promise<{ proposal: Proposal; move: SetAliasResult }> {
  const result = await ctx.db.transaction(async (tx) => {
    const row = await lockPending(tx, id);
    const approver = await ensureSubject(tx, actor.name);
    if (approver.ref === row.proposed_by) {
      throw new AppError('PROPOSAL_SELF_APPROVAL', `proposal ${id} was made by ${actor.name}; a different reviewer must approve it`, { details: { id } });
    }
    await tx.query("-- Approves a proposal. $1 id, $2 approver ref\nUPDATE alias_proposals SET status = 'approved', decided_by = $2, decided_at = now() WHERE id = $1", [id, approver.ref]);
    await recordAudit(tx, actor, 'proposal.approved', { target: `${row.model}/${row.alias}`, details: { proposal: id, model: row.model, alias: row.alias, to: Number(row.version) } });
    // The same move and audit row as any alias move; announced once the approval has committed.
    const move = await moveAliasIn(tx, ctx, { model: row.model, alias: row.alias, version: Number(row.version), actor, proposal: id });
    return { move, model: row.model };
  });
  if (result.move.changed) await announceAliasMove(ctx, result.model);
  return { proposal: await getProposal(ctx.db, id), move: result.move };
}

/** Rejects a proposal with a reason (required). Audited as `proposal.rejected`. */
export async function rejectProposal(ctx: AliasServiceContext, actor: Actor, id: number, reason: string): Promise<Proposal> {
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 2000) {
    throw new AppError('VALIDATION_FAILED', 'a rejection needs a reason (1..2000 characters)', { details: { reason } });
  }
  await ctx.db.transaction(async (tx) => {
    const row = await lockPending(tx, id);
    const reviewer = await ensureSubject(tx, actor.name);
    await tx.query("-- Rejects a proposal. $1 id, $2 reviewer ref, $3 reason\nUPDATE alias_proposals SET status = 'rejected', decided_by = $2, decided_at = now(), reason = $3 WHERE id = $1", [id, reviewer.ref, reason.trim()]);
    await recordAudit(tx, actor, 'proposal.rejected', { target: `${row.model}/${row.alias}`, details: { proposal: id, model: row.model, alias: row.alias, to: Number(row.version), reason: reason.trim() } });
  });
  return getProposal(ctx.db, id);
}
