import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WriteLedger } from '../../src/providers/write-ledger.js';

describe('write ledger: which listing may answer which read', () => {
  test('a listing started after a write was answered may answer for its target', async () => {
    const ledger = new WriteLedger();
    await ledger.write('web', () => Promise.resolve());
    const listedAt = ledger.listingStarts();
    assert.equal(ledger.mayAnswer('web', listedAt), true);
  });

  test('a write in flight when the listing started, answered after it, keeps the listing out', async () => {
    const ledger = new WriteLedger();
    let release!: () => void;
    const writing = ledger.write('web', () => new Promise<void>((r) => (release = r)));
    const listedAt = ledger.listingStarts();
    assert.equal(ledger.mayAnswer('web', listedAt), false, 'while the write is in flight');
    release();
    await writing;
    assert.equal(ledger.mayAnswer('web', listedAt), false, 'after it was answered');
    assert.equal(ledger.mayAnswer('api', listedAt), true, 'another target is not affected');
  });

  test('a write begun after the listing started keeps the listing out, even when it failed', async () => {
    const ledger = new WriteLedger();
    const listedAt = ledger.listingStarts();
    await assert.rejects(ledger.write('web', () => Promise.reject(new Error('Throttling'))));
    assert.equal(ledger.mayAnswer('web', listedAt), false);
    assert.equal(ledger.mayAnswer('web', ledger.listingStarts()), true, 'a listing started after it is fine');
  });
});
