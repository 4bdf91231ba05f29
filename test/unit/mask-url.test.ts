import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasUrlCredentials, maskUrlCredentials } from '../../src/util/mask-url.js';

test('maskUrlCredentials hides the password of every URL in a text and keeps the rest', () => {
  assert.equal(maskUrlCredentials('https://user:pw@host:2379'), 'https://user:***@host:2379');
  assert.equal(maskUrlCredentials('https://user:p@ss@host:2379/x'), 'https://user:***@host:2379/x');
  assert.equal(
    maskUrlCredentials('a https://u:1@h1:2379,https://v:2@h2:2379 b'),
    'a https://u:***@h1:2379,https://v:***@h2:2379 b',
  );
  assert.equal(maskUrlCredentials('"https://u:x@h"'), '"https://u:***@h"');
  assert.equal(maskUrlCredentials('https://:only-pw@h'), 'https://:***@h');
  for (const plain of ['http://127.0.0.1:2379', 'user@example.com', 'https://h/a:b@c', 'https://user@host']) {
    assert.equal(maskUrlCredentials(plain), plain);
  }
});

test('hasUrlCredentials sees a user or a password, parsable or not', () => {
  assert.equal(hasUrlCredentials('https://u:p@h:2379'), true);
  assert.equal(hasUrlCredentials('https://u@h:2379'), true);
  assert.equal(hasUrlCredentials('https://u:p@h:bad'), true);
  assert.equal(hasUrlCredentials('http://h:2379'), false);
});
