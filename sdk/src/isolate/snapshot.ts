/**
 * Whether V8's startup snapshot is off in this process: isolated-vm requires
 * `--no-node-snapshot` from Node 20 on (isolates that do not share the snapshot crash the
 * process on some platforms). NODE_OPTIONS comes first, the command line after it.
 *
 * @example
 * ```ts
 * test('the packed plugin', { skip: !snapshotDisabled() && 'run node --no-node-snapshot --test' }, async () => {
 *   const plugin = await runPacked(dir);
 * });
 * ```
 */
export function snapshotDisabled(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  const flags = [...nodeOptions.split(/\s+/), ...execArgv].filter((f) => f === '--no-node-snapshot' || f === '--node-snapshot');
  return flags.at(-1) === '--no-node-snapshot';
}
