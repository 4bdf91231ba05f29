import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, startCli } from '../helpers/cli.js';
import { parsePrometheusText } from '../helpers/prometheus.js';
import { startStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { runArgs } from '../../scripts/lib/harness.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  devDependencies: Record<string, string>;
};
/** The runtime the project brings from the npm registry (devDependency `node`), whatever Node the machine has. */
const PINNED = `v${pkg.devDependencies.node ?? '(none)'}`;

// Variables that would hide a warning from the output the tests read.
const WARNINGS_SHOWN = {
  NODE_NO_WARNINGS: undefined,
  NODE_OPTIONS: undefined,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
};

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

  test('the AWS SDK warns on an old Node the way the next test looks for (the check is not blind)', () => {
    // What the SDK's clients call at construction with process.version; here with Node 20's.
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { emitWarningIfUnsupportedVersion } from '@aws-sdk/core/client'; emitWarningIfUnsupportedVersion('v20.20.2');",
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...WARNINGS_SHOWN }, timeout: 30_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Warning: NodeVersionSupportWarning: [\s\S]*will require node >=22/);
  });

  test('lbmanager run prints no warning: no NodeVersionSupportWarning, nothing from Node', async () => {
    const s = await startStack({ lbs: ['web'] });
    const d = startCli(
      [...runArgs({ etcdEndpoint: s.etcd.endpoint, awsUrl: s.fake.url }), '--identity', 'runtime'],
      WARNINGS_SHOWN,
    );
    try {
      const url = (await d.waitForOutput(/admin endpoint listening[^\n]*"url":"([^"]+)"/))[1] ?? '';
      const member = 'i-0a1b2c3d4e5f60001';
      await s.putMany([`/lbManager/elb/us-east-1/web/multiple/${member}`]);
      // A member registered: the SDK's clients were made (they warn at construction) and called.
      await waitFor('registered', async () => (await s.members('web')).includes(member));
      const version = parsePrometheusText(await (await fetch(`${url}/metrics`)).text()).find(
        (x) => x.name === 'nodejs_version_info',
      );
      assert.equal(version?.labels.version, process.version, 'the daemon runs on the Node the tests run on');
      assert.equal(await d.stop('SIGTERM'), 0);
      assert.doesNotMatch(d.output(), /NodeVersionSupportWarning/);
      assert.doesNotMatch(d.output(), /Warning:/);
    } finally {
      await d.stop('SIGKILL');
      await s.stop();
    }
  });
});
