import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The README's walkthroughs, as tests/docs/walkthroughs.test.ts and tests/docs/walkthrough-fortnight.test.ts
 * run them: every ```sh block preceded by `<!-- walkthrough: NAME -->`, in order, in one bash session
 * per walkthrough, from the repo root. (Two files so the replayed fortnight, which reads no shared
 * data, runs beside the real-data ones and is not rerun by tests/docs/no-data.test.ts.)
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's walkthroughs by name, each the list of its ```sh blocks. */
export function walkthroughs(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const m of README.matchAll(/<!-- walkthrough: ([a-z-]+) -->\s*\n```sh\n([\s\S]*?)```/g)) {
    const list = found.get(m[1]!) ?? [];
    list.push(m[2]!);
    found.set(m[1]!, list);
  }
  return found;
}

/** A step of a walkthrough: the commands since the previous step, and what their stdout must match. */
export interface Step {
  commands: string;
  /** Extended regular expressions (`grep -E`), from the `# expect: …` lines under the commands. */
  expect: string[];
}

const EXPECT = /^#\s*expect:\s?(.*)$/;

/** Splits blocks into steps: each step ends with its `# expect:` lines. */
export function stepsOf(blocks: readonly string[]): Step[] {
  const steps: Step[] = [];
  for (const block of blocks) {
    let commands: string[] = [];
    let expect: string[] = [];
    for (const line of block.split('\n')) {
      const m = EXPECT.exec(line.trim());
      if (m) {
        expect.push(m[1]!);
        continue;
      }
      if (expect.length > 0) {
        steps.push({ commands: commands.join('\n'), expect });
        commands = [];
        expect = [];
      }
      commands.push(line);
    }
    if (commands.some((l) => l.trim() !== '') || expect.length > 0) steps.push({ commands: commands.join('\n'), expect });
  }
  return steps;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * The bash script of a walkthrough: each step runs in the session itself (variables and a
 * backgrounded server carry over), its stdout is kept and printed, and each of its expectations
 * must match it, or the script stops naming the step and the expectation.
 */
export function scriptOf(steps: readonly Step[], outDir: string): string {
  const lines = ['set -euo pipefail'];
  steps.forEach((step, i) => {
    const out = quote(join(outDir, `step-${i + 1}.out`));
    const first = step.commands.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'))?.trim() ?? '';
    lines.push(`{\n${step.commands}\n} > ${out}`, `cat ${out}`);
    for (const pattern of step.expect) {
      const reason = quote(`walkthrough step ${i + 1} (${first.slice(0, 120)}): output does not match /${pattern}/`);
      lines.push(`grep -Eq -- ${quote(pattern)} ${out} || { echo ${reason} >&2; exit 1; }`);
    }
  });
  return lines.join('\n');
}

/**
 * `npx sharpline` without npx's start-up cost: writes `dir/npx`, a wrapper that execs the CLI, so `$!`
 * of a backgrounded `npx sharpline serve &` is the server itself. Everything else runs as written.
 * Returns the folder to put first on PATH.
 */
export function npxWrapper(dir: string): string {
  const realNpx = spawnSync('bash', ['-c', 'command -v npx'], { encoding: 'utf8' }).stdout.trim();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'npx'), `#!/usr/bin/env bash\nif [ "$1" = sharpline ]; then shift; exec node "${ROOT}bin/sharpline.mjs" "$@"; fi\nexec "${realNpx}" "$@"\n`, { mode: 0o755 });
  return dir;
}
