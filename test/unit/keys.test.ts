import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mayNeedValue, normalisePrefix, parseKey, parseTargetId } from '../../src/tree/keys.js';
import { decodeRoute53Name, encodeRoute53Name, normaliseFqdn } from '../../src/util/dns-name.js';
import { canonicalIp } from '../../src/util/ip.js';

const P = '/lbManager';

describe('key grammar: valid keys', () => {
  const valid: Array<[string, { targetId: string; memberClass: string; member: string }]> = [
    [
      '/lbManager/elb/us-east-1/web/multiple/i-0123abcd',
      { targetId: 'elb/us-east-1/web', memberClass: 'multiple', member: 'i-0123abcd' },
    ],
    [
      '/lbManager/elb/ap-southeast-2/loadBalancer1/single/i-0123456789abcdef0',
      { targetId: 'elb/ap-southeast-2/loadBalancer1', memberClass: 'single', member: 'i-0123456789abcdef0' },
    ],
    [
      '/lbManager/elb/us-gov-west-1/gov-lb/multiple/i-00000001',
      { targetId: 'elb/us-gov-west-1/gov-lb', memberClass: 'multiple', member: 'i-00000001' },
    ],
    [
      '/lbManager/elb/cn-north-1/a/multiple/i-00000001',
      { targetId: 'elb/cn-north-1/a', memberClass: 'multiple', member: 'i-00000001' },
    ],
    [
      '/lbManager/elb/us-isob-east-1/x-1/multiple/i-00000001',
      { targetId: 'elb/us-isob-east-1/x-1', memberClass: 'multiple', member: 'i-00000001' },
    ],
    [
      '/lbManager/elbv2/us-east-1/tg/multiple/i-0123456789abcdef0',
      { targetId: 'elbv2/us-east-1/tg', memberClass: 'multiple', member: 'i-0123456789abcdef0' },
    ],
    [
      '/lbManager/elbv2/us-east-1/tg/multiple/i-0123456789abcdef0:8080',
      { targetId: 'elbv2/us-east-1/tg', memberClass: 'multiple', member: 'i-0123456789abcdef0:8080' },
    ],
    [
      '/lbManager/elbv2/us-east-1/tg/multiple/10.0.0.5',
      { targetId: 'elbv2/us-east-1/tg', memberClass: 'multiple', member: '10.0.0.5' },
    ],
    [
      '/lbManager/elbv2/us-east-1/tg/multiple/10.0.0.5:8080',
      { targetId: 'elbv2/us-east-1/tg', memberClass: 'multiple', member: '10.0.0.5:8080' },
    ],
    [
      '/lbManager/elbv2/us-east-1/tg/single/[2001:DB8:0::5]:8080',
      { targetId: 'elbv2/us-east-1/tg', memberClass: 'single', member: '[2001:db8::5]:8080' },
    ],
    [
      '/lbManager/elbv2/us-east-1/tg/multiple/2001:db8::5',
      { targetId: 'elbv2/us-east-1/tg', memberClass: 'multiple', member: '2001:db8::5' },
    ],
    [
      '/lbManager/route53/us-east-1/Z12345678/www.mydomain.com/multiple/1.1.1.1',
      { targetId: 'route53/Z12345678/www.mydomain.com', memberClass: 'multiple', member: '1.1.1.1' },
    ],
    [
      '/lbManager/route53/eu-west-1/Z12345678/WWW.MyDomain.com./single/2001:DB8:0::1',
      { targetId: 'route53/Z12345678/www.mydomain.com', memberClass: 'single', member: '2001:db8::1' },
    ],
    [
      '/lbManager/route53/us-east-1/Z0ABC/*.apps.example.com/multiple/192.0.2.1',
      { targetId: 'route53/Z0ABC/*.apps.example.com', memberClass: 'multiple', member: '192.0.2.1' },
    ],
    [
      '/lbManager/route53/us-east-1/Z0ABC/_svc.example.com/multiple/2001:0db8:0000:0000:0000:0000:0000:0001',
      { targetId: 'route53/Z0ABC/_svc.example.com', memberClass: 'multiple', member: '2001:db8::1' },
    ],
  ];
  for (const [key, want] of valid) {
    test(key, () => {
      const r = parseKey(key, P);
      assert.ok(r.ok, r.ok ? '' : r.value.reason);
      assert.equal(r.value.targetId, want.targetId);
      assert.equal(r.value.memberClass, want.memberClass);
      assert.equal(r.value.member, want.member);
    });
  }

  test('a custom prefix', () => {
    const r = parseKey('/ops/lb/elb/us-east-1/web/multiple/i-0123abcd', normalisePrefix('ops/lb/'));
    assert.ok(r.ok);
  });

  test('the value does not matter: the parser only sees the key', () => {
    assert.ok(parseKey('/lbManager/elb/us-east-1/web/multiple/i-0123abcd', P).ok);
  });
});

