/**
 * A plugin's name from its sandbox id. The host names each installed version
 * `name@version#script-hash` (PluginService), and metrics label by name alone, so that the
 * series of a plugin survive its upgrades and do not multiply with its versions.
 */
export function pluginNameOf(pluginId: string): string {
  const release = pluginId.split('#', 1)[0] ?? pluginId;
  const at = release.lastIndexOf('@');
  return at > 0 ? release.slice(0, at) : release;
}
