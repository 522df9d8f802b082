import { readFileSync } from 'node:fs';

/**
 * Loads a `.sql` file that sits beside a store module. The first line is a header
 * comment saying what the statement does and its parameters; the text is read once
 * per call site (callers keep the result in a module-level constant, which is immutable).
 */
export function loadSql(fromModuleUrl: string, relativePath: string): string {
  return readFileSync(new URL(relativePath, fromModuleUrl), 'utf8');
}
