/** asset-generator's prompt, and the keywords it hands canvas for each asset. */
import { describeConcept } from '../concept.ts';
import type { AssetType } from '../schemas/assets.ts';
import type { Language } from '../schemas/common.ts';
import type { GameConcept } from '../schemas/concept.ts';
import { fence, system, type Prompt } from './common.ts';

export function assetsPrompt(concept: GameConcept, maxAssets: number, language: Language): Prompt {
  return {
    system: system(
      [
        'You are the art director of a small game team. You list the assets a game needs, from what a first playable build cannot do without (priority high) to polish (low).',
        'Types: sprite (characters, enemies, items, anything that moves or is picked up), background (scenes and tiles), ui (buttons, icons, HUD, menus), audio (music and sound effects). Describe each so an artist or an image model could make it without asking: subject, pose or state, colours, mood. Suggest sizes that suit the target platforms.',
      ],
      language,
    ),
    prompt: `List at most ${maxAssets} assets this game needs, the most important first.\n\n${fence('concept', describeConcept(concept))}`,
  };
}

/** What canvas is told each kind of asset is (canvas translates Korean keywords itself). */
const KIND: Readonly<Record<Exclude<AssetType, 'audio'>, string>> = {
  sprite: 'single game sprite, centered, plain background',
  background: 'game background scene, no characters',
  ui: 'game UI element, flat, centered, plain background',
};

export interface Drawable {
  name: string;
  type: AssetType;
  description?: string;
  suggestedStyle?: string;
}

/** Up to four keywords of at most 100 characters each, as canvas/image-generator takes them. */
export function spriteKeywords(asset: Drawable): string[] {
  const clip = (s: string) => {
    const t = s.replace(/\s+/g, ' ').trim();
    return t.length <= 100 ? t : `${t.slice(0, 99).trimEnd()}…`;
  };
  const words = [asset.name, asset.description, asset.suggestedStyle, asset.type === 'audio' ? undefined : KIND[asset.type]];
  return [...new Set(words.filter((w): w is string => typeof w === 'string' && /\S/.test(w)).map(clip))];
}
