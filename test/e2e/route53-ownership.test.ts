import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAws } from '../helpers/aws-cli.js';
import { CLI } from '../helpers/cli.js';
import { fakeCalls } from '../helpers/fake-aws.js';
import { adminState, startStack, waitReady } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const key = (name: string, ip: string): string => `/lbManager/route53/us-east-1/ZOWN/${name}/multiple/${ip}`;

interface CliSet {
  Name: string;
  Type: string;
  SetIdentifier?: string;
  AliasTarget?: { DNSName: string };
  ResourceRecords?: Array<{ Value: string }>;
}

/** Writes a change batch through the AWS CLI, as an operator (or another tool) would. */
async function change(url: string, changes: unknown[]): Promise<void> {
  const file = join(tmpdir(), `lbm-batch-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ Changes: changes }));
  const r = await runAws(
    url,
    'route53',
    'change-resource-record-sets',
    '--hosted-zone-id',
    'ZOWN',
    '--change-batch',
    `file://${file}`,
  );
  assert.equal(r.code, 0, r.stderr);
}

async function sets(url: string): Promise<CliSet[]> {
  const r = await runAws(url, 'route53', 'list-resource-record-sets', '--hosted-zone-id', 'ZOWN');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { ResourceRecordSets: CliSet[] }).ResourceRecordSets;
}

test('an alias A at a managed name survives a multiple key; /state and plan show the conflict; its AAAA converges', async () => {
  const s = await startStack({ zones: { ZOWN: 'own.test' } });
  try {
    await change(s.fake.url, [
      {
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: 'own.test',
          Type: 'A',
          AliasTarget: {
            HostedZoneId: 'Z35SXDOTRQ7X7K',
            DNSName: 'lb-1.us-east-1.elb.amazonaws.com',
            EvaluateTargetHealth: false,
          },
        },
      },
    ]);
    await s.putMany([key('own.test', '192.0.2.1'), key('own.test', '2001:db8::1')]);
    const d = await s.daemon(['--no-leader-election']);
    await waitReady(d);
    await waitFor('the AAAA written', async () =>
      (await sets(s.fake.url)).some((x) => x.Name === 'own.test.' && x.Type === 'AAAA'),
    );
    const a = (await sets(s.fake.url)).filter((x) => x.Name === 'own.test.' && x.Type === 'A');
    assert.equal(a.length, 1);
    assert.equal(a[0]?.AliasTarget?.DNSName, 'lb-1.us-east-1.elb.amazonaws.com.', 'the alias is still there');
    const st = (await adminState(d)).targets.find((t) => t.id === 'route53/ZOWN/own.test') as unknown as {
      conflicts: Array<{ type: string; with: string }>;
    };
    assert.deepEqual(st.conflicts, [{ type: 'A', with: 'alias' }]);
    await d.waitForOutput(/record set not written: a set lbmanager does not own is in the way/);
    const plan = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [CLI, 'plan', '--etcd-endpoints', s.etcd.endpoint, '--route53-endpoint', s.fake.url, '--log-level', 'error'],
        { env: { ...process.env, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'us-east-1' } },
        (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout }),
      ),
    );
    assert.equal(plan.code, 0, `a conflict is not a pending change:\n${plan.out}`);
    assert.match(plan.out, /route53\/ZOWN\/own\.test[\s\S]*! conflict: A is held by an alias set/);
  } finally {
    await s.stop();
  }
});

test('weighted A sets at a name: its AAAA comes and goes with its keys, and no call is spent on a refused batch', async () => {
  const s = await startStack({ zones: { ZOWN: 'own.test' } });
  try {
    await change(
      s.fake.url,
      ['blue', 'green'].map((id, i) => ({
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: 'w.own.test',
          Type: 'A',
          SetIdentifier: id,
          Weight: 50,
          TTL: 60,
          ResourceRecords: [{ Value: `198.51.100.${i + 1}` }],
        },
      })),
    );
    const d = await s.daemon(['--no-leader-election']);
    await waitReady(d);
    await s.putMany([key('w.own.test', '192.0.2.7'), key('w.own.test', '2001:db8::7')]);
    const aaaa = async (): Promise<boolean> =>
      (await sets(s.fake.url)).some((x) => x.Name === 'w.own.test.' && x.Type === 'AAAA');
    await waitFor('the AAAA written', aaaa);
    await s.client.delete().key(key('w.own.test', '2001:db8::7'));
    await waitFor('the AAAA deleted with its key', async () => !(await aaaa()));
    const weighted = (await sets(s.fake.url)).filter((x) => x.Name === 'w.own.test.' && x.Type === 'A');
    assert.deepEqual(weighted.map((x) => x.SetIdentifier).sort(), ['blue', 'green'], 'the weighted sets are untouched');
    const refused = (await fakeCalls(s.fake.url)).calls.filter(
      (c) => c.operation === 'ChangeResourceRecordSets' && c.outcome !== 'ok',
    );
    assert.deepEqual(refused, [], 'no batch was refused');
  } finally {
    await s.stop();
  }
});
