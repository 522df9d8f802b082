import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { actorOf } from '../auth.ts';
import { createKey, listAudit, listKeys, revokeKey, rotateKey } from '../../governance/index.ts';
import { approveProposal, getProposal, listProposals, proposePromotion, rejectProposal, type ProposalStatus } from '../../services/index.ts';
import {
  ApiKeySchema,
  AuditEntrySchema,
  AuditQuery,
  CreateKeyBody,
  KeyParams,
  ProposalParams,
  ProposalSchema,
  ProposalsQuery,
  ProposeBody,
  RejectBody,
} from './governance.schemas.ts';
import { ModelNameParams } from './models.schemas.ts';

/** API keys (admin), the audit log (admin, reviewer) and promotion proposals. */
export async function governanceRoutes(app: AppInstance): Promise<void> {
  app.addSchema(ApiKeySchema);
  app.addSchema(AuditEntrySchema);
  app.addSchema(ProposalSchema);
  const key = Type.Ref('ApiKey');
  const proposal = Type.Ref('Proposal');
  const created = Type.Object({ key, token: Type.String({ description: 'the secret: shown once, never stored' }) });

  app.get('/v1/keys', {
    schema: { tags: ['governance'], summary: 'Every API key (never its secret): owner, role, state, last use.', response: { 200: Type.Object({ keys: Type.Array(key) }) } },
  }, async () => ({ keys: await listKeys(app.ctx.db) }));

  app.post('/v1/keys', {
    schema: { tags: ['governance'], summary: 'Creates a key; the answer holds its token, the only time it is shown. Audited.', body: CreateKeyBody, response: { 201: created, ...errorResponses(400) } },
  }, async (request, reply) => reply.status(201).send(await createKey(app.ctx.db, actorOf(request), request.body)));

  app.post('/v1/keys/:key/rotate', {
    schema: { tags: ['governance'], summary: 'New secret (and prefix) for a key; the old one stops working. Audited.', params: KeyParams, response: { 200: Type.Object({ key, token: Type.String(), previousPrefix: Type.String() }), ...errorResponses(404, 409) } },
  }, async (request) => {
    const result = await rotateKey(app.ctx.db, actorOf(request), request.params.key);
    app.keyCache.clear();
    return result;
  });

  app.delete('/v1/keys/:key', {
    schema: { tags: ['governance'], summary: 'Revokes a key for good. Audited.', params: KeyParams, response: { 200: key, ...errorResponses(404) } },
  }, async (request) => {
    const revoked = await revokeKey(app.ctx.db, actorOf(request), request.params.key);
    app.keyCache.clear();
    return revoked;
  });

  app.get('/v1/audit', {
    schema: { tags: ['governance'], summary: 'The audit log, newest first, by actor (name or pseudonym), action (or family: key, alias ...) and time.', querystring: AuditQuery, response: { 200: Type.Object({ entries: Type.Array(Type.Ref('AuditEntry')) }), ...errorResponses(400, 404) } },
  }, async (request) => ({ entries: await listAudit(app.ctx.db, request.query) }));

  app.get('/v1/models/:name/proposals', {
    schema: { tags: ['governance'], summary: 'Promotion proposals of a model, newest first.', params: ModelNameParams, querystring: ProposalsQuery, response: { 200: Type.Object({ proposals: Type.Array(proposal) }) } },
  }, async (request) => ({ proposals: await listProposals(app.ctx.db, { model: request.params.name, status: request.query.status as ProposalStatus | undefined, limit: request.query.limit }) }));

  app.post('/v1/models/:name/proposals', {
    schema: { tags: ['governance'], summary: 'Proposes moving a protected alias (champion) to a READY version, with its evaluation attached; a different reviewer approves it.', params: ModelNameParams, body: ProposeBody, response: { 201: proposal, ...errorResponses(400, 404, 409) } },
  }, async (request, reply) => reply.status(201).send(await proposePromotion(app.ctx, actorOf(request), { model: request.params.name, ...request.body })));

  app.get('/v1/proposals/:id', {
    schema: { tags: ['governance'], summary: 'One proposal with its evaluation and decision.', params: ProposalParams, response: { 200: proposal, ...errorResponses(404) } },
  }, async (request) => getProposal(app.ctx.db, request.params.id));

  app.post('/v1/proposals/:id/approve', {
    schema: { tags: ['governance'], summary: 'Approves a proposal (not your own): the alias moves and every server swaps. Audited.', params: ProposalParams, response: { 200: Type.Object({ proposal, move: Type.Object({ previousVersion: Type.Union([Type.Integer(), Type.Null()]), changed: Type.Boolean() }) }), ...errorResponses(404, 409) } },
  }, async (request) => {
    const { proposal: decided, move } = await approveProposal(app.ctx, actorOf(request), request.params.id);
    request.log.info({ model: decided.model, alias: decided.alias, to: decided.version, proposal: decided.id }, 'proposal approved');
    return { proposal: decided, move: { previousVersion: move.previousVersion, changed: move.changed } };
  });

  app.post('/v1/proposals/:id/reject', {
    schema: { tags: ['governance'], summary: 'Rejects a proposal with a reason. Audited.', params: ProposalParams, body: RejectBody, response: { 200: proposal, ...errorResponses(400, 404, 409) } },
  }, async (request) => rejectProposal(app.ctx, actorOf(request), request.params.id, request.body.reason));
}
