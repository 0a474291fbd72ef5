/**
 * The deployment files the docs point to (deploy/): each parses, has the parts a cluster needs
 * (probes on /readyz and /healthz, a PodDisruptionBudget, selectors that match, a balancer in
 * front), and every EASEL_* setting in it is one the host knows, with values the host's own
 * config loader accepts. They are checked here, not run: this machine has no Docker or
 * Kubernetes (./run cluster and test/e2e/cluster.test.ts run the same setup as processes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../host/src/config/index.ts';

const REPO = resolve(import.meta.dirname, '../..');
const KNOWN = new Set(CONFIG_VARIABLES.map((v) => v.env));

function documents(file: string): any[] {
  const docs = parseAllDocuments(readFileSync(join(REPO, file), 'utf8'));
  for (const doc of docs) expect(doc.errors, `${file}: ${doc.errors.join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS());
}

/** The host accepts these settings (the loader throws a ConfigError naming every problem). */
function expectHostAccepts(env: Record<string, string>): void {
  for (const name of Object.keys(env).filter((n) => n.startsWith('EASEL_'))) expect(KNOWN, `${name} is not a setting the host knows`).toContain(name);
  const config = loadConfig(env);
  expect(config.store).toMatchObject({ kind: 'postgres', replicas: 'many' });
  expect(config.storage.backend).toBe('s3');
  // Replicas never install the first-party plugins themselves: each would think it the first start.
  expect(config.firstPartyPlugins).toBe(false);
}

test('deploy/kubernetes/easel.yaml: a Secret, a Deployment with probes, a Service and a PodDisruptionBudget that select its pods', () => {
  const docs = documents('deploy/kubernetes/easel.yaml');
  const byKind = new Map(docs.map((d) => [d.kind as string, d]));
  expect([...byKind.keys()].sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'Secret', 'Service']);
  for (const d of docs) expect(d).toMatchObject({ apiVersion: expect.any(String), metadata: { name: expect.any(String) } });
  const deployment = byKind.get('Deployment');
  const labels = deployment.spec.template.metadata.labels;
  expect(deployment.spec.selector.matchLabels).toEqual(labels);
  expect(deployment.spec.replicas).toBeGreaterThan(1);
  expect(byKind.get('Service').spec.selector).toEqual(labels);
  expect(byKind.get('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
  expect(byKind.get('PodDisruptionBudget').spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  const [container] = deployment.spec.template.spec.containers;
  expect(container.readinessProbe.httpGet.path).toBe('/readyz');
  expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  expect(container.envFrom[0].secretRef.name).toBe(byKind.get('Secret').metadata.name);
  const env = { ...byKind.get('Secret').stringData, ...Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value])) };
  expectHostAccepts({ ...env, EASEL_DATA_DIR: '/data', EASEL_HOST: '0.0.0.0', EASEL_PORT: String(container.ports[0].containerPort) });
});

test('deploy/compose/compose.yaml: PostgreSQL, an S3 store, replicas built from deploy/Dockerfile and a balancer in front of them', () => {
  const [compose] = documents('deploy/compose/compose.yaml');
  const { services } = compose;
  expect(Object.keys(services).sort()).toEqual(['balancer', 'easel', 'make-bucket', 'minio', 'postgres']);
  expect(services.easel.deploy.replicas).toBeGreaterThan(1);
  expect(existsSync(join(REPO, 'deploy/compose', services.easel.build.context, services.easel.build.dockerfile))).toBe(true);
  expectHostAccepts(services.easel.environment);
  // The URL's host names are services of this file.
  expect(Object.keys(services)).toContain(new URL(services.easel.environment.EASEL_DATABASE_URL).hostname);
  expect(Object.keys(services)).toContain(new URL(services.easel.environment.EASEL_S3_ENDPOINT).hostname);
  const conf = services.balancer.volumes[0].split(':')[0];
  const nginx = readFileSync(join(REPO, 'deploy/compose', conf), 'utf8');
  expect(nginx).toMatch(/server easel:8080;/);
  expect(nginx).toMatch(/proxy_buffering off;/);
});

test('deploy/Dockerfile: starts the host with --no-node-snapshot on the port it exposes', () => {
  const lines = readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  expect(lines[0]).toMatch(/^FROM node:24/);
  const cmd = lines.find((l) => l.startsWith('CMD '));
  expect(JSON.parse((cmd as string).slice(4))).toEqual(['node', '--no-node-snapshot', 'host/src/main.ts']);
  expect(existsSync(join(REPO, 'host/src/main.ts'))).toBe(true);
  expect(lines.join('\n')).toMatch(/EASEL_PORT=8080/);
  expect(lines).toContain('EXPOSE 8080');
});
