/**
 * Builds the replayed fortnight's recording (The Odds API v4 responses) from the hand-written
 * games in games.json: every 12 hours of the clock one `/odds` answer (each upcoming game priced
 * from seven days before kickoff, by two bookmakers, each market's `last_update` its capture time
 * a few minutes before the window opens, prices moving from opening to closing) and one
 * `/scores` answer (games of the last three days, completed with their scores two hours after
 * kickoff). `npx tsx tests/e2e/fortnight/recording.ts` rewrites recording.json; a test checks
 * the committed file is what this builds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Recording, RecordedResponse } from '../../../history/index.ts';

export const FORTNIGHT_DIR = fileURLToPath(new URL('./', import.meta.url));
/** The key the recording answers to (the walkthrough stores it as the secret odds-api.key). */
export const REPLAY_ODDS_KEY = 'replay-odds-key';

export interface FortnightGame {
  id: string;
  kickoff: string;
  home: string;
  away: string;
  score: [number, number];
  /** Decimal home/draw/away prices seven days before kickoff, and at the close. */
  open: [number, number, number];
  close: [number, number, number];
}

export interface Fortnight {
  sportKey: string;
  from: string;
  until: string;
  games: FortnightGame[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const WINDOW_MS = 12 * HOUR;

export function loadFortnight(): Fortnight {
  return JSON.parse(readFileSync(`${FORTNIGHT_DIR}games.json`, 'utf8')) as Fortnight;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const round2 = (x: number) => Math.round(x * 100) / 100;

function event(sportKey: string, g: FortnightGame) {
  return { id: g.id, sport_key: sportKey, sport_title: 'Sharpline synthetic league', commence_time: g.kickoff, home_team: g.home, away_team: g.away };
}

/** A bookmaker's h2h prices at `at`: linear from open (7 days out) to close (kickoff); the second book a shade longer on the favourite's rival. */
function h2h(g: FortnightGame, at: number, book: number) {
  const k = Date.parse(g.kickoff);
  const f = Math.min(1, Math.max(0, (at - (k - 7 * DAY)) / (7 * DAY)));
  const p = g.open.map((o, i) => o + (g.close[i]! - o) * f).map((x) => round2(Math.max(1.01, x * (book === 0 ? 1 : 0.97))));
  return [{ name: g.home, price: p[0]! }, { name: g.away, price: p[2]! }, { name: 'Draw', price: p[1]! }];
}

export function buildRecording(f: Fortnight): Recording {
  const responses: RecordedResponse[] = [];
  const base = `/v4/sports/${f.sportKey}`;
  const from = Date.parse(f.from);
  const until = Date.parse(f.until);
  let used = 0;
  for (let t = from; t < until; t += WINDOW_MS) {
    const window = { from: iso(t), until: iso(t + WINDOW_MS) };
    const upcoming = f.games.filter((g) => Date.parse(g.kickoff) > t && Date.parse(g.kickoff) - 7 * DAY <= t).sort((a, b) => a.kickoff.localeCompare(b.kickoff) || a.id.localeCompare(b.id));
    const captured = t - 3 * 60_000;
    used += 3;
    const headers = { 'x-requests-remaining': String(10_000 - used), 'x-requests-used': String(used), 'x-requests-last': '3' };
    responses.push({
      path: `${base}/odds`, query: { apiKey: REPLAY_ODDS_KEY }, ...window, headers,
      body: upcoming.map((g) => ({
        ...event(f.sportKey, g),
        bookmakers: [['pinnacle', 'Pinnacle'], ['williamhill', 'William Hill']].map(([key, title], b) => ({
          key, title, last_update: iso(captured),
          markets: [{ key: 'h2h', last_update: iso(captured - b * 60_000), outcomes: h2h(g, captured, b) }],
        })),
      })),
    });
    const recent = f.games.filter((g) => Date.parse(g.kickoff) <= t && Date.parse(g.kickoff) > t - 3 * DAY).sort((a, b) => a.kickoff.localeCompare(b.kickoff) || a.id.localeCompare(b.id));
    used += 2;
    responses.push({
      path: `${base}/scores`, query: { apiKey: REPLAY_ODDS_KEY, daysFrom: '3' }, ...window,
      headers: { 'x-requests-remaining': String(10_000 - used), 'x-requests-used': String(used), 'x-requests-last': '2' },
      body: recent.map((g) => {
        const done = Date.parse(g.kickoff) + 2 * HOUR <= t;
        return { ...event(f.sportKey, g), completed: done, scores: done ? [{ name: g.home, score: String(g.score[0]) }, { name: g.away, score: String(g.score[1]) }] : null, last_update: done ? iso(Date.parse(g.kickoff) + 2 * HOUR) : null };
      }),
    });
  }
  return { responses };
}

/** The recording as committed: one response per line, so a diff shows which window changed. */
export function recordingText(r: Recording): string {
  return `{ "responses": [\n${r.responses.map((x) => `  ${JSON.stringify(x)}`).join(',\n')}\n] }\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(`${FORTNIGHT_DIR}recording.json`, recordingText(buildRecording(loadFortnight())));
  process.stdout.write(`wrote ${FORTNIGHT_DIR}recording.json\n`);
}
