/** The config: plugin.json's defaults and the code's fallbacks are the same, and bad values fall back. */
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import { DEFAULT_SETTINGS, settingsOf } from '../src/config.ts';

describe('config', () => {
  test("plugin.json's defaults are the code's defaults", () => {
    const props = manifest.config.properties as Record<string, { default?: unknown }>;
    const fromSchema = Object.fromEntries(Object.entries(props).flatMap(([k, v]) => (v.default === undefined ? [] : [[k, v.default]])));
    expect(fromSchema).toEqual(DEFAULT_SETTINGS);
  });

  test('no config gives the defaults; a partial one keeps the rest', () => {
    expect(settingsOf({})).toEqual(DEFAULT_SETTINGS);
    expect(settingsOf(undefined)).toEqual(DEFAULT_SETTINGS);
    const s = settingsOf({ language: 'ko', tiers: { story: 'basic' }, platforms: ['threads', 'threads', 'x'] });
    expect(s.language).toBe('ko');
    expect(s.tiers).toEqual({ ...DEFAULT_SETTINGS.tiers, story: 'basic' });
    expect(s.platforms).toEqual(['threads', 'x']);
  });

  test('malformed values fall back to the defaults', () => {
    const s = settingsOf({ language: 'fr', tone: '  ', storyLength: 'epic', tiers: { posts: 'premium' }, platforms: ['myspace'], streamStory: 'yes' });
    expect(s).toEqual(DEFAULT_SETTINGS);
  });

  test('no tier goes above the maxTier the manifest asks for', () => {
    expect(manifest.permissions.models.maxTier).toBe('standard');
    expect(Object.values(DEFAULT_SETTINGS.tiers).every((t) => t === 'basic' || t === 'standard')).toBe(true);
    expect(manifest.config.properties.tiers.properties.story.enum).toEqual(['basic', 'standard']);
  });
});
