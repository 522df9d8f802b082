/**
 * One process per embedded database folder: PGlite keeps the database in memory and writes it back
 * to the folder, so two processes on one folder hold diverging copies and the last to close wins.
 * The holder records itself in `<folder>.lock` (pid, command, since when, and the address of its
 * database bridge once it offers one); a lock whose process is gone is taken over.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

export interface FolderHolder {
  pid: number;
  /** The holder's command line, e.g. `sharpline serve`. */
  command: string;
  /** When it took the folder (ISO 8601). */
  since: string;
  host: string;
  /** Kernel start time of the process (Linux), so a recycled pid is not mistaken for the holder. */
  processStart?: string;
  /** Where the holder serves its database to other processes (see db-bridge.ts), once it does. */
  bridge?: string;
}

export interface FolderLock {
  readonly holder: FolderHolder;
  /** Records the bridge address for other processes. */
  announce(bridge: string): void;
  /** Removes the lock file if it is still this process's. Idempotent. */
  release(): void;
}

/** A mutex held only while a stale lock is replaced; older than this, it was left by a crash. */
const TAKEOVER_STALE_MS = 10_000;

export function lockPathOf(folder: string): string {
  return join(dirname(folder), `${basename(folder)}.lock`);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks); undefined off Linux. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the recorded holder still runs. A holder on another host is assumed alive. */
export function holderAlive(holder: FolderHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStart(holder.pid);
  return holder.processStart === undefined || started === undefined || started === holder.processStart;
}

export function readHolder(path: string): FolderHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as FolderHolder;
    return Number.isInteger(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** `pid 123 (sharpline serve, since 2026-12-02T10:00:00.000Z)` */
export function describeHolder(holder: FolderHolder): string {
  return `pid ${holder.pid} (${holder.command}, since ${holder.since}${holder.host === hostname() ? '' : `, on ${holder.host}`})`;
}

function writeFile(path: string, text: string): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Replaces a lock left by a process that is gone; false when another process is doing it. */
function takeOver(path: string, seen: FolderHolder | undefined): boolean {
  const mutex = `${path}.takeover`;
  try {
    mkdirSync(mutex);
  } catch {
    try {
      if (Date.now() - statSync(mutex).mtimeMs > TAKEOVER_STALE_MS) rmdirSync(mutex);
    } catch {
      // Gone meanwhile: the next attempt sees the new state.
    }
    return false;
  }
  try {
    // Re-read under the mutex: only the lock that was judged stale is removed, never a fresh one.
    const now = readHolder(path);
    if (now?.pid === seen?.pid && now?.since === seen?.since && (!now || !holderAlive(now))) {
      // The socket of a holder that was killed stays behind; nobody listens on it any more.
      if (now?.bridge?.endsWith('.sock')) rmSync(now.bridge, { force: true });
      unlinkSync(path);
    }
  } catch {
    // Already removed.
  } finally {
    rmdirSync(mutex);
  }
  return true;
}

/**
 * Takes the folder's lock, or names the live process holding it. The lock file appears complete or
 * not at all (written aside, then hard-linked into place, which fails when it exists).
 */
export function tryLockFolder(folder: string, command: string): { lock: FolderLock } | { holder: FolderHolder } {
  const path = lockPathOf(folder);
  mkdirSync(dirname(path), { recursive: true });
  const me: FolderHolder = { pid: process.pid, command, since: new Date().toISOString(), host: hostname(), processStart: processStart(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    const draft = `${path}.${process.pid}.tmp`;
    writeFile(draft, JSON.stringify(me));
    try {
      linkSync(draft, path);
      return { lock: heldLock(path, me) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
    const holder = readHolder(path);
    if (holder && holderAlive(holder)) return { holder };
    // Dead holder, or a file that is not a lock: replace it (a partial one cannot exist, see above).
    if (!takeOver(path, holder)) break;
  }
  const holder = readHolder(path);
  return { holder: holder ?? { ...me, pid: -1, command: 'another process replacing a stale lock' } };
}

function heldLock(path: string, holder: FolderHolder): FolderLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readHolder(path)?.pid === holder.pid) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  // A process that exits without closing its database (an uncaught error) still frees the folder.
  process.on('exit', release);
  return {
    holder,
    announce(bridge) {
      const draft = `${path}.${process.pid}.tmp`;
      writeFile(draft, JSON.stringify({ ...holder, bridge }));
      renameSync(draft, path);
    },
    release,
  };
}
