/** Response shapes of the plugin routes: an installed plugin's view, installs from registries. */
import { permissions } from '../../schemas.ts';
import { bool, count, list, object, openObject, orNull, text, texts, time } from './common.ts';

export const quarantine = object(
  {
    reason: text,
    since: time,
    liftsAt: { ...orNull(time), description: 'when it lifts itself; null: only an admin lift (or a disable and enable) ends it' },
    crashes: list(
      object(
        {
          at: time,
          reason: { ...text, description: "the worker's reason" },
          evidence: { type: 'object', additionalProperties: { type: 'number' }, description: "the worker's figures, in bytes" },
          bystanderCalls: { ...count, description: 'other calls that failed with it (not charged)' },
        },
        ['at', 'reason', 'evidence', 'bystanderCalls'],
      ),
      'each sandbox worker crash charged to the plugin',
    ),
  },
  ['reason', 'since', 'liftsAt', 'crashes'],
);

const viewFields = {
  name: text,
  version: text,
  description: text,
  enabled: bool,
  integrity: { ...text, description: "the bundle tarball's `sha512-…` integrity" },
  permissions: { ...permissions, description: 'what the manifest requests' },
  agents: list(object({ type: text, capabilities: texts }, ['type', 'capabilities'])),
  workflows: { ...texts, description: 'workflow types' },
  installedAt: time,
  updatedAt: time,
  quarantine: { ...orNull(quarantine), description: 'null while the plugin may run' },
} as const;
const viewRequired = ['name', 'version', 'description', 'enabled', 'integrity', 'permissions', 'agents', 'workflows', 'installedAt', 'updatedAt', 'quarantine'];

const granted = { ...permissions, description: 'what the admin granted (while a drain runs, what its calls still hold)' };

/** An installed plugin (`pluginView` in admin/plugins.ts), plus what a route adds to it. */
export function pluginView(extra: Record<string, unknown> = {}, required: readonly string[] = []) {
  return object({ ...viewFields, ...extra }, [...viewRequired, ...required]);
}

export const pluginDetail = pluginView(
  {
    manifest: openObject('its plugin.json, as validated against plugin.schema.json (docs/reference/manifest.md)'),
    granted,
  },
  ['manifest', 'granted'],
);

export const pluginGranted = pluginView({ granted }, ['granted']);

export const dependent = object({ name: text, version: text, range: { ...text, description: 'the range the dependent asks of the plugin' } }, ['name', 'version', 'range']);

export const nameVersion = object({ name: text, version: text }, ['name', 'version']);

const installed = list(
  object({ name: text, version: text, action: { enum: ['install', 'upgrade', 'downgrade'] }, replaced: { ...text, description: 'the version it replaced' } }, ['name', 'version', 'action']),
);

const installFields = {
  installed,
  order: { ...texts, description: 'the whole resolved set, dependencies first' },
  warnings: list(object({ name: text, version: text, message: text }, ['name', 'version', 'message']), 'deprecated or yanked versions chosen'),
};

export const upgradeOutcome = object(installFields, ['installed', 'order', 'warnings']);

export const installOutcome = object({ ...installFields, enabled: { ...texts, description: 'the plugins enabled with the grants sent, dependencies first' } }, ['installed', 'order', 'warnings', 'enabled']);

export const available = object(
  {
    plugins: list(
      object(
        {
          name: text,
          versions: list(
            object(
              {
                version: text,
                runsHere: { ...bool, description: "the version's engines.easel accepts this host" },
                deprecated: { ...text, description: 'the deprecation message' },
                yanked: bool,
              },
              ['version', 'runsHere', 'yanked'],
            ),
          ),
        },
        ['name', 'versions'],
      ),
    ),
  },
  ['plugins'],
);
