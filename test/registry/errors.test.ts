/** The registry's error table: a message template per code, filled by RegistryError, checked by the compiler. */
import { describe, expect, it } from 'vitest';
import { templateNames } from '@easel/common/errors/message-template';
import { ERROR_TABLE, RegistryError, type ErrorCode } from '../../registry/src/errors/index.ts';

const codes = Object.keys(ERROR_TABLE) as ErrorCode[];

describe('registry error messages', () => {
  it('every code has a template whose placeholders are plain names, each used once', () => {
    for (const code of codes) {
      const { message } = ERROR_TABLE[code];
      expect(message.trim(), code).not.toBe('');
      const names = templateNames(message);
      expect(new Set(names).size, code).toBe(names.length);
      // No brace is left once every placeholder is filled: a misspelt `{ name }` would be.
      const filled = new RegistryError(code as 'INTERNAL_ERROR', Object.fromEntries(names.map((n) => [n, 'x'])) as { requestId: string });
      expect(filled.message, code).not.toMatch(/[{}]/);
    }
  });

  it('fills the template with the values, status and details from the table', () => {
    const e = new RegistryError('VERSION_NOT_FOUND', { package: 'widget', version: '9.9.9' }, { hint: 1 });
    expect(e).toMatchObject({ code: 'VERSION_NOT_FOUND', statusCode: 404, message: 'widget has no version 9.9.9', details: { hint: 1 } });
    expect(new RegistryError('SIGNUP_CLOSED').message).toBe(ERROR_TABLE.SIGNUP_CLOSED.message);
    expect(new RegistryError('PUBLISH_BUSY', { max: 2, seconds: 5 }, undefined, { retryAfterSeconds: 5 }).retryAfterSeconds).toBe(5);
  });

  it('relay keeps a message from outside as it is, with the code and status of the table', () => {
    const e = RegistryError.relay('REQUEST_INVALID', 'body/x must be string', { problems: [] });
    expect(e).toBeInstanceOf(RegistryError);
    expect(e).toMatchObject({ code: 'REQUEST_INVALID', statusCode: 400, message: 'body/x must be string', details: { problems: [] } });
  });

  it('the compiler refuses missing, extra or misnamed values', () => {
    // Checked by `tsc` (npm test type-checks test/); the calls also run, so they must not throw.
    // @ts-expect-error: VERSION_NOT_FOUND needs {package, version}
    void new RegistryError('VERSION_NOT_FOUND');
    // @ts-expect-error: `name` is not a placeholder of VERSION_NOT_FOUND
    void new RegistryError('VERSION_NOT_FOUND', { name: 'widget', version: '1.0.0' });
    // @ts-expect-error: a sentence is no longer accepted where the values go
    void new RegistryError('SIGNUP_CLOSED', 'sign-up is closed');
    expect(true).toBe(true);
  });

});
