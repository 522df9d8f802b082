import { DAY_MS } from './family.ts';

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
 * The mean of each rating value over the teams seen in `comp` within the last 400 days, or
 * null when there are none. Used to seat teams that are new to (or return to) a competition.
 */
export function competitionMean(slots: Slots, comp: number, now: number, width: number): number[] | null {
  const sum = new Array<number>(width).fill(0);
  let count = 0;
  for (const key in slots) {
    const s = slots[key]!;
    if (s.comp !== comp || now - s.last > 400 * DAY_MS) continue;
    for (let i = 0; i < width; i++) sum[i]! += s.v[i]!;
    count++;
  }
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
    s.v = values;
    s.comp = comp;
    s.season = season;
    s.last = kickoff;
    if (learned) s.n++;
  } else {
    slots[teamId] = { v: values, comp, season, last: kickoff, n: learned ? 1 : 0 };
  }
}
