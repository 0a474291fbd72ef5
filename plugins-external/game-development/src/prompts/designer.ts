/** game-designer's prompts: concept, mechanics, story and refinement. */
import { describeConcept } from '../concept.ts';
import type { AssetRequirement } from '../schemas/assets.ts';
import type { Language, Platform } from '../schemas/common.ts';
import type { TechnicalSpecification } from '../schemas/code.ts';
import type { GameConcept } from '../schemas/concept.ts';
import type { StoryLength } from '../schemas/design.ts';
import type { Scenario } from '../schemas/playtest.ts';
import { fence, system, type Prompt } from './common.ts';

const DESIGNER = 'You are a senior game designer who has shipped indie and mid-size games. You design games a small team can build, with a core loop that is fun in the first minute.';

export interface ConceptRequest {
  idea: string;
  genre?: string;
  platforms: Platform[];
  multiplayer?: boolean;
  targetAudience?: string;
}

export function conceptPrompt(request: ConceptRequest, language: Language): Prompt {
  const wishes = [
    request.genre ? `Genre: ${request.genre}` : 'Genre: choose the one that suits the idea best',
    `Target platforms: exactly ${request.platforms.join(', ')}`,
    request.multiplayer === undefined ? 'Multiplayer: decide from the idea' : request.multiplayer ? 'Multiplayer: yes (choose the mode and player count)' : 'Multiplayer: no, single-player only',
    request.targetAudience ? `Target audience: ${request.targetAudience}` : 'Target audience: infer from the idea',
  ];
  return {
    system: system(
      [
        DESIGNER,
        'Turn the idea into a game concept. The core loop is the few actions the player repeats every minute, in order. List only mechanics the player touches directly, each distinct (at most 8 for a small team unless the idea demands more). The setting, art style and selling points must fit the audience and the platforms. Be concrete: names, numbers and examples, no filler.',
      ],
      language,
    ),
    prompt: `Create a game concept from this idea.\n\n${fence('idea', request.idea)}\n\nConstraints:\n${wishes.map((w) => `- ${w}`).join('\n')}`,
  };
}

export function mechanicsPrompt(concept: GameConcept, count: number, focus: string | undefined, language: Language): Prompt {
  return {
    system: system(
      [
        DESIGNER,
        'Design game mechanics in enough detail for a programmer to build them: what the player does, the rules the game applies, and the tunable numbers (each a camelCase parameter with a starting value and unit). A mechanic may depend only on others in your list, by exact name.',
      ],
      language,
    ),
    prompt: `Design up to ${count} core mechanics for this game${focus ? ', with this focus' : ''}.\n\n${fence('concept', describeConcept(concept))}${focus ? `\n\n${fence('notes', focus)}` : ''}`,
  };
}

export function storyPrompt(concept: GameConcept, length: StoryLength, acts: number, tone: string | undefined, language: Language): Prompt {
  return {
    system: system(
      [
        'You are a narrative designer for games. Stories serve play: every act gives the player something to do, and the characters have wants the mechanics can express.',
        `Write a ${length} story in exactly ${acts} acts.`,
      ],
      language,
    ),
    prompt: `Write the story for this game${tone ? ` in this tone: ${tone}` : ''}.\n\n${fence('concept', describeConcept(concept))}`,
  };
}

export interface RefinementMaterial {
  assets?: AssetRequirement[];
  specification?: TechnicalSpecification;
  scenarios?: Scenario[];
  feedback?: string;
}

/** The parallel phases' reports, short enough to read in one go. */
export function describeReports(material: RefinementMaterial): string {
  const parts: string[] = [];
  if (material.assets && material.assets.length > 0) {
    parts.push(`Asset requirements (${material.assets.length}):`, ...material.assets.map((a) => `  - [${a.priority}] ${a.type} "${a.name}": ${a.description}`));
  }
  const spec = material.specification;
  if (spec) {
    parts.push(
      `Technical feasibility: complexity ${spec.complexity.level} (score ${spec.complexity.score}); engine ${spec.engine.name}; about ${spec.estimatedTeamSize} people for ${spec.estimatedMonths} months.`,
      `  Summary: ${spec.summary}`,
      ...spec.risks.map((r) => `  Risk (${r.likelihood}): ${r.risk} -> ${r.mitigation}`),
    );
  }
  if (material.scenarios && material.scenarios.length > 0) {
    parts.push('Playtest scenarios:', ...material.scenarios.map((s) => `  - ${s.title} [${s.focus}]: ${s.goal}`));
  }
  if (material.feedback) parts.push(`Feedback: ${material.feedback}`);
  return parts.length > 0 ? parts.join('\n') : 'No reports.';
}

export function refinementPrompt(concept: GameConcept, material: RefinementMaterial, language: Language): Prompt {
  return {
    system: system(
      [
        DESIGNER,
        'You are refining a draft concept with the reports of the art, engineering and playtest leads. Keep what works; cut or simplify what the reports show is too costly or risky; say what you changed and why. Then plan production as 3 to 8 milestones that run one after another (prototype, vertical slice, content, polish, launch...), each with a duration in weeks and concrete deliverables, sized for the team the engineering report suggests.',
        'Keep the target platforms and the multiplayer mode unless the engineering report makes them infeasible (platforms or modes the requester fixed are enforced regardless).',
      ],
      language,
    ),
    prompt: `Refine this concept and plan its development.\n\n${fence('concept', describeConcept(concept))}\n\n${fence('report', describeReports(material))}`,
  };
}
