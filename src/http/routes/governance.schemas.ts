import { Type } from '@sinclair/typebox';

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  prefix: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  rotatedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  state: Type.String(),
}, { $id: 'ApiKey' });

export const CreateKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  role: Type.Union(['admin', 'scientist', 'reviewer', 'app'].map((r) => Type.Literal(r))),
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
  expires: Type.Optional(Type.String({ minLength: 2, maxLength: 40, description: 'a duration (30d, 12h, 90m, 2w) or a future date' })),
}, { additionalProperties: false });

export const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 64, description: 'the key\'s prefix (shl_…) or id' }) });

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  actorRef: Type.String(),
  actorRole: Type.String(),
  keyPrefix: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
}, { $id: 'AuditEntry' });

export const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  action: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' })),
  from: Type.Optional(Type.String({ minLength: 4, maxLength: 40, description: 'ISO date or time (inclusive)' })),
  to: Type.Optional(Type.String({ minLength: 4, maxLength: 40, description: 'ISO date or time (exclusive)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
});

export const ProposalSchema = Type.Object({
  id: Type.Integer(),
  model: Type.String(),
  alias: Type.String(),
  version: Type.Integer(),
  fromVersion: Type.Union([Type.Integer(), Type.Null()]),
  evaluation: Type.Record(Type.String(), Type.Unknown()),
  note: Type.Union([Type.String(), Type.Null()]),
  proposedBy: Type.String(),
  proposedAt: Type.String(),
  status: Type.String(),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
}, { $id: 'Proposal' });

export const ProposeBody = Type.Object({
  alias: Type.String({ minLength: 1, maxLength: 63 }),
  version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });

export const ProposalParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
export const RejectBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
export const ProposalsQuery = Type.Object({
  status: Type.Optional(Type.Union(['pending', 'approved', 'rejected'].map((s) => Type.Literal(s)))),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
