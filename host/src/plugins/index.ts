export { PluginService, type ActivePlugin, type PluginServiceDeps } from './plugin-service.ts';
export { HOST_API_VERSION } from './host-api.ts';
export { stageBundle, type StagedBundle } from './stage-bundle.ts';
export { BundleArchive } from './bundle-archive.ts';
