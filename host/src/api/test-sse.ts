/** For route tests: a Server-Sent Events answer read over node:http as it comes, kept whole. */
import http from 'node:http';

export interface SseResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Everything received so far. */
  text: () => string;
  /** Settles when the server ended the response (or the connection closed). */
  ended: Promise<void>;
  close: () => void;
}

export function openSse(url: string, headers: Record<string, string>): Promise<SseResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => void (text += chunk));
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text: () => text, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}
