import { expect, test } from 'vitest';
import { StoreSchemaError } from '../store/index.ts';
import { describeStartFailure } from './start-errors.ts';

const ctx = { host: '127.0.0.1', port: 8080, dataDir: '/srv/easel' };
const sysError = (code: string, fields: Record<string, unknown>) => Object.assign(new Error(`${code}: failed`), { code, ...fields });

test('listen errors name the address and the variable that fixes them', () => {
  expect(describeStartFailure(sysError('EADDRINUSE', { syscall: 'listen' }), ctx)).toEqual({ line: 'port 8080 on 127.0.0.1 is in use; stop the other process or set EASEL_PORT', expected: true });
  expect(describeStartFailure(sysError('EADDRINUSE', { syscall: 'listen' }), { ...ctx, runningPid: 42 }).line).toContain('running as pid 42: ./run stop stops it');
  expect(describeStartFailure(sysError('EACCES', { syscall: 'listen' }), ctx).line).toBe('no permission to listen on port 8080 on 127.0.0.1; set EASEL_PORT to a port above 1023');
  expect(describeStartFailure(sysError('EADDRNOTAVAIL', { syscall: 'listen' }), ctx).line).toMatch(/^cannot listen on 127\.0\.0\.1: .*set EASEL_HOST/);
});

test('data folder errors name the folder, the problem and EASEL_DATA_DIR', () => {
  expect(describeStartFailure(sysError('EACCES', { syscall: 'mkdir', path: '/srv/easel' }), ctx).line).toBe(
    'cannot use the data folder /srv/easel: permission denied; make it a folder this user can write, or set EASEL_DATA_DIR to one',
  );
  expect(describeStartFailure(sysError('ENOSPC', { syscall: 'open', path: '/srv/easel/admin.key.1.tmp' }), ctx).line).toMatch(/the disk is full \(at \/srv\/easel\/admin\.key\.1\.tmp\)/);
  expect(describeStartFailure(sysError('SQLITE_READONLY_DBMOVED', {}), ctx).line).toMatch(/^cannot use the data folder \/srv\/easel: SQLite can only read/);
  expect(describeStartFailure(sysError('SQLITE_NOTADB', {}), ctx).line).toMatch(/restore a backup/);
  expect(describeStartFailure(new StoreSchemaError('/srv/easel/easel.db', 9, 3), ctx)).toMatchObject({ expected: true, line: expect.stringMatching(/newer than this host knows/) });
});

test('an error outside the data folder, or of no known kind, is unexpected (its stack is shown)', () => {
  expect(describeStartFailure(sysError('EACCES', { syscall: 'open', path: '/etc/other' }), ctx)).toEqual({ line: 'the host failed to start: EACCES: failed', expected: false });
  expect(describeStartFailure(new TypeError('x is undefined'), ctx)).toEqual({ line: 'the host failed to start: x is undefined', expected: false });
});
