/**
 * Canvas: AI images from keywords (Korean or English) or a sketch, in a chosen style.
 * Three agents (translate, draw from keywords, draw from a sketch) and a workflow that calls
 * them as recorded steps.
 */
import { definePlugin } from '@easel/sdk';
import { settingsOf } from './config.ts';
import { sketchToImage, textToImage, type SketchToImageInput, type TextToImageInput } from './generate.ts';
import { translate, type TranslatorInput } from './translate.ts';
import { canvas, estimate, type CanvasInput } from './workflow.ts';

export default definePlugin({
  agents: {
    translator: {
      capabilities: {
        'translate-keywords': (input: TranslatorInput, ctx) => translate(input, ctx),
      },
    },
    'image-generator': {
      capabilities: {
        'text-to-image': (input: TextToImageInput, ctx) => textToImage(input, ctx),
      },
    },
    'sketch-enhancer': {
      capabilities: {
        'sketch-to-image': (input: SketchToImageInput, ctx) => sketchToImage(input, ctx),
      },
    },
  },
  workflows: {
    canvas: {
      run: (input: CanvasInput, ctx) => canvas(input, ctx),
      // The preview's ctx carries the config; a caller without a ctx gets the defaults.
      estimate: (input: CanvasInput, ctx) => estimate(input, settingsOf(ctx?.config)),
    },
  },
});
