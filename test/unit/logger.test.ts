import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger, type LogFormat } from '../../src/util/logger.js';

/** Logs one line through a real winston logger and returns what reached the stream. */
async function logOnce(format: LogFormat, message: string, meta: Record<string, unknown>): Promise<string> {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const logger = createLogger({ format, stream, level: 'debug' });
  logger.warn(message, meta);
  await new Promise<void>((resolve) => setImmediate(resolve));
  return out;
}

// A key that tries to end the line, forge the next one, set the terminal title and move the cursor back.
const HOSTILE =
  '/lbManager/elb/us-east-1/web/multiple/i-1\n2026-01-01T00:00:00.000Z info forged\x1b]0;owned\x07\r\x9b2J\x7f';
// Raw control characters a terminal acts on: C0 (but the line's own newline), DEL, C1, and Unicode line separators.
// eslint-disable-next-line no-control-regex -- the point of the test
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('logs: control characters', () => {
  test('text logs escape control characters in the message and in every meta value, nested too', async () => {
    const out = await logOnce('text', `malformed key ${HOSTILE}`, {
      key: HOSTILE,
      nested: { keys: [HOSTILE], deeper: { reason: 'bad\r\nline' } },
      [`odd\nname`]: 1,
    });
    // Colours are off when the stream is not a TTY only for the level: strip winston's own SGR codes around the level.
    // eslint-disable-next-line no-control-regex -- colorize's codes are the only escapes allowed
    const withoutColours = out.replace(/\u001b\[\d+m/g, '');
    assert.equal(withoutColours.split('\n').length, 2, `one line: ${JSON.stringify(out)}`);
    assert.ok(withoutColours.endsWith('\n'));
    assert.doesNotMatch(withoutColours.slice(0, -1), RAW_CONTROL, JSON.stringify(out));
    assert.match(withoutColours, /i-1\\n2026-01-01T00:00:00\.000Z info forged\\x1b\]0;owned\\x07\\r\\x9b2J\\x7f/);
    assert.match(withoutColours, /bad\\r\\n|bad\\\\r\\\\n/);
  });

  test('JSON logs stay one line that decodes to the same values, with no raw control character', async () => {
    const out = await logOnce('json', `malformed key ${HOSTILE}`, { key: HOSTILE, nested: { keys: [HOSTILE] } });
    assert.equal(out.split('\n').length, 2, `one line: ${JSON.stringify(out)}`);
    assert.doesNotMatch(out.slice(0, -1), RAW_CONTROL, JSON.stringify(out));
    const line = JSON.parse(out) as { message: string; key: string; nested: { keys: string[] } };
    assert.equal(line.message, `malformed key ${HOSTILE}`);
    assert.equal(line.key, HOSTILE);
    assert.deepEqual(line.nested.keys, [HOSTILE]);
  });
});

describe('logs: credentials in URLs', () => {
  for (const format of ['json', 'text'] as const) {
    test(`${format}: a password in an endpoint URL is masked in the message and in meta values`, async () => {
      const endpoints = ['https://lbm:s3cret-pw@etcd-a:2379', 'http://etcd-b:2379'];
      const out = await logOnce(format, 'cannot reach https://lbm:s3cret-pw@etcd-a:2379', {
        etcdEndpoints: endpoints,
        error: 'connect failed: https://lbm:s3cret-pw@etcd-a:2379 and https://x:y@z/',
      });
      assert.doesNotMatch(out, /s3cret-pw/);
      assert.match(out, /https:\/\/lbm:\*\*\*@etcd-a:2379/);
      assert.match(out, /https:\/\/x:\*\*\*@z\//);
      assert.match(out, /http:\/\/etcd-b:2379/);
      assert.deepEqual(
        endpoints,
        ['https://lbm:s3cret-pw@etcd-a:2379', 'http://etcd-b:2379'],
        'the caller keeps its URLs',
      );
    });
  }
});
