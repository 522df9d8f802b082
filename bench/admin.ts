import pg from 'pg';

/**
 * One statement on its own short-lived connection, for the benches' schema set-up and clean-up
 * (CREATE/DROP SCHEMA): outside the pool the bench measures, so it never holds one of its clients.
 */
export async function runAdminSql(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
