/**
 * Content creation: a story from a topic or premise (streamed as it is written), then a video
 * script and social media posts from it, written in parallel. Korean or English, as the input.
 */
import { definePlugin } from '@easel/sdk';
import { estimateContent, runContent, type ContentInput } from './content-workflow.ts';
import { writePosts, type SocialInput } from './social-media.ts';
import { writeStory, type StoryInput } from './story-writer.ts';
import { writeVideoScript, type VideoScriptInput } from './video-script.ts';

export default definePlugin({
  agents: {
    'story-writer': { capabilities: { write: (input: StoryInput, ctx) => writeStory(input, ctx) } },
    'video-script': { capabilities: { write: (input: VideoScriptInput, ctx) => writeVideoScript(input, ctx) } },
    'social-media': { capabilities: { posts: (input: SocialInput, ctx) => writePosts(input, ctx) } },
  },
  workflows: {
    content: {
      run: (input: ContentInput, ctx) => runContent(input, ctx),
      estimate: (input: ContentInput, ctx) => estimateContent(input, ctx),
    },
  },
});
