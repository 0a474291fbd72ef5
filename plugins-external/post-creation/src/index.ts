/**
 * Post creation: community posts drafted by AI (Korean or English), optionally illustrated
 * with canvas images, kept per app and user, enhanced version by version.
 */
import { definePlugin } from '@easel/sdk';
import type { Config } from './config.ts';
import { draft, enhance } from './content-generator.ts';
import { select } from './image-selector.ts';
import { createPost, estimateCreation } from './post-creation.ts';
import { enhancePost, estimateEnhancement } from './post-enhancement.ts';
import { estimateIllustration, illustratePost } from './post-illustration.ts';
import { canvasHistory, deletePost, getPost } from './post-store.ts';

export default definePlugin<Config>({
  agents: {
    'content-generator': { capabilities: { draft, enhance } },
    'image-selector': { capabilities: { select } },
    'post-store': { capabilities: { get: getPost, 'canvas-history': canvasHistory, delete: deletePost } },
  },
  workflows: {
    'post-creation': { run: createPost, estimate: estimateCreation },
    'post-enhancement': { run: enhancePost, estimate: estimateEnhancement },
    'post-illustration': { run: illustratePost, estimate: estimateIllustration },
  },
});
