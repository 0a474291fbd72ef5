/** The plugin API version this host implements; manifests name a range of it in `engines.easel`. */
// 1.1: ctx.caller, PluginError codes, bytes across ctx.agents.invoke and in outputs, routes to
// workflows and with :params, DEPENDENCY_DISABLED. Plugins written for 1.0 run unchanged.
export const HOST_API_VERSION = '1.1.0';
