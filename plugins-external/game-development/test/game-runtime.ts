/**
 * Runs a generated game script in a node:vm context with just enough of a browser: a canvas
 * whose 2D context records fillText calls, key and pointer listeners, and requestAnimationFrame
 * driven by the test. Frames advance a fake clock by 16 ms each.
 */
import { createContext, runInContext } from 'node:vm';

export interface GameState {
  player: { x: number; y: number };
  items: { x: number; y: number }[];
  hazards: { x: number; y: number; vx: number; vy: number }[];
  score: number;
  lives: number;
  time: number;
  over: boolean;
  won: boolean;
  invulnerable: number;
}

export interface RunningGame {
  spec: any;
  state(): GameState;
  /** Runs `n` animation frames. */
  frames(n: number): void;
  key(type: 'keydown' | 'keyup', key: string): { prevented: boolean };
  pointer(type: 'pointerdown' | 'pointermove', x: number, y: number): void;
  /** Every string drawn with fillText so far. */
  texts: string[];
  /** Errors the script threw while loading or in a frame. */
  errors: unknown[];
}

export function runGame(script: string): RunningGame {
  const listeners: Record<string, ((e: any) => void)[]> = {};
  const canvasListeners: Record<string, ((e: any) => void)[]> = {};
  const texts: string[] = [];
  const errors: unknown[] = [];
  let pending: ((ts: number) => void)[] = [];
  let clock = 0;
  const g = new Proxy(
    { fillText: (text: string) => texts.push(String(text)) },
    { get: (target, name) => (name in target ? (target as any)[name] : () => {}), set: () => true },
  );
  const canvas = {
    getContext: () => g,
    getBoundingClientRect: () => ({ left: 0, top: 0, width: 800, height: 600 }),
    addEventListener: (type: string, fn: (e: any) => void) => (canvasListeners[type] ??= []).push(fn),
  };
  const window: any = {
    addEventListener: (type: string, fn: (e: any) => void) => (listeners[type] ??= []).push(fn),
    requestAnimationFrame: (fn: (ts: number) => void) => pending.push(fn),
  };
  const document = { getElementById: (id: string) => (id === 'game' ? canvas : null) };
  const sandbox = createContext({ window, document, Math, Object, String, Boolean });
  try {
    runInContext(script, sandbox);
  } catch (error) {
    errors.push(error);
  }
  const api = window.easelGame;
  return {
    spec: api?.spec,
    state: () => api.state(),
    frames(n) {
      for (let i = 0; i < n; i++) {
        const due = pending;
        pending = [];
        clock += 16;
        for (const fn of due) {
          try {
            fn(clock);
          } catch (error) {
            errors.push(error);
          }
        }
      }
    },
    key(type, key) {
      const event = { key, prevented: false, preventDefault() { this.prevented = true; } };
      for (const fn of listeners[type] ?? []) fn(event);
      return { prevented: event.prevented };
    },
    pointer(type, x, y) {
      for (const fn of canvasListeners[type] ?? []) fn({ clientX: x, clientY: y });
    },
    texts,
    errors,
  };
}
