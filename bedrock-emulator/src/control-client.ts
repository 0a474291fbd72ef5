/**
 * A client of the emulator's control plane. Node's fetch cannot speak cleartext HTTP/2, so
 * this holds one `node:http2` session, opened on first use and only keeping the process
 * alive while a request is in flight.
 */
import { connect, type ClientHttp2Session } from 'node:http2';
import type { EmulatorCall, FaultRule, QuotaLimits } from './types.ts';

export class EmulatorControl {
  #url: string;
  #token: string | undefined;
  #session: ClientHttp2Session | undefined;
  #inFlight = 0;

  /**
   * @param url The emulator's base URL, e.g. `http://127.0.0.1:4599`.
   * @param token The control token, when the emulator was started with one.
   */
  constructor(url: string, token?: string) {
    this.#url = url;
    this.#token = token;
  }

  /**
   * Scripts a failure for the next matching calls.
   * @example await control.fault({ modelId: 'amazon.nova-lite-v1:0', exception: 'ThrottlingException', count: 2 })
   */
  async fault(rule: FaultRule): Promise<void> {
    const count = rule.count === Infinity ? null : rule.count;
    await this.#request('POST', '/__emulator/faults', { ...rule, ...(rule.count === undefined ? {} : { count }) });
  }

  /**
   * Limits a model (as the client names it) to `rpm` requests and `tpm` tokens per minute.
   * @example await control.setQuota('amazon.nova-lite-v1:0', { rpm: 3, tpm: 100_000 })
   */
  async setQuota(modelId: string, limits: QuotaLimits): Promise<void> {
    await this.#request('POST', '/__emulator/quotas', { modelId, rpm: limits.rpm, tpm: limits.tpm });
  }

  /**
   * Every call so far, oldest first.
   * @example const [first] = await control.calls()
   */
  async calls(): Promise<EmulatorCall[]> {
    const body = (await this.#request('GET', '/__emulator/calls')) as { calls: EmulatorCall[] };
    return body.calls;
  }

  /**
   * Clears faults, quotas and the call log.
   * @example await control.reset()
   */
  async reset(): Promise<void> {
    await this.#request('POST', '/__emulator/reset');
  }

  /**
   * Closes the HTTP/2 session (a later call opens a new one).
   * @example await control.close()
   */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (!session || session.closed || session.destroyed) return;
    await new Promise<void>((resolve) => session.close(() => resolve()));
  }

  #open(): ClientHttp2Session {
    if (!this.#session || this.#session.closed || this.#session.destroyed) {
      const session = connect(this.#url);
      // A failed session fails its streams, which reject their requests; nothing else to do.
      session.on('error', () => {});
      this.#session = session;
    }
    return this.#session;
  }

  #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const session = this.#open();
    this.#inFlight += 1;
    session.ref();
    const done = (): void => {
      this.#inFlight -= 1;
      if (this.#inFlight === 0 && !session.destroyed) session.unref();
    };
    return new Promise<unknown>((resolve, reject) => {
      const headers: Record<string, string> = { ':method': method, ':path': path };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (this.#token !== undefined) headers['x-emulator-token'] = this.#token;
      const stream = session.request(headers);
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => {
        done();
        reject(err);
      });
      stream.on('end', () => {
        done();
        const text = Buffer.concat(chunks).toString('utf8');
        if (status < 200 || status > 299) {
          reject(new Error(`Emulator control ${method} ${path} answered ${status}: ${text}`));
          return;
        }
        resolve(text === '' ? undefined : JSON.parse(text));
      });
      stream.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}
