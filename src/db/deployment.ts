import type { Db } from '../../core/index.ts';

/**
 * This deployment's tag: 12 hex characters of md5(deployment id, database name, schema). The id is
 * drawn once, by migration 0008, so every process on one database and schema agrees on the tag
 * however it spells its connection URL, and two databases (or two schemas of one) never do.
 * Undefined while migration 0008 is pending.
 */
export async function readDeploymentTag(db: Db): Promise<string | undefined> {
  const { rows: present } = await db.query<{ present: boolean }>(`SELECT to_regclass('deployment') IS NOT NULL AS present`);
  if (!present[0]?.present) return undefined;
  const { rows } = await db.query<{ tag: string }>(
    `SELECT left(md5(d.id || '/' || current_database() || '/' || current_schema()), 12) AS tag FROM deployment d`,
  );
  return rows[0]?.tag;
}
