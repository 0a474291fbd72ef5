/**
 * `./run cluster [--replicas 3] [--port 8080]`: PostgreSQL, an S3-compatible server, N host
 * replicas and a load balancer on this machine (cluster.ts); prints the URL and the admin
 * token, and stops everything (its data included) on Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { startCluster } from './cluster.ts';

const refuse = (message: string): never => {
  process.stderr.write(`easel cluster: ${message}\n`);
  process.exit(2);
};
function parsed(): { replicas: string; port: string } {
  try {
    return parseArgs({ options: { replicas: { type: 'string', default: '3' }, port: { type: 'string', default: '8080' } } }).values;
  } catch (error) {
    // An unknown flag, or a value that looks like one: one line, not a stack trace.
    return refuse(`${(error as Error).message.split('\n')[0]} (usage: ./run cluster [--replicas 3] [--port 8080])`);
  }
}
const values = parsed();
const replicas = Number(values.replicas);
const port = Number(values.port);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16) refuse('--replicas must be a whole number from 1 to 16');
if (!Number.isInteger(port) || port < 0 || port > 65535) refuse('--port must be a port number (0: any free one)');
const cluster = await startCluster({ replicas, port, log: (line) => process.stdout.write(`easel cluster: ${line}\n`) }).catch((error: Error) => {
  process.stderr.write(`easel cluster: could not start: ${error.message}\n`);
  process.exit(1);
});
process.stdout.write(
  [
    '',
    `Easel cluster: ${replicas} replica(s) behind ${cluster.url}`,
    `admin token: ${cluster.adminToken}`,
    `try: curl -H "authorization: Bearer ${cluster.adminToken}" ${cluster.url}/v1/plugins`,
    'Ctrl-C stops it and removes its data.',
    '',
  ].join('\n'),
);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('easel cluster: stopping\n');
    void cluster.stop().then(() => process.exit(0));
  });
}
