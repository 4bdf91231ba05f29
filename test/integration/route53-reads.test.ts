import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { AwsClients } from '../../src/providers/aws-clients.js';
import { Route53AwsProvider } from '../../src/providers/route53.js';
import type { ZoneRecords } from '../../src/plan/records.js';
import { startTestFakeAws } from '../helpers/fake-aws.js';

// A zone holding every kind of set lbmanager meets at its names: plain, alias, weighted (more than a page of them at one
// name), a CNAME, a wildcard, other types, and names around them that sort close.
let fake: FakeAwsServer;
let clients: AwsClients;
const names = ['www.r.test', '*.r.test', 'apex.r.test', 'w.r.test', 'c.r.test', '0.r.test', 'none.r.test'];

before(async () => {
  fake = await startTestFakeAws({ route53Rps: 0 });
  const set = (name: string, type: string, values: string[], extra: object = {}) => ({
    name,
    type,
    ttl: 60,
    values,
    ...extra,
  });
  fake.state.load({
    route53: {
      zones: {
        ZREAD: {
          name: 'r.test',
          recordSets: [
            set('www.r.test', 'A', ['192.0.2.1']),
            set('www.r.test', 'AAAA', ['2001:db8::1']),
            set('www.r.test', 'TXT', ['"x"']),
            set('www-a.r.test', 'A', ['192.0.2.2']),
            set('*.r.test', 'A', ['192.0.2.3']),
            set('0.r.test', 'A', ['192.0.2.4']),
            {
              name: 'apex.r.test',
              type: 'A',
              aliasTarget: { hostedZoneId: 'ZREAD', dnsName: 'www.r.test', evaluateTargetHealth: false },
            },
            set('apex.r.test', 'AAAA', ['2001:db8::5']),
            ...Array.from({ length: 45 }, (_, i) =>
              set('w.r.test', 'A', [`198.51.100.${i + 1}`], {
                setIdentifier: `s${String(i).padStart(2, '0')}`,
                weight: 1,
              }),
            ),
            set('w.r.test', 'AAAA', ['2001:db8::7']),
            set('c.r.test', 'CNAME', ['www.r.test']),
          ],
        },
      },
    },
  });
  clients = new AwsClients({
    userAgent: 'lbmanager/test',
    route53Endpoint: fake.url,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
});
after(async () => {
  clients.destroy();
  await fake.close();
});

const canonical = (r: ZoneRecords) => ({
  owned: r.owned.map((s) => `${s.name} ${s.type} ${s.values.join(',')}`).sort(),
  foreign: r.foreign.map((s) => `${s.name} ${s.type} ${s.kind} ${s.setIdentifier ?? ''}`).sort(),
});

test('a whole-zone listing and reads name by name see the same sets, however many share a name', async () => {
  const byName = await new Route53AwsProvider(clients, 'us-east-1').readRecordSets('ZREAD', names);
  const listed = await new Route53AwsProvider(clients, 'us-east-1').readRecordSets('ZREAD', 'all');
  const wanted = new Set(names);
  const fromListing = {
    owned: listed.owned.filter((s) => wanted.has(s.name)),
    foreign: listed.foreign.filter((s) => wanted.has(s.name)),
  };
  assert.deepEqual(canonical(byName), canonical(fromListing));
  const seen = canonical(byName);
  assert.ok(seen.owned.includes('w.r.test AAAA 2001:db8::7'), 'the AAAA behind 45 weighted A sets');
  assert.ok(seen.owned.includes('*.r.test A 192.0.2.3'), 'the wildcard');
  assert.equal(seen.foreign.filter((f) => f.startsWith('w.r.test A routing-policy')).length, 45);
  assert.ok(seen.foreign.includes('apex.r.test A alias '));
  assert.ok(seen.foreign.includes('c.r.test CNAME cname '));
  assert.ok(!seen.owned.some((o) => o.startsWith('www-a.r.test')), 'a name that sorts close is not taken for another');
});
