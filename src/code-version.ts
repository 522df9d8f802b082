import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json above this file (`src/`, or `dist/src/` when built). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * The commit of the running code, for the lineage of every version trained here: `SHARPLINE_CODE_VERSION`
 * (what a container build sets) when configured, else the HEAD of the git checkout the code runs from,
 * read from `.git` (a worktree's `gitdir:` file, loose refs, packed refs) without starting git. Null
 * outside a checkout. Found once by the composition root and handed to training.
 */
export function findCodeVersion(configured: string | undefined, root = packageRoot()): string | null {
  if (configured) return configured;
  try {
    let gitDir = join(root, '.git');
    if (!existsSync(gitDir)) return null;
    if (statSync(gitDir).isFile()) gitDir = resolve(root, readFileSync(gitDir, 'utf8').trim().replace(/^gitdir:\s*/, ''));
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const ref = head.replace(/^ref:\s*/, '');
    // A worktree keeps its HEAD; branches live in the common directory.
    const common = existsSync(join(gitDir, 'commondir')) ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, common]) {
      const loose = join(dir, ref);
      if (existsSync(loose)) return readFileSync(loose, 'utf8').trim() || null;
    }
    const packed = join(common, 'packed-refs');
    if (!existsSync(packed)) return null;
    const line = readFileSync(packed, 'utf8').split('\n').find((l) => l.endsWith(` ${ref}`));
    return line ? line.slice(0, line.indexOf(' ')) : null;
  } catch {
    return null;
  }
}
