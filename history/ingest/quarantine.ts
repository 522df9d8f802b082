/** How a parsed row goes to quarantine: whole, or only its bad values. */
import type { Reject, RejectReason } from './types.ts';

/** One value of a row that failed validation on its own (a price, a handicap line). */
export interface BadValue {
  /** The source column. */
  field: string;
  reason: RejectReason;
}

/**
 * Quarantines a parsed row. With row-level `reasons` the whole row goes (its bad values' reasons
 * added) and true is returned; otherwise each bad value is quarantined alone — file, line, raw
 * row, reason and column — and the row imports without it (false).
 */
export function quarantine(rejects: Reject[], file: string, rec: { line: number; raw: string }, reasons: Set<RejectReason>, bad: readonly BadValue[]): boolean {
  if (reasons.size) {
    for (const b of bad) reasons.add(b.reason);
    rejects.push({ file, line: rec.line, raw: rec.raw, reasons: [...reasons] });
    return true;
  }
  for (const b of bad) rejects.push({ file, line: rec.line, raw: rec.raw, reasons: [b.reason], field: b.field });
  return false;
}
