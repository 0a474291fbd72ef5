/**
 * vitest global setup of the `store-postgres` project: one PostgreSQL server for the run
 * (scripts/embedded-postgres.ts) and a template database with the store's schema, which each
 * test copies (host/src/store/test-store.ts). Stopped and removed at the end.
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres.ts';
import { openPgDatabase } from '../../host/src/store/postgres/database.ts';

const TEMPLATE = 'easel_template';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startEmbeddedPostgres();
  try {
    const template = await openPgDatabase(await server.createDatabase(TEMPLATE));
    await template.close();
  } catch (error) {
    await server.stop();
    throw error;
  }
  project.provide('postgresUrl', server.url);
  project.provide('postgresTemplate', TEMPLATE);
  return () => server.stop();
}
