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

/** MLflow's error body: what every non-2xx answer of the /api/2.0/mlflow/ routes has (MLflow's REST API). */
export const MlflowErrorBodySchema = Type.Object(
  {
    error_code: Type.String({ description: 'an MLflow error code: INVALID_PARAMETER_VALUE, RESOURCE_DOES_NOT_EXIST, RESOURCE_ALREADY_EXISTS, PERMISSION_DENIED, UNAUTHENTICATED ...' }),
    message: Type.String(),
  },
  { $id: 'MlflowErrorBody' },
);

/**
 * Keys that tell a union's object shapes apart (an extension keyword on each `anyOf` branch): a 400
 * for a value in the union reports only the problems of the first branch whose keys the value uses,
 * the shape the request meant, instead of every branch's complaints (see http/errors.ts).
 */
export const IDENTIFIED_BY = 'x-identified-by';
/** On the union: the one error for a value that uses none of the branches' identifying keys. */
export const UNMATCHED = 'x-unmatched';

/** Error responses of an MLflow route (MLflow's body). */
export function mlflowErrorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('MlflowErrorBody')]));
}

/** Standard error responses to spread into a route's `response` schema. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('ErrorBody')]));
}
