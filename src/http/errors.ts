import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../shared/errors.ts';

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

/** Turns any thrown value into `{ error: { code, message, details } }` with its status. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) return { status: error.statusCode, body: error.toBody() };
  const fe = error as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (fe?.validation) {
    const details = fe.validation.map((v) => {
      const item = v as { instancePath?: string; message?: string; params?: Record<string, unknown> };
      const extra = item.params?.additionalProperty ?? item.params?.missingProperty;
      const path = `${fe.validationContext ?? ''}${item.instancePath ?? ''}`;
      return { path: extra ? `${path}/${String(extra)}` : path, message: item.message ?? 'invalid' };
    });
    return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message: fe.message, details } } };
  }
  const code = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (code) {
    const app = new AppError(code, fe.message);
    return { status: app.statusCode, body: app.toBody() };
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: { code: 'VALIDATION_FAILED', message: fe.message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(error);
  // A dependency that is down (503) is an outage, warned about once by its connection; each
  // request it fails is an ordinary request line, without a stack.
  if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code }, body.error.message);
  void reply.status(status).send(body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
}
