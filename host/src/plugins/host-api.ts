/** The plugin API version this host implements; manifests name a range of it in `engines.easel`. */
export const HOST_API_VERSION = '1.0.0';
