import { parseTrainingSpec, runIdOf, trainAndRegister } from '../../training/index.ts';
import { setAlias } from '../../registry/index.ts';
import type { TestDb } from '../support/services.ts';

/** Trains a version from a spec and points `champion` at it. */
export async function trainChampion(db: TestDb['db'], spec: Record<string, unknown>): Promise<number> {
  const parsed = parseTrainingSpec(spec);
  const outcome = await trainAndRegister({ db }, runIdOf(parsed), parsed);
  await setAlias(db, parsed.model, 'champion', outcome.version, 'test');
  return outcome.version;
}

/** A prediction item with its explanation, as the predict route answers it. */
export interface Explained {
  probabilities: Record<string, number>;
  features: Record<string, number>;
  explanation: {
    engine: string;
    outputSpace: string;
    background: { rows: number; summary: boolean; storedRows: number; source: string };
    grouping: { by: string; threshold?: number; groups: Array<{ name: string; features: string[] }> };
    classes: Record<string, { baseValue: number; prediction: number; residual: number; features: Array<{ name: string; value: unknown; shap: number }> }>;
  };
}
