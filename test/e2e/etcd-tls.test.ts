import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { readFileSync } from 'node:fs';
import { runArgs } from '../../scripts/lib/harness.mjs';
import { startCli } from '../helpers/cli.js';
import { startEtcd } from '../helpers/etcd-server.js';
import { startTestFakeAws } from '../helpers/fake-aws.js';
import { iid } from '../helpers/stack.js';
import { makePki } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

// etcd in production speaks TLS and wants a client certificate. The daemon reaches it over gRPC (etcd3), announce over
// etcd's JSON gateway (node:https): both must present the client certificate and trust the private CA.
test('etcd over TLS with client certificates: announce puts the key, the daemon registers it, withdrawal deregisters it', async () => {
  const pki = makePki();
  const etcd = await startEtcd({ tls: { ca: pki.ca, ...pki.server, client: pki.client } });
  const fake = await startTestFakeAws();
  fake.state.load({ elb: { 'us-east-1': { web: { instances: [] } } } });
  const tlsFlags = ['--etcd-ca', pki.ca, '--etcd-cert', pki.client.cert, '--etcd-key', pki.client.key];
  const key = `/lbManager/elb/us-east-1/web/multiple/${iid(7)}`;
  const client = new Etcd3({
    hosts: etcd.endpoint,
    credentials: {
      rootCertificate: readFileSync(pki.ca),
      certChain: readFileSync(pki.client.cert),
      privateKey: readFileSync(pki.client.key),
    },
  });
  const members = (): string[] => fake.state.toJSON().elb['us-east-1']?.['web']?.instances ?? [];
  const daemon = startCli([
    ...runArgs({ etcdEndpoint: etcd.endpoint, awsUrl: fake.url }),
    '--no-leader-election',
    ...tlsFlags,
  ]);
  const announce = startCli(['announce', '--etcd-endpoints', etcd.endpoint, ...tlsFlags, key]);
  try {
    assert.match(etcd.endpoint, /^https:/);
    await waitFor('the key in etcd', async () => (await client.get(key).string()) !== null);
    await waitFor('registered by the daemon', () => members().includes(iid(7)));
    assert.equal(await announce.stop('SIGTERM'), 0);
    assert.equal(await client.get(key).string(), null, 'withdrawn on SIGTERM');
    await waitFor('deregistered', () => !members().includes(iid(7)));

    // Without the client certificate etcd refuses the connection: announce says so and keeps trying, nothing is put.
    const refused = startCli(['announce', '--etcd-endpoints', etcd.endpoint, '--etcd-ca', pki.ca, key]);
    await refused.waitForOutput(/cannot announce yet, retrying/);
    assert.equal(await client.get(key).string(), null);
    await refused.stop('SIGTERM');
  } finally {
    await announce.stop('SIGKILL');
    await daemon.stop('SIGTERM');
    client.close();
    await fake.close();
    await etcd.stop();
  }
});
