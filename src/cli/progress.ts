import cliProgress from 'cli-progress';
import type { Config } from '../config.ts';

/**
 * How long steps show themselves on stderr (SHARPLINE_PROGRESS): `auto` draws bars on a terminal and
 * writes plain periodic lines elsewhere (logs, CI, pipes); `bars` and `lines` force one of them.
 */
export type ProgressMode = Config['progress'];

export interface Progress {
  /** Moves to `done` of the total (absolute, not a delta), with an optional note (a file name). */
  update(done: number, note?: string): void;
  /** Adds `n` to the position. */
  tick(n?: number, note?: string): void;
  /** Ends the step; `note` is its outcome (`37430 games`). */
  done(note?: string): void;
}

/** Plain lines start only for steps longer than this, so quick commands print nothing. */
const QUIET_MS = 2000;
/** A plain line at most this often. */
const LINE_EVERY_MS = 5000;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A bar on a terminal (cli-progress: position, percentage, elapsed time, ETA). */
function bar(label: string, total: number): Progress {
  const b = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% {value}/{total} {note} | {duration_formatted}, eta {eta_formatted}`,
      barCompleteChar: '#',
      barIncompleteChar: '.',
      barsize: 30,
      hideCursor: false,
      clearOnComplete: false,
      etaBuffer: 50,
      // PGlite and the feature engine keep the event loop busy for seconds at a time: redraw on
      // every update instead of waiting for a timer that cannot fire meanwhile.
      synchronousUpdate: true,
      fps: 5,
      // Asked for bars without a terminal (SHARPLINE_PROGRESS=bars): one drawn line a second.
      noTTYOutput: true,
      notTTYSchedule: 1000,
    },
    cliProgress.Presets.legacy,
  );
  let value = 0;
  b.start(Math.max(total, 1), 0, { note: '' });
  return {
    update(done, note) {
      value = done;
      b.update(done, { note: note ?? '' });
    },
    tick(n = 1, note) {
      this.update(value + n, note);
    },
    done(note) {
      b.update(Math.max(value, total), { note: note ?? '' });
      b.stop();
    },
  };
}

/**
 * Periodic lines for logs: the first after QUIET_MS, then every LINE_EVERY_MS (on updates, and from
 * a timer while one long statement runs without any), and one at the end of a step that printed.
 */
function lines(label: string, total: number): Progress {
  const started = Date.now();
  let next = started + QUIET_MS;
  let value = 0;
  let note: string | undefined;
  let printed = false;
  const emit = () => {
    const now = Date.now();
    if (now < next) return;
    next = now + LINE_EVERY_MS;
    printed = true;
    const pct = total > 1 ? ` (${Math.floor((100 * value) / total)}%)` : '';
    const position = total > 1 ? `${value}/${total}${pct}` : 'running';
    process.stderr.write(`${label}: ${position}${note ? ` ${note}` : ''}, ${seconds(now - started)}\n`);
  };
  const timer = setInterval(emit, 1000);
  timer.unref();
  return {
    update(done, n) {
      value = done;
      note = n;
      emit();
    },
    tick(n = 1, text) {
      this.update(value + n, text);
    },
    done(outcome) {
      clearInterval(timer);
      const elapsed = Date.now() - started;
      if (printed || elapsed >= QUIET_MS) process.stderr.write(`${label}: done${outcome ? `, ${outcome}` : ''} in ${seconds(elapsed)}\n`);
    },
  };
}

const silent: Progress = { update() {}, tick() {}, done() {} };

/** A progress display for one step of `total` units on stderr (stdout stays for data). */
export function createProgress(label: string, total: number, mode: ProgressMode = 'auto'): Progress {
  if (mode === 'off') return silent;
  return mode === 'bars' || (mode === 'auto' && process.stderr.isTTY) ? bar(label, total) : lines(label, total);
}

/** One display per phase of a step with phases (read, parse, write): a new phase ends the last one. */
export function createPhasedProgress<P extends string>(labels: Record<P, string>, mode: ProgressMode, worthShowing: (phase: P, total: number) => boolean = () => true) {
  let phase: P | undefined;
  let shown: Progress | undefined;
  return {
    update(next: P, done: number, total: number, note?: string): void {
      if (next !== phase) {
        shown?.done();
        phase = next;
        shown = worthShowing(next, total) ? createProgress(labels[next], total, mode) : undefined;
      }
      shown?.update(done, note);
    },
    done(): void {
      shown?.done();
      shown = undefined;
      phase = undefined;
    },
  };
}
