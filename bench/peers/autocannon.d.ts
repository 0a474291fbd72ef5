/** The part of autocannon's API (9.x, which ships no types) that load.ts uses. */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      connections?: number;
      duration?: number;
      body?: string;
      headers?: Record<string, string>;
    }
    interface Result {
      /** Seconds the run lasted. */
      duration: number;
      '2xx': number;
      non2xx: number;
      errors: number;
      timeouts: number;
    }
  }
  function autocannon(options: autocannon.Options, done: (err: Error | null, result: autocannon.Result) => void): EventEmitter;
  export default autocannon;
}
