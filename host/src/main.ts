/**
 * Starts the host from the environment: validates config (every problem reported), builds
 * the host, listens, writes `<dataDir>/host.pid`, prints the start banner, and closes cleanly
 * on signals. A start that fails prints one line saying how to fix it and exits 1, after
 * closing what it opened (sandbox workers, emulator, databases).
 */
import { buildHost, type Host } from './build-host.ts';
import { closeOnSignals, loadConfigOrExit } from '@easel/common/process/service-main';
import { loadConfig } from './config/index.ts';
import { describeStartFailure, livePid, startBanner, writePidFile } from './start/index.ts';

const config = loadConfigOrExit('easel', () => loadConfig(process.env));

async function failStart(error: unknown, host?: Host): Promise<never> {
  // buildHost closes what it opened when it fails; a host that was built is closed here.
  await host?.app.close().catch(() => undefined);
  const runningPid = await livePid(config.dataDir).catch(() => undefined);
  const failure = describeStartFailure(error, { host: config.host, port: config.port, dataDir: config.dataDir, runningPid });
  process.stderr.write(`easel: ${failure.line}\n`);
  if (!failure.expected && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

const host = await buildHost(config).catch((error: unknown) => failStart(error));
let url: string;
try {
  url = await host.app.listen({ host: config.host, port: config.port });
  const pidFile = await writePidFile(config.dataDir);
  process.once('exit', () => pidFile.remove());
} catch (error) {
  url = await failStart(error, host);
}

process.stdout.write(
  startBanner({
    url,
    dataDir: config.dataDir,
    adminKey: host.adminKey,
    plugins: await host.plugins.list(),
    registries: config.registries.urls === '' ? [] : config.registries.urls.split(','),
    storage: config.storage,
    models: host.models.target,
  }),
);

closeOnSignals(host.app);
// The host stopped itself (it closed already): say why, and exit 1 so a supervisor sees a failure.
void host.fatal.then((error) => {
  process.stderr.write(`easel: stopped: ${error.message}\n`);
  process.exit(1);
});
