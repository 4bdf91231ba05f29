import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  devDependencies: Record<string, string>;
};
/** The runtime the project brings from the npm registry (devDependency `node`), whatever Node the machine has. */
const PINNED = `v${pkg.devDependencies.node ?? '(none)'}`;

describe('runtime: a supported Node, the one the project pins, everywhere', () => {
  test('the tests run on the pinned Node from node_modules/.bin (or on LBM_TEST_NODE), a version engines accepts', () => {
    assert.match(pkg.devDependencies.node ?? '', /^\d+\.\d+\.\d+$/, 'devDependency node is an exact version');
    // scripts/test.mjs runs the suite on another Node only when LBM_TEST_NODE names one.
    const asked = process.env.LBM_TEST_NODE;
    const expected = asked || join(ROOT, 'node_modules', '.bin', 'node');
    assert.equal(
      realpathSync(process.execPath),
      realpathSync(expected),
      `the suite runs on ${expected} (npm test puts node_modules/.bin first on PATH), not ${process.execPath}`,
    );
    if (!asked) assert.equal(process.version, PINNED);
    const min = Number(/^>=(\d+)$/.exec(pkg.engines.node)?.[1]);
    assert.equal(min, 22, 'engines: Node 22 or later (20 reached its end of life in April 2026)');
    assert.ok(Number(PINNED.slice(1).split('.')[0]) >= min, `the pinned ${PINNED} is a version engines accepts`);
    assert.ok(Number(process.versions.node.split('.')[0]) >= min, `${process.version} is a version engines accepts`);
  });

  test('lbmanager --version names the Node it runs on', () => {
    const r = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${pkg.version} (node ${process.version})\n`);
  });
});
