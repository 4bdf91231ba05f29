// The demo: a local etcd, `lbmanager fake-aws` with a load balancer `web` (us-east-1) and a hosted zone `example.test`,
// and the daemon; then the original lbManager's flows played with etcdctl, printing what AWS holds after each step.
// `--once` exits after the flows (0 when every step converged, 1 otherwise); without it, it stays up for you to try.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEtcd } from './ensure-tools.mjs';
import {
  answersOk,
  awsEnv,
  CLI,
  fakeControl,
  freePort,
  poll,
  runArgs,
  sleep,
  startEtcdServer,
  startFakeAwsProcess,
  startProcess,
} from './lib/harness.mjs';

const once = process.argv.includes('--once');
const ZONE = 'Z0DEMOEXAMPLETEST';
const PREFIX = '/lbManager';
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

const { etcdctl: etcdctlBin } = ensureEtcd();
const etcd = await startEtcdServer();
const adminPort = await freePort();
const adminUrl = `http://127.0.0.1:${adminPort}`;
const stateDir = mkdtempSync(join(tmpdir(), 'lbm-demo-'));
const stateFile = join(stateDir, 'fake-aws.json');
writeFileSync(
  stateFile,
  JSON.stringify(
    {
      elb: { 'us-east-1': { web: { instances: [] } } },
      elbv2: { 'us-east-1': { 'web-tg': { port: 80, protocol: 'HTTP', targetType: 'ip', targets: [] } } },
      route53: { zones: { [ZONE]: { name: 'example.test', recordSets: [] } } },
      terminated: {},
    },
    null,
    2,
  ),
);

const env = {
  ...process.env,
  ...awsEnv('demo'),
  LBM_LOG_FORMAT: 'json',
  // The demo's children log at info whatever the caller's environment says (the test runner sets error).
  LBM_LOG_LEVEL: 'info',
};
const fake = await startFakeAwsProcess({ args: ['--state', stateFile], env: { LBM_LOG_LEVEL: 'info' } });
const fakeUrl = fake.url;
const daemon = startProcess(
  process.execPath,
  [
    CLI,
    ...runArgs({
      etcdEndpoint: etcd.endpoint,
      awsUrl: fakeUrl,
      adminListen: `127.0.0.1:${adminPort}`,
      identity: 'demo',
    }),
  ],
  { env },
);
// Ready: the tree is read and the first reconcile of every target is done.
try {
  await poll(
    'the daemon to become ready',
    async () => {
      if (daemon.proc.exitCode !== null) throw new Error(`the daemon exited:\n${daemon.output()}`);
      return answersOk(`${adminUrl}/readyz`);
    },
    30_000,
    100,
  );
} catch (e) {
  throw new Error(`${e.message}\n${daemon.output().slice(-3000)}`, { cause: e });
}

console.log(bold('\nlbmanager demo'));
console.log(`etcd:     ${etcd.endpoint}`);
console.log(
  `fake AWS: ${fakeUrl} (load balancer "web" and target group "web-tg" in us-east-1, hosted zone ${ZONE} example.test)`,
);
console.log(`admin:    ${adminUrl} (/healthz /readyz /metrics /state)`);
// npm run demo brings its own Node (devDependency `node`): say which one the demo, fake AWS and the daemon run on.
console.log(`node:     ${process.version} (${process.execPath})`);

