// Whether dist/ holds a build of the current sources. Read on every CLI start, so it only stats
// files (about 250, a few milliseconds): the build stamp must be newer than every source file and
// folder (a folder's time moves when a file in it is added, removed or renamed).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The folders compiled into dist/, in the layout they keep there. */
export const SOURCE_FOLDERS = ['src', 'core', 'history', 'features', 'training', 'registry', 'models'];
/** The web console's sources (built by Vite into dist/web, not compiled module by module). */
export const CONSOLE_FOLDER = 'web';
/** Written last by the build, with the build's start time as its modification time. */
export const STAMP = '.build-stamp';

function newest(dir, best) {
  const info = statSync(dir);
  if (info.mtimeMs > best.mtimeMs) Object.assign(best, { mtimeMs: info.mtimeMs, path: dir });
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest(path, best);
    else if (/\.(ts|mjs|sql|json|css|html)$/.test(entry.name)) {
      const m = statSync(path).mtimeMs;
      if (m > best.mtimeMs) Object.assign(best, { mtimeMs: m, path });
    }
  }
  return best;
}

/**
 * `current`: run dist/. `missing`/`stale`: dist/ is absent or older than a source file (`file`
 * names the newest one). A checkout without sources (the container image) is always `current`.
 * @param {string} root the repository (or image) root
 * @returns {{ kind: 'current' } | { kind: 'missing' } | { kind: 'stale', file: string }}
 */
export function buildState(root) {
  const stamp = join(root, 'dist', STAMP);
  const sources = [...SOURCE_FOLDERS, CONSOLE_FOLDER].map((f) => join(root, f)).filter(existsSync);
  if (!existsSync(stamp)) return { kind: 'missing' };
  if (sources.length === 0) return { kind: 'current' };
  const built = statSync(stamp).mtimeMs;
  const best = { mtimeMs: -Infinity, path: '' };
  for (const dir of sources) newest(dir, best);
  return best.mtimeMs > built ? { kind: 'stale', file: relative(root, best.path) } : { kind: 'current' };
}
