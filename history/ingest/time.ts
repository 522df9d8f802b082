/**
 * Calendar helpers for importers: local wall-clock times in a named zone to UTC (DST-correct
 * via Intl, no tz package), and date parsing for the formats the sources use.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

const hourOffsets = new Map<string, number>();
const dayOffsets = new Map<string, number>();

/**
 * Offset (ms) of `zone` from UTC at the UTC instant `utcMs`. Cached per UTC day when the offset
 * is the same at the day's start and at the next day's (the zones the importers use change
 * offset at most once a day), else per UTC hour (they change only on whole UTC hours).
 */
function zoneOffset(zone: string, utcMs: number): number {
  const day = Math.floor(utcMs / 86_400_000);
  const dayKey = `${zone}|${day}`;
  let offset = dayOffsets.get(dayKey);
  if (offset !== undefined) return offset;
  if (!hourOffsets.has(`${zone}|d${day}`)) {
    const start = startOffset(zone, day);
    if (start === startOffset(zone, day + 1)) {
      if (dayOffsets.size > 100_000) dayOffsets.clear();
      dayOffsets.set(dayKey, start);
      return start;
    }
    // A switch on this UTC day: its hours are looked up one by one.
    hourOffsets.set(`${zone}|d${day}`, 0);
  }
  const key = `${zone}|${Math.floor(utcMs / 3_600_000)}`;
  offset = hourOffsets.get(key);
  if (offset === undefined) {
    offset = computeOffset(zone, utcMs);
    if (hourOffsets.size > 500_000) hourOffsets.clear();
    hourOffsets.set(key, offset);
  }
  return offset;
}

const startOffsets = new Map<string, number>();

/** The offset at 00:00 UTC of a UTC day (days since the epoch). */
function startOffset(zone: string, day: number): number {
  const key = `${zone}|${day}`;
  let offset = startOffsets.get(key);
  if (offset === undefined) {
    offset = computeOffset(zone, day * 86_400_000);
    if (startOffsets.size > 100_000) startOffsets.clear();
    startOffsets.set(key, offset);
  }
  return offset;
}

function computeOffset(zone: string, utcMs: number): number {
  // en-US with h23 formats as "MM/DD/YYYY, HH:MM:SS" (years 1000-9999): read by position, not formatToParts.
  const text = formatter(zone).format(new Date(utcMs));
  const m = /^(\d{2})\/(\d{2})\/(\d{4}), (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) {
    const parts = formatter(zone).formatToParts(new Date(utcMs));
    const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(utcMs / 1000) * 1000;
  }
  const asUtc = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The UTC instant of wall-clock `date` (YYYY-MM-DD) `hh:mm` in `zone`. In the autumn overlap
 * the first (summer-time) instant is chosen; a time inside the spring gap moves forward.
 */
export function zonedToUtc(date: string, time: string, zone: string): Date {
  const key = `${zone}|${date}|${time}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return new Date(hit);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // The offsets twelve hours either side bracket any DST switch on that day.
  const before = wall - zoneOffset(zone, wall - 43_200_000);
  const after = wall - zoneOffset(zone, wall + 43_200_000);
  const valid = [before, after].filter((c) => c + zoneOffset(zone, c) === wall);
  const utc = valid.length ? Math.min(...valid) : before;
  if (offsetCache.size > 200_000) offsetCache.clear();
  offsetCache.set(key, utc);
  return new Date(utc);
}

function validYmd(y: number, m: number, d: number): string | null {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return null;
  if (y < 1850 || y > 2100 || m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** `dd/mm/yy` or `dd/mm/yyyy` (football-data) to YYYY-MM-DD; two-digit years are 19xx from 50. */
export function parseDmy(text: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(text.trim());
  if (!m) return null;
  let y = Number(m[3]);
  if (m[3]!.length === 2) y += y >= 50 ? 1900 : 2000;
  return validYmd(y, Number(m[2]), Number(m[1]));
}

/** `M/D/YY` or `M/D/YYYY` (Excel re-saves, spreadspoke) to YYYY-MM-DD. */
export function parseMdy(text: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(text.trim());
  if (!m) return null;
  let y = Number(m[3]);
  if (m[3]!.length === 2) y += y >= 50 ? 1900 : 2000;
  return validYmd(y, Number(m[1]), Number(m[2]));
}

/** `YYYY-MM-DD` validated. */
export function parseIsoDate(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return null;
  return validYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** ISO or M/D/YY(YY), whichever the text is. */
export function parseAnyDate(text: string): string | null {
  return text.includes('-') ? parseIsoDate(text) : parseMdy(text);
}

/** `HH:MM` (24h) or null. */
export function parseClock(text: string): string | null {
  const m = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  if (h > 23 || mi > 59) return null;
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

/** Days between two YYYY-MM-DD dates (b - a). */
export function dayDiff(a: string, b: string): number {
  return Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(date) + days * 86_400_000).toISOString().slice(0, 10);
}
