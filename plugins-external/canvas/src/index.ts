/**
 * Canvas: AI images from keywords (Korean or English) or a sketch, in a chosen style.
 * The agents and the workflow call the same functions directly (one script, one isolate).
 */
import { definePlugin } from '@easel/sdk';
import { canvas, sketchToImage, textToImage, type CanvasInput, type SketchToImageInput, type TextToImageInput } from './generate.ts';

export default definePlugin({
  agents: {
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
    canvas: (input: CanvasInput, ctx) => canvas(input, ctx),
  },
});
