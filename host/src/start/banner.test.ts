import { expect, test } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { startBanner, type BannerInfo } from './banner.ts';

const config = loadConfig({}, { dataDir: '/srv/easel' });
const base: BannerInfo = {
  url: 'http://127.0.0.1:8080',
  dataDir: '/srv/easel',
  adminKey: { kind: 'configured' },
  plugins: [],
  registries: [],
  storage: config.storage,
  models: { kind: 'emulator', endpoint: 'http://127.0.0.1:4599', region: 'ap-northeast-2' },
};

test('the banner: URL, data folder, admin key, plugins, registry, models, blobs, docs, how to stop', () => {
  const text = startBanner({
    ...base,
    adminKey: { kind: 'file', file: '/srv/easel/admin.key' },
    plugins: [
      { name: 'canvas', version: '1.0.0', enabled: true },
      { name: 'hello', version: '1.2.0', enabled: false },
    ],
    registries: ['http://127.0.0.1:4873'],
  });
  expect(text).toBe(
    [
      'Easel host listening on http://127.0.0.1:8080',
      '  Data folder: /srv/easel',
      '  Admin key: in /srv/easel/admin.key',
      '  Plugins: canvas@1.0.0 (enabled), hello@1.2.0 (disabled)',
      '  Registry: http://127.0.0.1:4873',
      '  Models: Bedrock emulator at http://127.0.0.1:4599 (synthetic answers; no AWS credentials configured or EASEL_BEDROCK_MODE=emulator)',
      '  Blobs: local folder /srv/easel/blobs',
      '  API: every route in docs/reference/http-api.md; a tour with curl in README.md',
      '  Stop: Ctrl-C here, or ./run stop from this checkout',
      '',
    ].join('\n'),
  );
});

test('a key generated at this start is shown with its file; no plugin and no registry are said as such', () => {
  const text = startBanner({ ...base, adminKey: { kind: 'generated', key: 'esl_abc', file: '/srv/easel/admin.key' } });
  expect(text).toContain('  Admin key (new; also saved in /srv/easel/admin.key, mode 0600):\n    esl_abc\n');
  expect(text).toContain('  Plugins: none installed\n');
  expect(text).toContain('  Registry: none (set EASEL_REGISTRY_URL to install plugins from one)\n');
  expect(startBanner({ ...base, adminKey: { kind: 'elsewhere', file: '/srv/easel/admin.key', stale: true } })).toContain('admin.key holds a revoked key');
  expect(startBanner({ ...base, models: { kind: 'bedrock', region: 'ap-northeast-2' } })).toContain('  Models: Amazon Bedrock in ap-northeast-2\n');
});
