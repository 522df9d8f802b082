import type { ReliabilityBin } from './types.ts';

/**
 * Wilson score interval for an observed frequency: the confidence band of a reliability bin
 * (well behaved for small counts and frequencies near 0 or 1, unlike p ± z·se).
 */
export function wilson(frequency: number, count: number, z = 1.96): { lower: number; upper: number } {
  if (count <= 0) return { lower: 0, upper: 1 };
  const z2 = z * z;
  const centre = (frequency + z2 / (2 * count)) / (1 + z2 / count);
  const half = (z * Math.sqrt((frequency * (1 - frequency)) / count + z2 / (4 * count * count))) / (1 + z2 / count);
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export interface ReliabilityPoint {
  series: string;
  predicted: number;
  observed: number;
  count: number;
  lower: number;
  upper: number;
}

/** Non-empty bins as points with their 95 % band. */
export function reliabilityPoints(series: string, bins: ReliabilityBin[]): ReliabilityPoint[] {
  return bins
    .filter((b) => b.count > 0 && b.meanPredicted !== null && b.observedFrequency !== null)
    .map((b) => ({ series, predicted: b.meanPredicted!, observed: b.observedFrequency!, count: b.count, ...wilson(b.observedFrequency!, b.count) }));
}
