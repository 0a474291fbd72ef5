/**
 * Which handlers a manifest promises, and the one check that a loaded script defines them.
 * The host refuses an install and `easel validate` refuses a plugin with the same words,
 * because both call this.
 */
import type { PluginManifest } from '../manifest.ts';

/** Handler names by kind: what a manifest lists, or what a loaded script defines. */
export interface ExpectedHandlers {
  agents: Record<string, string[]>;
  workflows: string[];
  /** Workflows that have an `estimate` hook (reported by a loaded script; never required). */
  estimates?: string[];
}

/** The handlers `manifest` lists: every capability of every agent, every workflow. */
export function expectedHandlers(manifest: PluginManifest): ExpectedHandlers {
  return {
    agents: Object.fromEntries(manifest.agents.map((a) => [a.type, a.capabilities.map((c) => c.name)])),
    workflows: (manifest.workflows ?? []).map((w) => w.type),
  };
}

/** Longest message the check returns; a manifest may list many handlers. */
const MAX_MESSAGE = 2000;

/**
 * The message the host answers (with `PLUGIN_LOAD_FAILED`) when a script lacks a handler its
 * manifest lists, or undefined when nothing is missing.
 */
export function missingHandlersMessage(expected: ExpectedHandlers, found: ExpectedHandlers): string | undefined {
  const missing = [
    ...Object.entries(expected.agents).flatMap(([agent, caps]) => caps.filter((c) => !found.agents[agent]?.includes(c)).map((c) => `agents.${agent}.capabilities.${c}`)),
    ...expected.workflows.filter((w) => !found.workflows.includes(w)).map((w) => `workflows.${w}`),
  ];
  if (missing.length === 0) return undefined;
  const message = `the script does not define ${missing.join(', ')}`;
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
}
