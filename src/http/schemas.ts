import { Type, type TSchema } from '@sinclair/typebox';

/** The error body every non-2xx response has. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody' },
);

/** The Open Inference Protocol's error body (every /v2 route's non-2xx answer). */
export const V2ErrorBodySchema = Type.Object({ error: Type.String({ description: 'what went wrong' }) }, { $id: 'V2ErrorBody' });

/**
 * Keys that tell a union's object shapes apart (an extension keyword on each `anyOf` branch): a 400
 * for a value in the union reports only the problems of the first branch whose keys the value uses,
 * the shape the request meant, instead of every branch's complaints (see http/errors.ts).
 */
export const IDENTIFIED_BY = 'x-identified-by';
/** On the union: the one error for a value that uses none of the branches' identifying keys. */
export const UNMATCHED = 'x-unmatched';

/** Standard error responses to spread into a route's `response` schema. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('ErrorBody')]));
}
