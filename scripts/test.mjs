// The whole test suite: makes sure etcd and the other programs the tests run are there (installed from Debian when
// root; tests that need them fail rather than skip), builds the CLI that the end-to-end tests run, then runs every test
// file with Node's test runner. `node scripts/test.mjs unit` runs unit tests only; the conformance suite runs the
// end-to-end scenarios against lbmanager fake-aws and against moto_server, an AWS mock the project did not write.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTools, TEST_TOOLS } from './ensure-tools.mjs';

// Suites are folders of test/; an argument ending in .test.ts is one file (npm run test:moto names its files).
const args = process.argv.slice(2);
const suites = args.length > 0 ? args : ['unit', 'integration', 'e2e', 'conformance'];

function testFiles(dir) {
  let out = [];
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(testFiles(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// The Node the tests run on: the one running this script, which under npm is the project's own (devDependency `node`:
// npm puts node_modules/.bin first on PATH), whatever Node the machine has; or another one named by LBM_TEST_NODE
// (`LBM_TEST_NODE=/path/to/node npm test`, to try a supported Node besides the pinned one). Every process the tests
// start runs on that same binary (process.execPath).
const node = process.env.LBM_TEST_NODE || process.execPath;
const probe = spawnSync(node, ['--version'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`LBM_TEST_NODE=${node} is not a Node binary: ${probe.error?.message ?? probe.stderr}`);
  process.exit(1);
}
console.log(`tests run on Node ${probe.stdout.trim()} (${node})`);

const files = suites.flatMap((s) => (s.endsWith('.test.ts') ? [s] : testFiles(join('test', s))));
if (files.length === 0) {
  console.error(`no test files found for ${suites.join(', ')}`);
  process.exit(1);
}
if (suites.some((s) => s !== 'unit')) {
  ensureTools(TEST_TOOLS);
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// Files run three at a time: most of an end-to-end file's time is waiting (on etcd, the daemon, a minute of watching),
// and Node's default on a 2-core machine (cores - 1) runs them one by one. Every test starts its own etcd, fake endpoint
// and daemon on free ports, so files share nothing.
const concurrency = process.env.LBM_TEST_CONCURRENCY ?? '3';
const r = spawnSync(
  node,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, LBM_LOG_LEVEL: process.env.LBM_LOG_LEVEL ?? 'error' },
  },
);
process.exit(r.status ?? 1);
