/**
 * How a call is recognised across a resume and on the call chain: the hash of its input as
 * recorded (canonical JSON, byte fields as their digests), and its key in the call tree.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../models/cache-keys.ts';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function inputSha256(recorded: unknown): string {
  return sha256(canonicalJson(recorded));
}

/** Same place in the call tree, same target and input: the same base; `occurrence` tells repeats apart. */
export function callBase(parentKey: string, label: string, inputHash: string): string {
  return sha256(`${parentKey}\n${label}\n${inputHash}`);
}
