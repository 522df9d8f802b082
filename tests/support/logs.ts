import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../core/logger.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose JSON lines are kept in memory, for tests that assert on what is logged. */
export function createCapturingLogger(level: 'info' | 'debug' | 'warn' = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level, base: { name: 'test' } }, stream), lines };
}

export const WARN = 40;
export const ERROR = 50;
