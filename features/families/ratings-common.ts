import { DAY_MS, type ParamSpec } from './family.ts';

/** A team's slot in a rating family: values plus bookkeeping for new-season and new-team rules. */
export interface TeamSlot {
  /** Rating values (family-specific meaning). */
  v: number[];
  /** Season start year of the team's last game. */
  season: number;
  /** Kickoff (epoch ms) of the team's last game. */
  last: number;
  /** Competition of the team's last game. */
  comp: number;
  /** Games this family has learned from for the team. */
  n: number;
}

export type Slots = Record<string, TeamSlot>;

/**
 * Team ids by the competition of their last game, ascending, per Slots object: so the mean of a
 * competition reads its own teams instead of every team ever rated (which grew as leagues² ×
 * seasons over a long multi-league history). Kept beside the slots, not in them, because the
 * slots are the engine state that snapshots serialise; a clone or a restored snapshot is a new
 * object and gets its index rebuilt on first use. null: some key is not an array index, so the
 * slots' own key order is not ascending and only a full scan sums in the same order.
 */
const membersOf = new WeakMap<Slots, Map<number, number[]> | null>();

const isIndexKey = (id: number) => Number.isInteger(id) && id >= 0 && id < 2 ** 32 - 1;

function membersIndex(slots: Slots): Map<number, number[]> | null {
  let index = membersOf.get(slots);
  if (index !== undefined) return index;
  index = new Map();
  // for…in visits array-index keys in ascending order, so each list is built sorted.
  for (const key in slots) {
    const id = Number(key);
    if (!isIndexKey(id) || String(id) !== key) {
      index = null;
      break;
    }
    const comp = slots[key]!.comp;
    const list = index.get(comp);
    if (list) list.push(id);
    else index.set(comp, [id]);
  }
  membersOf.set(slots, index);
  return index;
}

function insertSorted(list: number[], id: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, id);
}

/** Keeps the index (if built) in step with a slot that is created or changes competition. */
function moveMember(slots: Slots, teamId: number, from: number | undefined, to: number): void {
  const index = membersOf.get(slots);
  if (!index) return;
  if (!isIndexKey(teamId)) {
    membersOf.set(slots, null);
    return;
  }
  if (from !== undefined) {
    const old = index.get(from);
    const at = old ? old.indexOf(teamId) : -1;
    if (at < 0) {
      // Out of step (cannot happen while slots change only through commitTeam): rebuild on next use.
      membersOf.delete(slots);
      return;
    }
    old!.splice(at, 1);
  }
  const list = index.get(to);
  if (list) insertSorted(list, teamId);
  else index.set(to, [teamId]);
}

/**
 * The mean of each rating value over the teams seen in `comp` within the last 400 days, or
 * null when there are none. Used to seat teams that are new to (or return to) a competition.
 * Sums the same slots in the same (ascending id) order as a scan of every slot would, so the
 * result is bit-identical to it; it only skips the teams last seen in other competitions.
 */
export function competitionMean(slots: Slots, comp: number, now: number, width: number): number[] | null {
  const sum = new Array<number>(width).fill(0);
  let count = 0;
  const add = (s: TeamSlot) => {
    if (s.comp !== comp || now - s.last > 400 * DAY_MS) return;
    for (let i = 0; i < width; i++) sum[i]! += s.v[i]!;
    count++;
  };
  const index = membersIndex(slots);
  if (index) for (const id of index.get(comp) ?? []) add(slots[id]!);
  else for (const key in slots) add(slots[key]!);
  return count === 0 ? null : sum.map((x) => x / count);
}

/**
 * Returns the team's rating values as they stand before game `g`, applying (without storing)
 * the new-team/returning-team prior and between-season regression. `commit` stores that view
 * back so `update` can move it; `emit` must not call it.
 */
