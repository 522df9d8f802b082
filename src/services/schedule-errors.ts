/** Codes the schedules throw (src/services/schedule-service.ts). Status and retry: src/error-policy.ts. */
export type ScheduleErrorCode = 'SCHEDULE_NOT_FOUND';

declare module '../../core/errors.ts' {
  interface ErrorCodes extends Record<ScheduleErrorCode, true> {}
}
