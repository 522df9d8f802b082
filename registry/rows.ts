import type { AliasEvent, Artifact, ArtifactInfo, Lineage, ModelAlias, ModelVersion, Prediction, RegisteredModel, VersionStatus } from './types.ts';

/**
 * Row types mirror the columns of 0004_model_registry.sql (plus the joined `model` name and
 * aggregated `aliases` where a query adds them); one mapper per table turns a row into the domain type.
 */

export interface RegisteredModelRow {
  id: number;
  name: string;
  description: string;
  last_version: number;
  created_at: Date | string;
  updated_at: Date | string;
  /** Joined: [{alias, version}] */
  aliases: Array<{ alias: string; version: number }> | null;
}

export interface ModelVersionRow {
  id: number;
  model_id: number;
  model: string;
  version: number;
  status: VersionStatus;
  status_message: string | null;
  run_id: string;
  classes: string[];
  lineage: Lineage;
  metrics: Record<string, number>;
  evaluation: Record<string, unknown>;
  timings: Record<string, number>;
  created_at: Date | string;
  updated_at: Date | string;
  /** Joined: alias names pointing here. */
  aliases: string[] | null;
}

export interface ModelAliasRow {
  model_id: number;
  model: string;
  alias: string;
  version: number;
  updated_by: string;
  updated_at: Date | string;
}

export interface ModelAliasEventRow {
  id: number;
  model_id: number;
  model: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  at: Date | string;
}

export interface ModelArtifactRow {
  version_id: number;
  kind: string;
  name: string;
  content_type: string;
  body?: Uint8Array | null;
  doc?: unknown;
  has_body: boolean;
  sha256: string;
  size: number;
  created_at: Date | string;
}

export interface ModelPredictionRow {
  version_id: number;
  game_id: number;
  kickoff: Date | string;
  competition: string;
  home: string;
  away: string;
  probabilities: number[];
  outcome: string | null;
}

export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function toRegisteredModel(row: RegisteredModelRow): RegisteredModel {
  const aliases: Record<string, number> = {};
  for (const a of [...(row.aliases ?? [])].sort((x, y) => x.alias.localeCompare(y.alias))) aliases[a.alias] = Number(a.version);
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    lastVersion: Number(row.last_version),
    aliases,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toModelVersion(row: ModelVersionRow): ModelVersion {
  return {
    id: Number(row.id),
    model: row.model,
    version: Number(row.version),
    status: row.status,
    statusMessage: row.status_message,
    runId: row.run_id,
    classes: [...row.classes],
    lineage: row.lineage ?? {},
    metrics: row.metrics ?? {},
    evaluation: row.evaluation ?? {},
    timings: row.timings ?? {},
    aliases: [...(row.aliases ?? [])].sort(),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toModelAlias(row: ModelAliasRow): ModelAlias {
  return { model: row.model, alias: row.alias, version: Number(row.version), updatedBy: row.updated_by, updatedAt: iso(row.updated_at) };
}

export function toAliasEvent(row: ModelAliasEventRow): AliasEvent {
  return {
    id: Number(row.id),
    model: row.model,
    alias: row.alias,
    fromVersion: row.from_version === null ? null : Number(row.from_version),
    toVersion: row.to_version === null ? null : Number(row.to_version),
    actor: row.actor,
    at: iso(row.at),
  };
}

export function toArtifactInfo(row: ModelArtifactRow): ArtifactInfo {
  return {
    versionId: Number(row.version_id),
    kind: row.kind,
    name: row.name,
    contentType: row.content_type,
    sha256: row.sha256,
    size: Number(row.size),
    encoding: row.has_body ? 'bytes' : 'json',
    createdAt: iso(row.created_at),
  };
}

export function toArtifact(row: ModelArtifactRow): Artifact {
  const body = row.body ?? null;
  return {
    ...toArtifactInfo(row),
    // pg gives a Buffer, PGlite a Uint8Array: hand back a plain Uint8Array view either way.
    bytes: body === null ? null : new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    json: row.has_body ? null : row.doc,
  };
}

export function toPrediction(row: ModelPredictionRow): Prediction {
  return {
    gameId: Number(row.game_id),
    kickoff: iso(row.kickoff),
    competition: row.competition,
    home: row.home,
    away: row.away,
    probabilities: row.probabilities.map(Number),
    outcome: row.outcome,
  };
}
