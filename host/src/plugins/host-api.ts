/** The plugin API version this host implements; manifests name a range of it in `engines.easel`. */
// 1.1: ctx.caller, PluginError codes, bytes across ctx.agents.invoke and in outputs, routes to
// workflows and with :params, DEPENDENCY_DISABLED. Plugins written for 1.0 run unchanged.
// 1.2: one code per meaning: a cancelled call fails EXECUTION_CANCELLED (ctx.signal's reason)
// and a ctx call after its call ended CALL_ENDED; both were EXECUTION_ABORTED, which now means
// only that another call stopped the isolate. A plugin that treated every error alike is unchanged.
export const HOST_API_VERSION = '1.2.0';
