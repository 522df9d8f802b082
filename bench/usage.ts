import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `--help` / `-h` for a bench script: prints the script's header comment (its usage) and exits 0.
 * Without it a help flag the script did not know ran the whole benchmark against the default database.
 */
export function exitOnHelp(moduleUrl: string, argv: readonly string[] = process.argv): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  process.stdout.write(`${usageOf(readFileSync(fileURLToPath(moduleUrl), 'utf8'))}\n`);
  process.exit(0);
}

/** The first block comment of a source file, without its `/**`, `*` and `*\/` markers. */
export function usageOf(source: string): string {
  const start = source.indexOf('/**');
  const end = source.indexOf('*/', start);
  if (start < 0 || end < 0) return '';
  return source.slice(start + 3, end).replace(/^ \* ?/gm, '').replace(/^ \*$/gm, '').trim();
}
