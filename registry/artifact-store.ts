import { createHash } from 'node:crypto';
import { type Db, AppError } from '../core/index.ts';
import { ARTIFACT_KIND_PATTERN } from './names.ts';
import { SQL } from './queries.ts';
import { toArtifact, toArtifactInfo, type ModelArtifactRow } from './rows.ts';
import type { Artifact, ArtifactInfo, ArtifactInput, VersionStatus } from './types.ts';

/**
 * Loads a version's status under a share lock so a concurrent markReady/markFailed waits for this
 * write (or this write sees the new status). Throws MODEL_VERSION_NOT_FOUND.
 */
export async function lockVersionForWrite(tx: Db, versionId: number): Promise<{ status: VersionStatus; classes: string[] }> {
  const { rows } = await tx.query<{ status: VersionStatus; classes: string[] }>(SQL.selectVersionStatus, [versionId]);
  if (!rows[0]) throw new AppError('MODEL_VERSION_NOT_FOUND', `no model version with id ${versionId}`, { details: { versionId } });
  return { status: rows[0].status, classes: rows[0].classes };
}

/**
 * Stores one artifact of a version. While the version is PENDING a same kind/name is replaced
 * (a retried job rewrites its outputs); once READY, new kinds/names may still be added (e.g. SHAP
 * importance computed later) but existing ones are immutable. `sha256` and `size` are of the bytes,
 * or of `JSON.stringify(json)` for JSON artifacts.
 * Throws VALIDATION_FAILED (bad kind/name, neither or both of bytes/json), MODEL_VERSION_NOT_FOUND,
 * CONFLICT (FAILED version, or replacing an artifact of a READY version).
 */
export async function putArtifact(db: Db, versionId: number, input: ArtifactInput): Promise<ArtifactInfo> {
  const name = input.name ?? 'main';
  if (!ARTIFACT_KIND_PATTERN.test(input.kind)) {
    throw new AppError('VALIDATION_FAILED', `artifact kind ${JSON.stringify(input.kind)} must match ${ARTIFACT_KIND_PATTERN.source}`, { details: { kind: input.kind } });
  }
  if (name.length < 1 || name.length > 200) throw new AppError('VALIDATION_FAILED', 'artifact name must be 1..200 characters', { details: { name } });
  const hasBytes = input.bytes !== undefined;
  const hasJson = input.json !== undefined;
  if (hasBytes === hasJson) throw new AppError('VALIDATION_FAILED', 'an artifact has exactly one of bytes or json', { details: { kind: input.kind, name } });
  const text = hasJson ? JSON.stringify(input.json) : null;
  const payload = hasBytes ? Buffer.from(input.bytes!.buffer, input.bytes!.byteOffset, input.bytes!.byteLength) : Buffer.from(text!, 'utf8');
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const contentType = input.contentType ?? (hasBytes ? 'application/octet-stream' : 'application/json');
  const params = [versionId, input.kind, name, contentType, hasBytes ? payload : null, text, sha256, payload.byteLength];

  return db.transaction(async (tx) => {
    const { status } = await lockVersionForWrite(tx, versionId);
    if (status === 'FAILED') {
      throw new AppError('CONFLICT', `model version ${versionId} is FAILED; artifacts cannot be added`, { details: { versionId, status } });
    }
    if (status === 'PENDING') {
      await tx.query(SQL.upsertArtifact, params);
    } else {
      const { rowCount } = await tx.query(SQL.insertArtifact, params);
      if (rowCount === 0) {
        throw new AppError('CONFLICT', `artifact ${input.kind}/${name} of READY version ${versionId} exists and is immutable`, {
          details: { versionId, kind: input.kind, name },
        });
      }
    }
    const { rows } = await tx.query<ModelArtifactRow>(SQL.selectArtifact, [versionId, input.kind, name]);
    return toArtifactInfo(rows[0]!);
  });
}

/** One artifact with its content. Throws NOT_FOUND. */
export async function getArtifact(db: Db, versionId: number, kind: string, name = 'main'): Promise<Artifact> {
  const { rows } = await db.query<ModelArtifactRow>(SQL.selectArtifact, [versionId, kind, name]);
  if (!rows[0]) {
    throw new AppError('NOT_FOUND', `model version ${versionId} has no artifact ${kind}/${name}`, { details: { versionId, kind, name } });
  }
  return toArtifact(rows[0]);
}

/** A version's artifacts (metadata only), by kind and name. */
export async function listArtifacts(db: Db, versionId: number): Promise<ArtifactInfo[]> {
  const { rows } = await db.query<ModelArtifactRow>(SQL.selectArtifacts, [versionId]);
  return rows.map(toArtifactInfo);
}