export function viewTeam(
  slots: Slots,
  teamId: number,
  comp: number,
  season: number,
  kickoff: number,
  opts: {
    initial: readonly number[];
    /** Offsets added to the competition mean for a team new to (or back in) the competition. */
    newTeamOffset: readonly number[];
    returnAfterDays: number;
    /** Fraction pulled toward `regressTo` when the season changes. */
    regression: number;
    regressTo: readonly number[] | 'competition_mean';
  },
): number[] {
  const s = slots[teamId];
  const width = opts.initial.length;
  const isNew = !s || (opts.returnAfterDays > 0 && kickoff - s.last > opts.returnAfterDays * DAY_MS) || (s.comp !== comp && s.n > 0 && opts.returnAfterDays > 0);
  if (isNew) {
    const mean = competitionMean(slots, comp, kickoff, width);
    if (!mean) return [...opts.initial];
    return mean.map((m, i) => m + opts.newTeamOffset[i]!);
  }
  if (s.season !== season && opts.regression > 0) {
    const target = opts.regressTo === 'competition_mean' ? competitionMean(slots, comp, kickoff, width) ?? opts.initial : opts.regressTo;
    return s.v.map((x, i) => x + (target[i]! - x) * opts.regression);
  }
  return s.v;
}

export function commitTeam(slots: Slots, teamId: number, values: number[], comp: number, season: number, kickoff: number, learned: boolean): void {
  const s = slots[teamId];
  if (s) {
    if (s.comp !== comp) moveMember(slots, teamId, s.comp, comp);
    s.v = values;
    s.comp = comp;
    s.season = season;
    s.last = kickoff;
    if (learned) s.n++;
  } else {
    slots[teamId] = { v: values, comp, season, last: kickoff, n: learned ? 1 : 0 };
    moveMember(slots, teamId, undefined, comp);
  }
}

/**
 * Kalman mode of a rating family (off while processNoise is 0): a team's rating variance grows by
 * processNoise per day between its games (so the first games after a summer break or a promotion
 * move it most), and each side moves by its own gain, variance / (both variances + observation
 * noise), instead of the family's fixed rate.
 */
export const KALMAN_PARAMS = {
  processNoise: { type: 'number', default: 0, min: 0, max: 1, doc: 'Kalman mode when > 0: per-day growth of a team\'s rating variance between its games; each side then moves by variance / (both variances + observationNoise) instead of `rate`; 0 = the fixed `rate`' },
  observationNoise: { type: 'number', default: 1, min: 0.01, max: 100, doc: 'Kalman mode: variance of one observation' },
  maxVariance: { type: 'number', default: 1, min: 0.01, max: 100, doc: 'Kalman mode: a team\'s variance is capped here, and a new team starts at it' },
} as const satisfies Record<string, ParamSpec>;

export interface KalmanOptions {
  processNoise: number;
  observationNoise: number;
  maxVariance: number;
}

export function kalmanOptions(p: Readonly<Record<string, unknown>>): KalmanOptions {
  return { processNoise: p.processNoise as number, observationNoise: p.observationNoise as number, maxVariance: p.maxVariance as number };
}

/**
 * The home and away gains of one game in Kalman mode, and each side's variance after it (stored in
 * `variance`). Call before `commitTeam` moves the slots: a variance grows from the slot's last kickoff.
 */
export function kalmanStep(variance: Record<string, number>, teams: Slots, homeId: number, awayId: number, kickoff: number, o: KalmanOptions): [number, number] {
  const before = (teamId: number): number => {
    const slot = teams[teamId];
    const v = variance[teamId];
    if (!slot || v === undefined) return o.maxVariance;
    return Math.min(o.maxVariance, v + o.processNoise * Math.max(0, kickoff - slot.last) / DAY_MS);
  };
  const vh = before(homeId);
  const va = before(awayId);
  const kh = vh / (vh + va + o.observationNoise);
  const ka = va / (vh + va + o.observationNoise);
  variance[homeId] = vh * (1 - kh);
  variance[awayId] = va * (1 - ka);
  return [kh, ka];
}
