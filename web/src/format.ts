import { i18n } from './i18n.ts';

/** Numbers and dates in the page's language (Intl), so a Spanish reader sees 1.234,5 and 2 dic 2026. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat(i18n.language, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

export function int(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 0 }).format(value);
}

export function pct(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat(i18n.language, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: 'exceptZero' }).format(value);
}

export function date(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' }).format(d);
}

export function dateTime(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A cadence in the largest whole unit (150 ms, 15 min, 6 h, 1 day), in the page's language. */
export function duration(ms: number): string {
  const units: Array<[Intl.NumberFormatOptions['unit'], number]> = [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000], ['second', 1000]];
  for (const [unit, size] of units) {
    if (ms >= size && ms % size === 0) return new Intl.NumberFormat(i18n.language, { style: 'unit', unit, unitDisplay: 'long' }).format(ms / size);
  }
  return new Intl.NumberFormat(i18n.language, { style: 'unit', unit: 'millisecond', unitDisplay: 'short' }).format(ms);
}
