/**
 * A rolling restart under steady load (issue 17): three replicas as `./run cluster` starts
 * them, clients calling an agent and starting workflows through the balancer without pause,
 * while each replica in turn is stopped (SIGTERM, as an orchestrator stops a pod) and started
 * again. Prints what happened to every request the cluster accepted: each must either
 * complete or be resumed to completion. Counts, not timings: run it alone.
 *
 *   ./run node --no-node-snapshot bench/rolling-restart.ts [--clients 4] [--pause-ms 2000]
 */
import { parseArgs } from 'node:util';
import { startEmulator } from '@easel/bedrock-emulator';
import { startCluster } from '../scripts/cluster/cluster.ts';
import { packWithCli } from '../test/helpers/pack.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '4' }, 'pause-ms': { type: 'string', default: '2000' } } });
const CLIENTS = Number(values.clients);
const PAUSE_MS = Number(values['pause-ms']);
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

const emulator = await startEmulator();
// Every model call takes a moment, so workflows are in flight when their replica stops.
await emulator.control.fault({ modelId: '*', latencyMs: 300, count: Infinity });
const cluster = await startCluster({
  replicas: 3,
  firstPartyPlugins: false,
  env: { EASEL_BEDROCK_MODE: 'emulator', EASEL_BEDROCK_ENDPOINT: emulator.url, EASEL_REPLICA_LEASE_MS: '2000', EASEL_KEY_REQUESTS_PER_MINUTE: '0', EASEL_KEY_MAX_CONCURRENT_EXECUTIONS: '0' },
  log: (line) => process.stderr.write(`${line}\n`),
});

async function call(method: string, path: string, key: string, body?: unknown, raw?: Buffer): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (raw) headers['content-type'] = 'application/gzip';
  else if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${cluster.url}${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

const counts = {
  agentSent: 0,
  agentOk: 0,
  agentRefused: {} as Record<string, number>,
  agentNetworkErrors: 0,
  workflowsSent: 0,
  workflowsAccepted: 0,
  workflowsRefused: {} as Record<string, number>,
  workflowsNetworkErrors: 0,
};
const accepted: string[] = [];
const bump = (table: Record<string, number>, code: string) => (table[code] = (table[code] ?? 0) + 1);

try {
  for (const dir of ['plugins-external/hello', 'test/fixtures/plugins/durable-flow']) {
    const { tarball } = await packWithCli(dir);
    const uploaded = await call('POST', '/v1/plugins/upload', cluster.adminToken, undefined, tarball);
    if (uploaded.status !== 201) throw new Error(`upload of ${dir}: ${JSON.stringify(uploaded.body)}`);
    const name = uploaded.body.plugin.name as string;
    const enabled = await call('POST', `/v1/plugins/${name}/enable`, cluster.adminToken, { grant: 'requested' });
    if (enabled.status !== 200) throw new Error(`enable of ${name}: ${JSON.stringify(enabled.body)}`);
  }
  const key = (await call('POST', '/v1/keys', cluster.adminToken, { role: 'app', label: 'rolling' })).body.key as string;

  let running = true;
  const client = async (n: number) => {
    for (let i = 0; running; i++) {
      if (i % 5 === 0) {
        counts.workflowsSent++;
        try {
          const res = await call('POST', '/v1/workflows/three-steps/executions?wait=false', key, { topic: `c${n}-${i}` });
          if (res.status === 202) {
            counts.workflowsAccepted++;
            accepted.push(res.body.executionId);
          } else bump(counts.workflowsRefused, res.body?.code ?? String(res.status));
        } catch {
          counts.workflowsNetworkErrors++;
        }
      } else {
        counts.agentSent++;
        try {
          const res = await call('POST', '/v1/agents/hello/greeter/greet', key, { name: `c${n}-${i}` });
          if (res.status === 200) counts.agentOk++;
          else bump(counts.agentRefused, res.body?.code ?? String(res.status));
        } catch {
          counts.agentNetworkErrors++;
        }
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
  await new Promise((r) => setTimeout(r, PAUSE_MS));
  for (const replica of [0, 1, 2]) {
    process.stderr.write(`stopping replica ${replica}\n`);
    await cluster.replicas[replica]!.kill('SIGTERM');
    await cluster.restart(replica);
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }
  running = false;
  await Promise.all(clients);

  // Every accepted workflow must end: completed where it ran, or resumed by another replica.
  const deadline = Date.now() + 120_000;
  const outcome: Record<string, number> = {};
  let resumed = 0;
  for (const id of accepted) {
    let record: any;
    do {
      record = (await call('GET', `/v1/executions/${id}`, cluster.adminToken)).body;
      if (TERMINAL.has(record?.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    const end = TERMINAL.has(record?.status) ? (record.status === 'succeeded' ? 'succeeded' : `${record.status} ${record.errorCode}`) : 'unfinished';
    outcome[end] = (outcome[end] ?? 0) + 1;
    if (record?.resumed > 0) resumed++;
  }
  const lostWorkflows = accepted.length - (outcome.succeeded ?? 0);
  const report = { clients: CLIENTS, ...counts, workflowOutcomes: outcome, workflowsResumed: resumed, lostWorkflows };
  console.log('\nRolling restart of 3 replicas under steady load\n');
  console.log('| what | count |');
  console.log('|---|---:|');
  console.log(`| agent calls sent | ${counts.agentSent} |`);
  console.log(`| agent calls answered 200 | ${counts.agentOk} |`);
  for (const [code, n] of Object.entries(counts.agentRefused)) console.log(`| agent calls refused ${code} | ${n} |`);
  console.log(`| agent calls without an answer (connection) | ${counts.agentNetworkErrors} |`);
  console.log(`| workflows sent | ${counts.workflowsSent} |`);
  console.log(`| workflows accepted (202) | ${counts.workflowsAccepted} |`);
  for (const [code, n] of Object.entries(counts.workflowsRefused)) console.log(`| workflows refused ${code} | ${n} |`);
  console.log(`| workflows without an answer (connection) | ${counts.workflowsNetworkErrors} |`);
  for (const [end, n] of Object.entries(outcome)) console.log(`| accepted workflows that ended ${end} | ${n} |`);
  console.log(`| accepted workflows resumed by another replica | ${resumed} |`);
  console.log(`| accepted workflows lost (not succeeded) | ${lostWorkflows} |`);
  console.log(`\n${JSON.stringify({ bench: 'rolling-restart', ...report })}`);
} finally {
  await cluster.stop();
  await emulator.close();
}
