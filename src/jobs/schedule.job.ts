/**
 * The schedules queue's name and job payload: one job scheduler per step (src/services/schedule-service.ts).
 */
export const SCHEDULE_QUEUE = 'schedules';

export interface ScheduleJobData {
  /** The step to run (`fetch-odds`, `predict` ...). */
  step: string;
  /** The installing deployment's tag: a worker of another deployment refuses the job loudly. */
  deployment?: string;
}
