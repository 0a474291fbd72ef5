/**
 * Game development: four agents (game-designer, asset-generator, code-generator, playtester)
 * and three workflows that take a game idea to a refined concept, sprites drawn by canvas, and
 * a playable single-file HTML5 prototype.
 */
import { definePlugin } from '@easel/sdk';
import { assetAnalysis, spriteGeneration } from './agents/asset-generator.ts';
import { feasibilityAnalysis, scriptGeneration } from './agents/code-generator.ts';
import { conceptCreation, conceptRefinement, mechanicsDesign, storyDevelopment } from './agents/game-designer.ts';
import { balanceTesting, scenarioGeneration } from './agents/playtester.ts';
import type { GameConfig } from './config.ts';
import { assetCreation } from './workflows/asset-creation.ts';
import { codeGeneration } from './workflows/code-generation.ts';
import { estimateAssetCreation, estimateCodeGeneration, estimateGameConceptCreation } from './workflows/estimates.ts';
import { gameConceptCreation } from './workflows/game-concept-creation.ts';

export default definePlugin<GameConfig>({
  agents: {
    'game-designer': {
      capabilities: {
        'concept-creation': conceptCreation,
        'mechanics-design': mechanicsDesign,
        'story-development': storyDevelopment,
        'concept-refinement': conceptRefinement,
      },
    },
    'asset-generator': {
      capabilities: {
        'asset-analysis': assetAnalysis,
        'sprite-generation': spriteGeneration,
      },
    },
    'code-generator': {
      capabilities: {
        'feasibility-analysis': feasibilityAnalysis,
        'script-generation': scriptGeneration,
      },
    },
    playtester: {
      capabilities: {
        'scenario-generation': scenarioGeneration,
        'balance-testing': balanceTesting,
      },
    },
  },
  workflows: {
    'game-concept-creation': { run: gameConceptCreation, estimate: estimateGameConceptCreation },
    'asset-creation': { run: assetCreation, estimate: estimateAssetCreation },
    'code-generation': { run: codeGeneration, estimate: estimateCodeGeneration },
  },
});
