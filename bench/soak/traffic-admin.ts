/**
 * The admin's traffic, one operation at a time with a pause between: upgrades and downgrades
 * of soak-steady while apps call it, config changes, disabling and enabling it, re-uploads of
 * the hostile plugin, bundles that must be refused, and reads.
 */
import { call } from './client.ts';
import { record, sleep, wrong, type Kind, type Soak } from './kinds.ts';

/** Notes an admin operation as it starts; `done()` notes its end. */
function note(s: Soak, op: string): { done(): void } {
  const entry = { from: s.rec.now(), to: Infinity, op };
  s.adminLog.push(entry);
  return { done: () => void (entry.to = s.rec.now()) };
}

export const ADMIN_KINDS: Kind[] = [
  {
    name: 'admin.upgrade',
    lane: 'admin',
    weight: 3,
    async run(s, _rng, key) {
      const next = s.steadyVersion === '1.0.0' ? '1.1.0' : '1.0.0';
      const op = note(s, `upgrade soak-steady to ${next}`);
      const reply = await call(s.url, 'POST', '/v1/plugins/upload', { key, raw: s.installed.steady[next], contentType: 'application/gzip' });
      op.done();
      if (record(s, 'admin.upgrade', reply) === 'ok') s.steadyVersion = next;
    },
  },
  {
    name: 'admin.config',
    lane: 'admin',
    weight: 3,
    async run(s, rng, key) {
      const change = rng.pick([
        { path: '/v1/plugins/soak-steady/config', config: { word: rng.pick(['calm', 'steady', '차분']) }, valid: true },
        { path: '/v1/plugins/hello/config', config: { greeting: rng.pick(['Hello', 'Hi', '안녕']) }, valid: true },
        { path: '/v1/plugins/canvas/config', config: { defaultSize: '512x512', maxImages: 2 }, valid: true },
        { path: '/v1/plugins/soak-steady/config', config: { word: '' }, valid: false },
      ]);
      const op = note(s, `config ${change.path.split('/')[3]}`);
      const reply = await call(s.url, 'PUT', change.path, { key, body: { config: change.config } });
      op.done();
      record(s, 'admin.config', reply, change.valid ? [] : ['PLUGIN_CONFIG_INVALID']);
      if (!change.valid && reply.status < 300) wrong(s, 'admin.config', 'INVALID_CONFIG_ACCEPTED', JSON.stringify(change.config), reply.ms);
    },
  },
  {
    name: 'admin.toggle',
    lane: 'admin',
    weight: 2,
    async run(s, rng, key) {
      const op = note(s, 'disable and enable soak-steady');
      const window = { from: s.rec.now(), to: Infinity };
      s.steadyDisabled.push(window);
      try {
        const disabled = await call(s.url, 'POST', '/v1/plugins/soak-steady/disable', { key });
        if (record(s, 'admin.toggle', disabled) !== 'ok') return;
        await sleep(rng.int(100, 600));
        // Until it answers, keep trying: apps must not find soak-steady disabled for longer than the admin meant.
        for (let i = 0; i < 5; i++) {
          const enabled = await call(s.url, 'POST', '/v1/plugins/soak-steady/enable', { key, body: { grant: 'requested' } });
          if (record(s, 'admin.toggle', enabled) === 'ok') break;
        }
      } finally {
        window.to = s.rec.now();
        op.done();
      }
    },
  },
  {
    name: 'admin.reupload',
    lane: 'admin',
    weight: 1,
    async run(s, _rng, key) {
      const op = note(s, 'reupload soak-hostile');
      record(s, 'admin.reupload', await call(s.url, 'POST', '/v1/plugins/upload', { key, raw: s.installed.hostile, contentType: 'application/gzip' }));
      op.done();
    },
  },
  {
    name: 'admin.bad-bundle',
    lane: 'admin',
    weight: 1,
    async run(s, rng, key) {
      const bytes = rng.next() < 0.5 ? s.installed.truncated : Buffer.from(Array.from({ length: 2048 }, () => rng.int(0, 255)));
      const reply = await call(s.url, 'POST', '/v1/plugins/upload', { key, raw: bytes, contentType: 'application/gzip' });
      record(s, 'admin.bad-bundle', reply, ['BUNDLE_INVALID']);
      if (reply.status < 300) wrong(s, 'admin.bad-bundle', 'BAD_BUNDLE_ACCEPTED', 'a broken bundle was installed', reply.ms);
    },
  },
  {
    name: 'admin.read',
    lane: 'admin',
    weight: 3,
    async run(s, rng, key) {
      const path = rng.pick(['/v1/plugins', '/metrics', '/v1/plugins/soak-hostile', '/v1/executions?limit=50', '/readyz']);
      record(s, 'admin.read', await call(s.url, 'GET', path, { key }));
    },
  },
];
