/**
 * Making a drafted post obey its platform's rules: allowed characters, the hashtag cap, the
 * length limit. In `shorten` mode a post that breaks a rule is fixed (extra hashtags lose
 * their `#`, the text is cut at a sentence or word boundary with an ellipsis); in `refuse`
 * mode it is refused with the rule it breaks, and nothing the writer wrote is changed.
 */
import type { OverLimit } from './config.ts';
import { demoteHashtags, inlineHashtags, tagsToAppend } from './hashtags.ts';
import type { PlatformRule } from './platforms.ts';
import { lengthOf } from './post-length.ts';
import { shortenTo, type Cut } from './shorten.ts';
import { cleanProse } from './text.ts';

export interface FittedPost {
  /** The post as it should be published. */
  text: string;
  /** Its length in the platform's unit. */
  length: number;
  /** Every hashtag in the post, without `#`. */
  hashtags: string[];
  /** Whether the input's link is in the post. */
  linkIncluded: boolean;
  shortened: boolean;
  cut: Cut;
  /** What was changed to make the post fit, in words. */
  adjustments: string[];
}

export type Fit = { ok: true; post: FittedPost } | { ok: false; reason: string };

/** Stand-ins for characters a platform refuses (YouTube: < and >). */
const SUBSTITUTES: Readonly<Record<string, string>> = { '<': '‹', '>': '›' };

/** A body shorter than this share of the limit is not worth keeping: drop appended tags first. */
const MIN_BODY_SHARE = 0.4;

/** The post: the body, then the link, then the hashtags, placed as the platform wants them. */
export function composePost(body: string, link: string | undefined, tags: readonly string[], placement: 'end' | 'end-block'): string {
  const sep = placement === 'end' ? ' ' : '\n\n';
  const parts = [body];
  if (link !== undefined) parts.push(link);
  if (tags.length > 0) parts.push(tags.map((t) => `#${t}`).join(' '));
  return parts.filter((p) => p !== '').join(sep);
}

export function fitPost(draft: string, generated: readonly string[], rule: PlatformRule, mode: OverLimit, link?: string): Fit {
  const adjustments: string[] = [];
  let body = cleanProse(draft);

  if (rule.forbidden !== undefined) {
    const bad = Array.from(new Set(Array.from(body).filter((ch) => rule.forbidden!.includes(ch))));
    if (bad.length > 0) {
      if (mode === 'refuse') return { ok: false, reason: `${rule.name} does not allow ${bad.join(' ')} in a post` };
      body = Array.from(body, (ch) => (rule.forbidden!.includes(ch) ? (SUBSTITUTES[ch] ?? '') : ch)).join('');
      adjustments.push(`replaced ${bad.join(' ')}, which ${rule.name} does not allow`);
    }
  }

  const max = rule.hashtags.max;
  const inline = inlineHashtags(body);
  if (inline.length > max) {
    if (mode === 'refuse') return { ok: false, reason: `the ${rule.name} post has ${inline.length} hashtags; ${rule.name} allows at most ${max}` };
    const demoted = demoteHashtags(body, max);
    body = demoted.text;
    adjustments.push(`removed # from ${demoted.demoted} hashtag(s) in the text: ${rule.name} allows at most ${max}`);
  }
  let tags = tagsToAppend(generated, inlineHashtags(body), rule.hashtags);

  let url = link;
  if (url !== undefined && !rule.allowsLinks) {
    url = undefined;
    adjustments.push(`left the link out: links in ${rule.name} posts are not clickable`);
  }

  const limit = rule.limit;
  const measure = (text: string) => lengthOf(text, rule.counting);
  let text = composePost(body, url, tags, rule.hashtags.placement);
  const drafted = measure(text);
  if (drafted <= limit) return { ok: true, post: finish(text, measure, url, false, 'none', adjustments) };
  if (mode === 'refuse') return { ok: false, reason: `the ${rule.name} post is ${drafted} ${rule.unit}; ${rule.name} allows at most ${limit}` };

  // What the link and tags take, measured as composed (separators included).
  const tail = (l: string | undefined, t: readonly string[]) => measure(composePost('.', l, t, rule.hashtags.placement)) - measure('.');
  const minBody = Math.min(Math.ceil(limit * MIN_BODY_SHARE), measure(body));
  const dropped = tags.length;
  while (tags.length > 0 && limit - tail(url, tags) < minBody) tags = tags.slice(0, -1);
  if (tags.length < dropped) adjustments.push(`dropped ${dropped - tags.length} appended hashtag(s) to make room`);
  if (url !== undefined && limit - tail(url, tags) < minBody) {
    url = undefined;
    adjustments.push('left the link out to make room');
  }

  let budget = limit - tail(url, tags);
  let cut = shortenTo(body, budget, rule.counting);
  text = composePost(cut.text, url, tags, rule.hashtags.placement);
  // Lengths add up piece by piece; this only guards against a normalization surprise at the seams.
  while (measure(text) > limit && budget > 0) {
    budget--;
    cut = shortenTo(body, budget, rule.counting);
    text = composePost(cut.text, url, tags, rule.hashtags.placement);
  }
  // Dropping the link or tags may have been enough.
  if (cut.cut === 'none') return { ok: true, post: finish(text, measure, url, false, 'none', adjustments) };
  adjustments.push(`shortened the text (cut at a ${cut.cut} boundary, ellipsis added) from ${drafted} to ${measure(text)} ${rule.unit}: ${rule.name} allows at most ${limit}`);
  return { ok: true, post: finish(text, measure, url, true, cut.cut, adjustments) };
}

function finish(text: string, measure: (t: string) => number, url: string | undefined, shortened: boolean, cut: Cut, adjustments: string[]): FittedPost {
  return { text, length: measure(text), hashtags: inlineHashtags(text), linkIncluded: url !== undefined, shortened, cut, adjustments };
}