describe('key grammar: malformed keys are reported with a reason', () => {
  const malformed: Array<[string, RegExp]> = [
    ['/lbManagerOld/elb/us-east-1/web/multiple/i-0123abcd', /not under \/lbManager\//],
    ['/lbManager', /not under/],
    ['/lbManager/', /unknown kind ""/],
    ['/lbManager/elbx/us-east-1/web/multiple/i-0123abcd', /unknown kind "elbx"/],
    ['/lbManager/ELB/us-east-1/web/multiple/i-0123abcd', /unknown kind "ELB"/],
    ['/lbManager/alb/us-east-1/web/multiple/i-0123abcd', /unknown kind "alb"/],
    ['/lbManager/elb/us-east-1/web/multiple', /needs 5 segments.*got 4/],
    ['/lbManager/elb/us-east-1/web/multiple/i-0123abcd/extra', /needs 5 segments.*got 6/],
    ['/lbManager/elb/us-east-1/web/multiple/i-0123abcd/', /needs 5 segments.*got 6/],
    ['/lbManager/route53/us-east-1/Z1/www.example.com/multiple', /needs 6 segments.*got 5/],
    ['/lbManager/elb//web/multiple/i-0123abcd', /empty segment 2/],
    ['/lbManager/elb/us-east-1//multiple/i-0123abcd', /empty segment 3/],
    ['/lbManager/elb/us_east_1/web/multiple/i-0123abcd', /bad region "us_east_1"/],
    ['/lbManager/elb/useast1/web/multiple/i-0123abcd', /bad region/],
    ['/lbManager/elb/US-EAST-1/web/multiple/i-0123abcd', /bad region/],
    ['/lbManager/elb/us-east-1/web/Single/i-0123abcd', /bad class "Single"/],
    ['/lbManager/elb/us-east-1/web/many/i-0123abcd', /bad class "many"/],
    ['/lbManager/elb/us-east-1/web/multiple/i-123', /bad instance id "i-123"/],
    ['/lbManager/elb/us-east-1/web/multiple/i-0123ABCD', /bad instance id/],
    ['/lbManager/elb/us-east-1/web/multiple/i-0123456789abcdef', /bad instance id/],
    ['/lbManager/elb/us-east-1/web/multiple/10.0.0.1', /bad instance id/],
    ['/lbManager/elb/us-east-1/-web/multiple/i-0123abcd', /bad load balancer name "-web"/],
    ['/lbManager/elb/us-east-1/web-/multiple/i-0123abcd', /bad load balancer name/],
    ['/lbManager/elb/us-east-1/web_1/multiple/i-0123abcd', /bad load balancer name/],
    [`/lbManager/elb/us-east-1/${'a'.repeat(33)}/multiple/i-0123abcd`, /bad load balancer name/],
    [`/lbManager/elbv2/us-east-1/${'t'.repeat(33)}/multiple/i-0123abcd`, /bad target group name/],
    ['/lbManager/elbv2/us-east-1/tg/multiple/10.0.0.5:0', /bad target.*port/],
    ['/lbManager/elbv2/us-east-1/tg/multiple/10.0.0.5:65536', /bad target.*port/],
    ['/lbManager/elbv2/us-east-1/tg/multiple/2001:db8::5:8080:', /bad target/],
    ['/lbManager/elbv2/us-east-1/tg/multiple/[10.0.0.5]:80', /bad target.*IPv6/],
    ['/lbManager/elbv2/us-east-1/tg/multiple/[2001:db8::5]', /bad target.*\[IPv6\]:port/],
    ['/lbManager/elbv2/us-east-1/tg/multiple/web-1:80', /bad target/],
    ['/lbManager/route53/us-east-1/Z1/www.example.com/multiple/1.2.3.999', /bad IP address "1.2.3.999"/],
    ['/lbManager/route53/us-east-1/Z1/www.example.com/multiple/010.0.0.1', /bad IP address/],
    ['/lbManager/route53/us-east-1/Z1/www.example.com/multiple/fe80::1%eth0', /bad IP address/],
    ['/lbManager/route53/us-east-1/Z1/www.example.com/multiple/i-0123abcd', /bad IP address/],
    ['/lbManager/route53/us-east-1/z1abc/www.example.com/multiple/1.1.1.1', /bad hosted zone id "z1abc"/],
    ['/lbManager/route53/us-east-1/hostedzone/www.example.com/multiple/1.1.1.1', /bad hosted zone id/],
    ['/lbManager/route53/us-east-1/Z1/localhost/multiple/1.1.1.1', /bad DNS name "localhost"/],
    ['/lbManager/route53/us-east-1/Z1/-bad.example.com/multiple/1.1.1.1', /bad DNS name/],
    ['/lbManager/route53/us-east-1/Z1/www..example.com/multiple/1.1.1.1', /bad DNS name/],
    ['/lbManager/route53/us-east-1/Z1/a.*.example.com/multiple/1.1.1.1', /bad DNS name/],
    [`/lbManager/route53/us-east-1/Z1/${'a'.repeat(64)}.example.com/multiple/1.1.1.1`, /bad DNS name/],
    [
      `/lbManager/route53/us-east-1/Z1/${Array.from({ length: 60 }, () => 'abcd').join('.')}/multiple/1.1.1.1`,
      /bad DNS name/,
    ],
    ['/lbManager/route53/us-east-1/Z1/wéb.example.com/multiple/1.1.1.1', /bad DNS name/],
    [`/lbManager/elb/us-east-1/web/multiple/${'x'.repeat(10_000)}`, /too long/],
  ];
  for (const [key, reason] of malformed) {
    test(key.length > 100 ? `${key.slice(0, 100)}…` : key, () => {
      const r = parseKey(key, P);
      assert.equal(r.ok, false, 'must be malformed');
      assert.match(r.value.reason, reason);
      assert.ok(r.value.reason.length < 300, 'reasons stay short even for huge keys');
    });
  }

  test(`at least 25 malformed cases are covered (${malformed.length})`, () => assert.ok(malformed.length >= 25));

  test('random garbage never throws and is always reported', () => {
    let seed = 42;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const alphabet = [
      '/',
      'a',
      '1',
      '-',
      '.',
      ':',
      'i',
      'é',
      '\u0000',
      '🙂',
      ' ',
      '[',
      ']',
      '%',
      'single',
      'elb',
      'route53',
      'multiple',
    ];
    for (let i = 0; i < 2000; i++) {
      let k = rnd(3) === 0 ? '/lbManager/' : '/lbManager/elb/us-east-1/';
      const n = rnd(40);
      for (let j = 0; j < n; j++) k += alphabet[rnd(alphabet.length)] ?? '';
      const r = parseKey(k, P);
      if (!r.ok) assert.ok(r.value.reason.length > 0);
    }
  });
});

describe('key grammar: the routing-policy classes of route53 keys', () => {
  const W = '/lbManager/route53/us-east-1/Z0ABC/www.example.com/weighted';
  const M = '/lbManager/route53/us-east-1/Z0ABC/www.example.com/multivalue';

  test("weighted: the weight is the key's value, an empty value weighs 1", () => {
    for (const [value, weight] of [
      ['', 1],
      ['0', 0],
      ['7', 7],
      ['255', 255],
      ['010', 10],
    ] as const) {
      const r = parseKey(`${W}/192.0.2.1`, P, value);
      assert.ok(r.ok, r.ok ? '' : r.value.reason);
      assert.equal(r.value.memberClass, 'weighted');
      assert.equal(r.value.member, '192.0.2.1');
      assert.equal(r.value.weight, weight, JSON.stringify(value));
    }
  });

  test('weighted: any other value makes a malformed key that says why', () => {
    for (const value of ['256', '-1', '1.5', ' 5', '5\n', 'ten', '1e2', '0x10', '{"weight":5}', 'x'.repeat(5000)]) {
      const r = parseKey(`${W}/2001:DB8::1`, P, value);
      assert.equal(r.ok, false, JSON.stringify(value));
      assert.match(r.value.reason, /bad weight .*whole number 0-255, or empty for 1/);
      assert.ok(r.value.reason.length < 300, 'reasons stay short even for huge values');
    }
  });

  test('multivalue: every value is ignored, as for single and multiple', () => {
    for (const value of ['', 'anything', '999']) {
      const r = parseKey(`${M}/2001:DB8::1`, P, value);
      assert.ok(r.ok);
      assert.equal(r.value.memberClass, 'multivalue');
      assert.equal(r.value.member, '2001:db8::1');
      assert.equal(r.value.weight, undefined);
    }
    assert.ok(parseKey('/lbManager/route53/us-east-1/Z0ABC/www.example.com/multiple/192.0.2.1', P, '999').ok);
  });

  test('routing policies are for route53 keys only; unknown classes name the ones there are', () => {
    for (const cls of ['weighted', 'multivalue']) {
      const r = parseKey(`/lbManager/elb/us-east-1/web/${cls}/i-0123abcd`, P);
      assert.equal(r.ok, false);
      assert.match(r.value.reason, /routing policies of route53 keys only/);
    }
    const elb = parseKey('/lbManager/elbv2/us-east-1/tg/latency/10.0.0.5', P);
    assert.match(elb.ok ? '' : elb.value.reason, /bad class "latency" \(expected single or multiple\)/);
    const dns = parseKey('/lbManager/route53/us-east-1/Z1/www.example.com/Weighted/192.0.2.1', P);
    assert.match(dns.ok ? '' : dns.value.reason, /expected single, multiple, weighted or multivalue/);
  });

  test('only the values of weighted keys are read', () => {
    assert.equal(mayNeedValue(`${W}/192.0.2.1`), true);
    assert.equal(mayNeedValue(`${M}/192.0.2.1`), false);
    assert.equal(mayNeedValue('/lbManager/elb/us-east-1/web/multiple/i-0123abcd'), false);
    assert.equal(mayNeedValue('weighted'), false);
    assert.equal(mayNeedValue('/weighted'), false);
  });
});

describe('IP canonical form', () => {
  test('IPv4 as written, IPv6 per RFC 5952', () => {
    assert.deepEqual(canonicalIp('192.0.2.1'), { family: 4, address: '192.0.2.1' });
    assert.deepEqual(canonicalIp('2001:DB8:0:0:0:0:0:1'), { family: 6, address: '2001:db8::1' });
    assert.deepEqual(canonicalIp('2001:db8:0:0:1:0:0:1'), { family: 6, address: '2001:db8::1:0:0:1' });
    assert.deepEqual(canonicalIp('::'), { family: 6, address: '::' });
  });
  test('rejects what is not one address', () => {
    for (const s of [
      '256.0.0.1',
      '1.2.3',
      '01.2.3.4',
      '1.2.3.4:80',
      'fe80::1%eth0',
      '',
      'example.com',
      '2001:db8::1::2',
    ]) {
      assert.equal(canonicalIp(s), undefined, s);
    }
  });
});

describe('DNS names', () => {
  test('normalised in lower case without the trailing dot', () => {
    assert.equal(normaliseFqdn('WWW.Example.COM.'), 'www.example.com');
    assert.equal(normaliseFqdn('*.example.com'), '*.example.com');
    assert.equal(normaliseFqdn('example'), undefined);
  });
  test("Route53's octal escapes round-trip", () => {
    assert.equal(decodeRoute53Name('\\052.example.com.'), '*.example.com');
    assert.equal(encodeRoute53Name('*.example.com'), '\\052.example.com.');
    assert.equal(decodeRoute53Name(encodeRoute53Name('*.Example.com')), '*.example.com');
  });
});

describe('target ids as operators write them', () => {
  test('valid ids come back canonical; bad ones say why', () => {
    assert.deepEqual(parseTargetId('elb/us-east-1/web'), { ok: true, id: 'elb/us-east-1/web' });
    assert.deepEqual(parseTargetId('route53/Z0123/WWW.Example.com.'), {
      ok: true,
      id: 'route53/Z0123/www.example.com',
    });
    const bad = parseTargetId('elb/us-east-1');
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.reason : '', /elb\/<region>\/<name>/);
    assert.equal(parseTargetId('nlb/us-east-1/web').ok, false);
    assert.equal(parseTargetId('route53/z-lower/www.example.com').ok, false);
  });
});

describe("regions: any region name of the SDK's partitions", () => {
  const ok = ['us-east-1', 'ap-southeast-7', 'mx-central-1', 'eusc-de-east-1', 'us-gov-west-1', 'cn-northwest-1'];
  const more = ['us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'il-central-1'];
  for (const region of [...ok, ...more]) {
    test(`${region} is a region`, () => {
      assert.equal(parseKey(`/lbManager/elb/${region}/web/multiple/i-0123abcd`, '/lbManager').ok, true);
    });
  }
  test('names of no partition are not', () => {
    for (const region of ['xx-east-1', 'eusc-fr-east-1', 'us-east', 'US-EAST-1']) {
      assert.equal(parseKey(`/lbManager/elb/${region}/web/multiple/i-0123abcd`, '/lbManager').ok, false, region);
    }
  });
});