function etcdctl(...args) {
  console.log(dim(`$ etcdctl ${args.map((a) => (a === '' ? '""' : a)).join(' ')}`));
  execFileSync(etcdctlBin, [`--endpoints=${etcd.endpoint}`, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function awsHolds() {
  const state = await fakeControl(fakeUrl).state();
  const instances = [...(state.elb?.['us-east-1']?.web?.instances ?? [])].sort();
  const sets = (state.route53?.zones?.[ZONE]?.recordSets ?? [])
    .filter((s) => s.type === 'A' || s.type === 'AAAA')
    .map(
      (s) =>
        `${s.name} ${s.type} ${[...s.values].sort().join(',')}` +
        (s.weight !== undefined ? ` weight ${s.weight}` : '') +
        (s.setIdentifier !== undefined ? ` (${s.setIdentifier})` : ''),
    )
    .sort();
  const targets = (state.elbv2?.['us-east-1']?.['web-tg']?.targets ?? [])
    .map((t) => `${t.id}:${t.port}${t.availabilityZone === 'all' ? ' (AvailabilityZone=all)' : ''}`)
    .sort();
  return { instances, targets, sets };
}

let failures = 0;
async function step(title, actions, expected) {
  console.log(bold(`\n== ${title}`));
  actions();
  const want = JSON.stringify(expected);
  // A step names what it changes; the rest is still printed.
  const picked = (g) => JSON.stringify(Object.fromEntries(Object.keys(expected).map((k) => [k, g[k]])));
  const end = Date.now() + 15000;
  let got;
  for (;;) {
    got = await awsHolds();
    if (picked(got) === want) break;
    if (Date.now() > end) break;
    await sleep(100);
  }
  console.log(`ELB web:       ${got.instances.length ? got.instances.join(' ') : '(no instances)'}`);
  console.log(`ELBv2 web-tg:  ${got.targets.length ? got.targets.join(' ') : '(no targets)'}`);
  console.log(`Route53 zone:  ${got.sets.length ? got.sets.join('\n               ') : '(no A/AAAA records)'}`);
  if (picked(got) !== want) {
    failures++;
    console.log(`NOT CONVERGED: expected ${want}`);
  }
}

const elbKey = (cls, id) => `${PREFIX}/elb/us-east-1/web/${cls}/${id}`;
const dnsKey = (cls, ip) => `${PREFIX}/route53/us-east-1/${ZONE}/www.example.test/${cls}/${ip}`;
const tgKey = (cls, target) => `${PREFIX}/elbv2/us-east-1/web-tg/${cls}/${target}`;
/** The weighted A sets of www.example.test as the steps print them: one per member, with lbmanager's SetIdentifier. */
const weightedSets = (weights) =>
  Object.entries(weights).map(([ip, w]) => `www.example.test A ${ip} weight ${w} (lbm:${ip})`);
const [i1, i2, i3] = ['i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002', 'i-0a1b2c3d4e5f60003'];

await step(
  'Two web servers start (ExecStartPost=etcdctl put …/multiple/$INSTANCE_ID)',
  () => {
    etcdctl('put', elbKey('multiple', i1), '');
    etcdctl('put', elbKey('multiple', i2), '');
  },
  { instances: [i1, i2], sets: [] },
);
await step('One stops (ExecStop=etcdctl del …)', () => etcdctl('del', elbKey('multiple', i1)), {
  instances: [i2],
  sets: [],
});
await step(
  'A single switch: the newest single key is the only member (registered before the old one leaves)',
  () => etcdctl('put', elbKey('single', i3), ''),
  { instances: [i3], sets: [] },
);
await step(
  'Roll back: delete the single key, the multiple members take effect again',
  () => etcdctl('del', elbKey('single', i3)),
  { instances: [i2], sets: [] },
);
await step(
  'DNS load balancing: two IPv4 members and one IPv6 member',
  () => {
    etcdctl('put', dnsKey('multiple', '192.0.2.10'), '');
    etcdctl('put', dnsKey('multiple', '192.0.2.11'), '');
    etcdctl('put', dnsKey('multiple', '2001:db8::10'), '');
  },
  { instances: [i2], sets: ['www.example.test A 192.0.2.10,192.0.2.11', 'www.example.test AAAA 2001:db8::10'] },
);
await step(
  'The IPv6 member leaves: its AAAA set is deleted',
  () => etcdctl('del', dnsKey('multiple', '2001:db8::10')),
  {
    instances: [i2],
    sets: ['www.example.test A 192.0.2.10,192.0.2.11'],
  },
);
await step(
  'Weighted DNS: the newest key is of class weighted; each member gets a set of its own, its weight the key value',
  () => {
    etcdctl('put', dnsKey('weighted', '192.0.2.10'), '3');
    etcdctl('put', dnsKey('weighted', '192.0.2.12'), '1');
  },
  { sets: weightedSets({ '192.0.2.10': 3, '192.0.2.12': 1 }) },
);
await step(
  'A weight change: the same key put again with another value',
  () => etcdctl('put', dnsKey('weighted', '192.0.2.12'), '2'),
  { sets: weightedSets({ '192.0.2.10': 3, '192.0.2.12': 2 }) },
);
await step(
  'Back to multiple: a multiple key put again is the newest; the plain set replaces the weighted ones in one request',
  () => etcdctl('put', dnsKey('multiple', '192.0.2.11'), ''),
  { sets: ['www.example.test A 192.0.2.10,192.0.2.11'] },
);
await step(
  'An ELBv2 target group (IP targets, VPC 10.0.0.0/16): one on the group port, one on port 8080, one outside the VPC',
  () => {
    etcdctl('put', tgKey('multiple', '10.0.1.5'), '');
    etcdctl('put', tgKey('multiple', '10.0.1.6:8080'), '');
    // A private address outside the VPC (peered, on premises): AWS wants AvailabilityZone=all for it.
    etcdctl('put', tgKey('multiple', '192.168.7.7:8080'), '');
  },
  { targets: ['10.0.1.5:80', '10.0.1.6:8080', '192.168.7.7:8080 (AvailabilityZone=all)'] },
);
await step('One target leaves', () => etcdctl('del', tgKey('multiple', '10.0.1.5')), {
  targets: ['10.0.1.6:8080', '192.168.7.7:8080 (AvailabilityZone=all)'],
});
await step(
  'The last members leave: the load balancer and the target group are emptied and the A set deleted',
  () => {
    etcdctl('del', elbKey('multiple', i2));
    etcdctl('del', '--prefix', `${PREFIX}/elbv2/`);
    etcdctl('del', '--prefix', `${PREFIX}/route53/`);
  },
  { instances: [], targets: [], sets: [] },
);

if (once) {
  await daemon.stop();
  await fake.stop();
  await etcd.stop();
  console.log(failures === 0 ? bold('\nevery step converged') : bold(`\n${failures} step(s) did not converge`));
  process.exit(failures === 0 ? 0 : 1);
}

console.log(bold('\nlbmanager is running. Try it yourself in another terminal:'));
console.log(`  export ETCDCTL_API=3 ETCDCTL_ENDPOINTS=${etcd.endpoint}`);
console.log(`  export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""`);
console.log(`  etcdctl put ${elbKey('multiple', 'i-0123456789abcdef0')} ""`);
console.log(`  aws --endpoint-url ${fakeUrl} elb describe-load-balancers --load-balancer-names web`);
console.log(`  etcdctl put ${dnsKey('multiple', '198.51.100.7')} ""`);
console.log(`  etcdctl put ${tgKey('multiple', '10.0.2.9:8080')} ""`);
console.log(`  etcdctl put ${dnsKey('weighted', '198.51.100.8')} "5"     # weighted: the value is the weight`);
console.log(
  `  aws --endpoint-url ${fakeUrl} route53 test-dns-answer --hosted-zone-id ${ZONE} --record-name www.example.test --record-type A`,
);
console.log(`  aws --endpoint-url ${fakeUrl} elbv2 describe-target-groups --names web-tg`);
console.log(`  aws --endpoint-url ${fakeUrl} route53 list-resource-record-sets --hosted-zone-id ${ZONE}`);
console.log(
  `  etcdctl del --prefix ${PREFIX}/     # a purge: held by the removal guard once 10 or more members would go`,
);
console.log(`  node ${CLI} confirm-removal --all --etcd-endpoints ${etcd.endpoint}`);
console.log(`  curl -s ${adminUrl}/state`);
console.log(`  curl -s ${fakeUrl}/_fake/calls | head -c 2000`);
console.log(dim('\nPress Ctrl-C to stop.'));
const stop = async () => {
  await daemon.stop();
  await fake.stop();
  await etcd.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
