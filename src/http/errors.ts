import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../../core/index.ts';
import { IDENTIFIED_BY, UNMATCHED } from './schemas.ts';
import { httpStatusOf, mlflowErrorOf, type MlflowErrorCode } from '../error-policy.ts';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** Fastify's own error codes that are the client's fault, with our code for each. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

/** One Ajv error; `parentSchema` and `data` are there because the app's Ajv runs with `verbose`. */
interface SchemaError {
  instancePath?: string;
  schemaPath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
  parentSchema?: { anyOf?: Array<Record<string, unknown>>; [UNMATCHED]?: string };
  data?: unknown;
}

/**
 * Keeps, for each union (`anyOf`) a value failed, only the errors of the branch the request meant:
 * the first whose identifying keys (IDENTIFIED_BY) the value has. A value with none of them gets
 * the union's one UNMATCHED message instead of every branch's complaints.
 */
function errorsOfMeantBranches(errors: SchemaError[]): SchemaError[] {
  let kept = errors;
  for (const union of errors.filter((e) => e.keyword === 'anyOf' && e.parentSchema?.anyOf)) {
    const branches = union.parentSchema!.anyOf!;
    if (!branches.some((b) => Array.isArray(b[IDENTIFIED_BY]))) continue;
    const keys = union.data !== null && typeof union.data === 'object' ? Object.keys(union.data) : [];
    const meant = branches.findIndex((b) => (b[IDENTIFIED_BY] as string[] | undefined)?.some((k) => keys.includes(k)));
    const within = `${union.schemaPath}/`;
    kept = kept.filter((e) => {
      if (e === union) return meant < 0;
      return !e.schemaPath?.startsWith(within) || e.schemaPath.startsWith(`${within}${meant}/`);
    });
    if (meant < 0) union.message = union.parentSchema![UNMATCHED] ?? union.message;
  }
  return kept;
}

/** Turns any thrown value into `{ error: { code, message, details } }` with its status. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) return { status: httpStatusOf(error.code), body: error.toBody() };
  const fe = error as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (fe?.validation) {
    const details = errorsOfMeantBranches(fe.validation as SchemaError[]).map((item) => {
      const extra = item.params?.additionalProperty ?? item.params?.missingProperty;
      const path = `${fe.validationContext ?? ''}${item.instancePath ?? ''}`;
      const message = item.params?.additionalProperty ? 'is not allowed here' : item.params?.missingProperty ? 'is required' : (item.message ?? 'invalid');
      return { path: extra ? `${path}/${String(extra)}` : path, message };
    });
    const message = details.map((d) => `${d.path} ${d.message}`).join('; ');
    return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message, details } } };
  }
  const code = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (code) {
    const app = new AppError(code, fe.message);
    return { status: httpStatusOf(app.code), body: app.toBody() };
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: { code: 'VALIDATION_FAILED', message: fe.message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

/**
 * True for the Open Inference Protocol's routes (`/v2`, `/v2/...`): their error bodies are the
 * protocol's `{ "error": "<message>" }`, which its typed clients decode.
 */
export function isOipUrl(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/v2' || path.startsWith('/v2/');
}

/** The protocol's error object for an error body: the message alone. */
export function oipErrorBody(body: ErrorBody): { error: string } {
  return { error: body.error.message };
}

/** True for MLflow's REST routes (`/api/2.0/mlflow/...`): their error bodies are MLflow's `{ error_code, message }`. */
export function isMlflowUrl(url: string): boolean {
  return url.split('?')[0]!.startsWith('/api/2.0/mlflow/');
}

/**
 * MLflow's error body and status for one of ours (the code table is in src/error-policy.ts). A
 * missing parameter reads as MLflow words it.
 */
export function mlflowErrorBody(status: number, body: ErrorBody): { status: number; body: { error_code: MlflowErrorCode; message: string } } {
  const mapped = status >= 500 && body.error.code === 'INTERNAL' ? { errorCode: 'INTERNAL_ERROR' as const, status: 500 } : mlflowErrorOf(body.error.code);
  let message = body.error.message;
  const details = body.error.details as Array<{ path?: string; message?: string }> | undefined;
  const required = Array.isArray(details) ? details.find((d) => d.message === 'is required') : undefined;
  if (body.error.code === 'VALIDATION_FAILED' && required?.path) {
    message = `Missing value for required parameter '${required.path.split('/').pop()}'. See the API docs for more information about request parameters.`;
  }
  return { status: mapped.status, body: { error_code: mapped.errorCode, message } };
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(error);
  // A dependency that is down (503) is an outage, warned about once by its connection; each
  // request it fails is an ordinary request line, without a stack.
  if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code }, body.error.message);
  if (isMlflowUrl(request.url)) {
    const mlflow = mlflowErrorBody(status, body);
    void reply.status(mlflow.status).send(mlflow.body);
    return;
  }
  void reply.status(status).send(isOipUrl(request.url) ? oipErrorBody(body) : body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const body: ErrorBody = { error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } };
  if (isMlflowUrl(request.url)) {
    void reply.status(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `${body.error.message}: this server implements the MLflow REST subset in docs/mlflow.md` });
    return;
  }
  void reply.status(404).send(isOipUrl(request.url) ? oipErrorBody(body) : body);
}
