/**
 * Domain types of the model registry. Timestamps are ISO-8601 strings so every value can go
 * straight to JSON (HTTP bodies, `--json` output) without a second mapping.
 */

export type VersionStatus = 'PENDING' | 'READY' | 'FAILED';

export const VERSION_STATUSES: readonly VersionStatus[] = ['PENDING', 'READY', 'FAILED'];

/** A half-open or closed date window, ISO dates (`2019-07-01`). */
export interface DateWindow {
  from: string;
  to: string;
}

/** Where a version came from: enough to rebuild it. Any field may be null when unknown; extra keys are kept. */
export interface Lineage {
  featureSet?: { name: string; hash: string } | null;
  trainWindow?: DateWindow | null;
  testWindow?: DateWindow | null;
  datasetHash?: string | null;
  algorithm?: string | null;
  params?: Record<string, unknown> | null;
  seed?: number | null;
  /** Git commit when known. */
  codeVersion?: string | null;
  /** Who launched the run (user, service, job id). */
  createdBy?: string | null;
  [key: string]: unknown;
}

export interface RegisteredModel {
  id: number;
  name: string;
  description: string;
  /** Highest version number allocated so far (0 when none). */
  lastVersion: number;
  /** alias -> version number. */
  aliases: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export interface ModelVersion {
  /** Internal id; artifacts and predictions hang off it. */
  id: number;
  model: string;
  version: number;
  status: VersionStatus;
  statusMessage: string | null;
  runId: string;
  /** Output classes in probability order, e.g. ['home', 'draw', 'away']. */
  classes: string[];
  lineage: Lineage;
  metrics: Record<string, number>;
  evaluation: Record<string, unknown>;
  /** Milliseconds per phase. */
  timings: Record<string, number>;
  /** Aliases currently pointing at this version. */
  aliases: string[];
  createdAt: string;
  updatedAt: string;
}

export interface ModelAlias {
  model: string;
  alias: string;
  version: number;
  updatedBy: string;
  updatedAt: string;
}

/** One alias move. `fromVersion` null: the alias was created; `toVersion` null: it was removed. */
export interface AliasEvent {
  id: number;
  model: string;
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  at: string;
}

export interface ArtifactInfo {
  versionId: number;
  kind: string;
  name: string;
  contentType: string;
  sha256: string;
  /** Bytes of the body, or of the JSON text as written. */
  size: number;
  /** 'bytes' when stored as bytea, 'json' when stored as jsonb. */
  encoding: 'bytes' | 'json';
  createdAt: string;
}

export interface Artifact extends ArtifactInfo {
  /** Exactly the bytes written (encoding 'bytes'). */
  bytes: Uint8Array | null;
  /** The JSON value written (encoding 'json'); key order may differ (jsonb). */
  json: unknown;
}

/** What `putArtifact` takes: binary `bytes` or a JSON value `json`, never both. */
export interface ArtifactInput {
  kind: string;
  /** Part within the kind; default 'main'. */
  name?: string;
  /** Default 'application/octet-stream' for bytes, 'application/json' for json. */
  contentType?: string;
  bytes?: Uint8Array;
  json?: unknown;
}

/** One out-of-sample test prediction. */
export interface Prediction {
  gameId: number;
  /** ISO timestamp (UTC). */
  kickoff: string;
  competition: string;
  home: string;
  away: string;
  /** One per class, in the version's `classes` order. */
  probabilities: number[];
  /** Observed class name, null when unknown. */
  outcome: string | null;
}

export interface PredictionInput extends Omit<Prediction, 'kickoff'> {
  kickoff: string | Date;
}

export interface CreateVersionInput {
  model: string;
  runId: string;
  classes: readonly string[];
  lineage?: Lineage;
  /** Used only when the model is created by this call. */
  description?: string;
}

export interface CreateVersionResult {
  version: ModelVersion;
  /** False when a version with the same run id already existed (it is returned as it was, or reopened). */
  created: boolean;
  /** True when an existing FAILED version of this run was reopened (back to PENDING, emptied). */
  reopened: boolean;
}

export interface ReadyInput {
  metrics?: Record<string, number>;
  evaluation?: Record<string, unknown>;
  timings?: Record<string, number>;
}

/** A version by number, or by alias name (string). `'latest'` is the highest READY version. */
export type VersionRef = number | string;

export interface SetAliasResult {
  alias: ModelAlias;
  previousVersion: number | null;
  /** False when the alias already pointed at that version (no audit row written). */
  changed: boolean;
}
