import { defineConfig } from 'vitest/config';

/**
 * What runs against PostgreSQL: the store suites (again, after the default project's SQLite run)
 * and the tests of a host on PostgreSQL (`*.postgres.test.ts`, only here).
 */
const POSTGRES_ONLY = '**/*.postgres.test.ts';
const POSTGRES_STORE_SUITES = [
  POSTGRES_ONLY,
  'host/src/store/plugins.test.ts', 'host/src/store/kv.test.ts', 'host/src/store/audit.test.ts', 'host/src/store/api-keys.test.ts',
  'host/src/store/executions.test.ts', 'host/src/store/steps.test.ts', 'host/src/store/execution-events.test.ts', 'host/src/store/usage.test.ts', 'host/src/store/budgets.test.ts', 'host/src/store/usage-report.test.ts',
  'host/src/store/model-cache.test.ts', 'host/src/store/retention.test.ts',
  'test/storage/service.test.ts', 'test/storage/expiry.test.ts', 'host/src/models/state/state.test.ts',
  'registry/src/store/store.test.ts', 'registry/src/store/concurrency.test.ts'];

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '.node/**', 'data/**'],
    // Test files run in child processes; isolated-vm needs this flag in every process
    // that creates isolates (the host's sandbox workers get it from the supervisor).
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    maxWorkers: 2,
    // Under CI a JSON report as well, from which .ci/run prints the plain 'N passed, N failed' line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-tmp/report.json' }]] : ['default'],
    // Budgets of the harness, never what a test checks: a process-spawning test (npm, a child
    // host, a registry) takes several times longer on a slow machine with its CPU shared.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'default', include: ['**/*.test.ts'], exclude: ['**/node_modules/**', '.node/**', 'data/**', POSTGRES_ONLY] } },
      // The same store suites against PostgreSQL, on a server its global setup starts.
      { extends: true, test: { name: 'store-postgres', include: POSTGRES_STORE_SUITES, provide: { storeKind: 'postgres' }, globalSetup: ['test/helpers/postgres-setup.ts'] } },
    ],
  },
});
