import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { motoEc2, TEST_CREDENTIALS } from '../helpers/aws-backend.js';
import { startTestFakeAws } from '../helpers/fake-aws.js';
import { startMoto, type MotoServer } from '../helpers/moto-server.js';
import { CASES, type Endpoint, type Outcome } from './differential-cases.js';

/**
 * Where moto (5.x) is known to differ from AWS. For each, AWS's documentation says what AWS does, and lbmanager's fake
 * does that; moto's answer is recorded too, so that a moto that changes is noticed. No row may be a difference the
 * fake could model: the fake follows AWS everywhere.
 */
const DIFFERENCES: Record<string, { aws: Partial<Outcome>; moto: Partial<Outcome>; why: string; reference: string }> = {
  'elb-register-terminated': {
    aws: { status: 400, code: 'InvalidInstance', state: 0 },
    moto: { status: 200, code: 'ok', state: 1 },
    why: 'Classic ELB refuses an instance that is not running; moto never checks that an instance exists or runs',
    reference:
      'https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_RegisterInstancesWithLoadBalancer.html',
  },
  'elb-register-answer-lists-members': {
    aws: { state: 2 },
    moto: { state: 0 },
    why: "the answer's Instances is the load balancer's updated list; moto answers an empty list",
    reference:
      'https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_RegisterInstancesWithLoadBalancer.html',
  },
  'elb-register-missing-lb': {
    aws: { status: 400, code: 'LoadBalancerNotFound' },
    moto: { status: 500 },
    why: 'registering with a load balancer that does not exist fails with LoadBalancerNotFound (AccessPointNotFound); moto fails with an internal error',
    reference:
      'https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_RegisterInstancesWithLoadBalancer.html',
  },
  'elbv2-register-instance-two-ports': {
    aws: { status: 200, code: 'ok', state: 2 },
    moto: { status: 200, code: 'ok', state: 1 },
    why: 'a target is (Id, Port): one instance on two ports is two targets; moto keeps one port per instance',
    reference: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html',
  },
  'elbv2-ip-outside-vpc-needs-zone': {
    aws: { status: 400, code: 'ValidationError', state: [] },
    moto: { status: 200, code: 'ok', state: ['192.168.7.7:80'] },
    why: 'an IP outside the VPC needs AvailabilityZone (all): "If the IP address is outside the VPC, this parameter is required"; moto takes it without',
    reference: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html',
  },
  'elbv2-ip-in-vpc-zone-all': {
    aws: { status: 400, code: 'ValidationError', state: [] },
    moto: { status: 200, code: 'ok', state: ['10.0.1.9:80'] },
    why: "an IP of the VPC's subnets has its zone detected; AWS refuses `all` for it (\"cannot have its Availability Zone overridden to 'all'\", kubernetes-sigs/aws-load-balancer-controller#561); moto takes it",
    reference: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html',
  },
  'elbv2-ip-public': {
    aws: { status: 400, code: 'ValidationError', state: [] },
    moto: { status: 200, code: 'ok', state: ['8.8.8.8:80'] },
    why: 'IP targets come from the VPC\'s subnets, RFC 1918 or RFC 6598: "You can\'t specify publicly routable IP addresses"; moto registers 8.8.8.8',
    reference:
      'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-type',
  },
  'elbv2-ipv6-in-ipv4-group': {
    aws: { status: 400, code: 'ValidationError', state: [] },
    moto: { status: 200, code: 'ok', state: ['2001:db8::5:80'] },
    why: "all IP addresses within a target group must have the same IP address type (the group's IpAddressType, ipv4 by default); moto mixes them",
    reference:
      'https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#target-group-ip-address-type',
  },
  'elbv2-health-new-target': {
    aws: { status: 200, code: 'ok', state: ['10.0.1.10:80 initial'] },
    moto: { status: 200, code: 'ok', state: ['10.0.1.10:80 healthy'] },
    why: 'a new target is `initial` while the load balancer sends it its first health checks; moto makes it healthy at once',
    reference:
      'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html#target-health-states',
  },
  'elbv2-health-deregistered-target': {
    aws: { status: 200, code: 'ok', state: ['10.0.1.11:80 draining', '10.0.1.12:80 registered'] },
    moto: { status: 200, code: 'ok', state: ['10.0.1.12:80 registered'] },
    why: "a deregistered target is `draining` for the group's deregistration delay (300 s by default); moto drops it at once",
    reference:
      'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay',
  },
  'elbv2-deregister-never-registered': {
    aws: { status: 200, code: 'ok', state: ['10.0.1.13:80'] },
    moto: { status: 400, code: 'InvalidTarget', state: ['10.0.1.13:80'] },
    why: 'deregistering a target that is not registered is not an error (the call only raises InvalidTarget for an invalid target); moto answers InvalidTarget',
    reference: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeregisterTargets.html',
  },
  'route53-wildcard-listed-escaped': {
    aws: { state: ['\\052'] },
    moto: { state: ['*'] },
    why: 'Route53 lists `*` as the octal escape \\052 (and sorts by it); moto lists `*`',
    reference: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html',
  },
  'route53-delete-missing': {
    aws: { status: 400, code: 'InvalidChangeBatch' },
    moto: { status: 400, code: 'InvalidInput' },
    why: 'deleting a set that is not there fails the batch with InvalidChangeBatch ("…but it was not found"); moto answers InvalidInput',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html',
  },
  'route53-delete-values-differ': {
    aws: { status: 400, code: 'InvalidChangeBatch', state: 1 },
    moto: { status: 400, code: 'InvalidInput', state: 1 },
    why: 'a DELETE whose values differ from the set fails the batch with InvalidChangeBatch ("…the values provided do not match the current values"); moto answers InvalidInput',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html',
  },
  'route53-create-existing': {
    aws: { status: 400, code: 'InvalidChangeBatch' },
    moto: { status: 200, code: 'ok' },
    why: 'CREATE of a set that exists fails the batch ("…but it already exists"); moto replaces it',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_Change.html',
  },
  'route53-plain-beside-weighted': {
    aws: { status: 400, code: 'InvalidChangeBatch', state: 1 },
    moto: { status: 200, code: 'ok', state: 2 },
    why: 'a plain set cannot stand beside weighted sets of its name and type; moto accepts the mix',
    reference: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-weighted.html',
  },
  'route53-delete-without-identifier': {
    aws: { status: 400, code: 'InvalidChangeBatch', state: 2 },
    moto: { status: 200, code: 'ok', state: 0 },
    why: 'a DELETE must match a set exactly, SetIdentifier included; moto deletes every set of that name and type',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html',
  },
  'route53-delete-weighted-other-weight': {
    aws: { status: 400, code: 'InvalidChangeBatch', state: ['lbm:192.0.2.1 3 60'] },
    moto: { status: 200, code: 'ok', state: [] },
    why: 'a DELETE of a weighted set must give its Weight too ("you must specify all the same values that you specified when you created it"); moto deletes the set whatever the weight',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html',
  },
  'route53-weight-out-of-range': {
    aws: { status: 400, code: 'InvalidInput', state: [] },
    moto: { status: 200, code: 'ok', state: ['lbm:192.0.2.1 256 60'] },
    why: 'Weight is 0-255 (Valid Range: Minimum value of 0. Maximum value of 255); moto stores 256',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html',
  },
  'route53-multivalue-with-weight': {
    aws: { status: 400, code: 'InvalidInput', state: [] },
    moto: { status: 200, code: 'ok' },
    why: 'a set has one routing policy: Weight and MultiValueAnswer together are refused; moto stores both',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html',
  },
  'route53-multivalue-beside-weighted': {
    aws: { status: 400, code: 'InvalidChangeBatch', state: 1 },
    moto: { status: 200, code: 'ok', state: 2 },
    why: 'weighted and multivalue sets of one name and type do not mix ("You can\'t create latency, failover, or geolocation resource record sets that have the same values for the Name and Type elements as weighted resource record sets", and so for multivalue); moto accepts the mix',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html',
  },
  'route53-weighted-over-100': {
    aws: { status: 400, code: 'InvalidChangeBatch', state: 100 },
    moto: { status: 200, code: 'ok', state: 101 },
    why: '"You can create a maximum of 100 weighted resource record sets that have the same values for the Name and Type elements"; moto takes a 101st',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html',
  },
  'route53-weighted-ttl-differs': {
    aws: { status: 400, code: 'InvalidChangeBatch', state: ['lbm:192.0.2.1 1 60', 'lbm:192.0.2.2 1 60'] },
    moto: { status: 200, code: 'ok', state: ['lbm:192.0.2.1 1 300', 'lbm:192.0.2.2 1 60'] },
    why: '"You must specify the same value for TTL for all of the records in this group of weighted records" (the API answers "weighted sets must contain the same TTL", aws/aws-sdk-go-v2#518); moto lets the TTLs differ',
    reference:
      'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-weighted.html#rrsets-values-weighted-ttl',
  },
  'route53-test-dns-answer-multivalue': {
    aws: { status: 200, code: 'ok', state: 8 },
    moto: { status: 404 },
    why: 'TestDNSAnswer answers what Route53 would: of ten multivalue sets, "up to eight healthy records"; moto does not serve TestDNSAnswer',
    reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html',
  },
  'route53-cname-conflict': {
    aws: { status: 400, code: 'InvalidChangeBatch', state: 1 },
    moto: { status: 200, code: 'ok', state: 2 },
    why: 'a CNAME excludes every other set at its name; moto accepts an A beside it',
    reference: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#CNAMEFormat',
  },
};

/** The outcome with only the fields a row states, to compare with it. */
const pick = (o: Outcome, fields: Partial<Outcome>): Partial<Outcome> =>
  Object.fromEntries(Object.keys(fields).map((k) => [k, o[k as keyof Outcome]]));

function clients(url: string): Pick<Endpoint, 'elb' | 'elbv2' | 'route53'> {
  const config = { region: 'us-east-1', endpoint: url, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  return {
    elb: new ElasticLoadBalancingClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    route53: new Route53Client(config),
  };
}

describe('the fake against moto: every operation lbmanager calls, every error it handles', () => {
  let fake: FakeAwsServer;
  let moto: MotoServer;
  let onFake: Endpoint;
  let onMoto: Endpoint;
  const results = new Map<string, { fake: Outcome; moto: Outcome }>();

  before(async () => {
    // Route53's buckets are the fake's alone (moto has none): off here, where requests come fast.
    [fake, moto] = await Promise.all([
      startTestFakeAws({ route53Rps: 0, healthyAfterMs: 600_000, deregistrationDelayMs: 600_000 }),
      startMoto(),
    ]);
    let n = 0;
    onFake = {
      ...clients(fake.url),
      vpcId: 'vpc-00000000000000001',
      instances: (count) =>
        Promise.resolve(Array.from({ length: count }, () => `i-${(0xa000000 + ++n).toString(16).padStart(17, '0')}`)),
      terminated: async () => {
        const id = `i-${(0xd000000 + ++n).toString(16).padStart(17, '0')}`;
        await fetch(`${fake.url}/_fake/terminate`, {
          method: 'POST',
          body: JSON.stringify({ region: 'us-east-1', instances: [id] }),
        });
        return id;
      },
    };
    const ec2 = (action: string, params: Record<string, string>) => motoEc2(moto.url, 'us-east-1', action, params);
    const vpc = /<vpcId>([^<]+)<\/vpcId>/.exec(await ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' }))?.[1] ?? '';
    await ec2('CreateSubnet', { VpcId: vpc, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' });
    const run = async (count: number): Promise<string[]> => {
      const xml = await ec2('RunInstances', { ImageId: 'ami-12345678', MinCount: `${count}`, MaxCount: `${count}` });
      return [...xml.matchAll(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g)].map((m) => m[1] as string);
    };
    onMoto = {
      ...clients(moto.url),
      vpcId: vpc,
      instances: run,
      terminated: async () => {
        const [id] = await run(1);
        await ec2('TerminateInstances', { 'InstanceId.1': id ?? '' });
        return id ?? '';
      },
    };
  });
  after(async () => {
    for (const e of [onFake, onMoto]) for (const c of [e.elb, e.elbv2, e.route53]) c.destroy();
    await Promise.all([fake.close(), moto.stop()]);
    const actions = new Set(CASES.map((c) => c.action));
    process.stdout.write(
      `differential: ${CASES.length} requests over ${actions.size} AWS actions; ` +
        `${CASES.length - Object.keys(DIFFERENCES).length} answered alike, ${Object.keys(DIFFERENCES).length} known ` +
        'differences where moto departs from AWS and the fake follows AWS\n',
    );
  });

  for (const c of CASES) {
    test(`${c.action} — ${c.id}`, async () => {
      const [f, m] = [await c.run(onFake), await c.run(onMoto)];
      results.set(c.id, { fake: f, moto: m });
      const known = DIFFERENCES[c.id];
      if (!known) {
        assert.deepEqual(f, m, 'the fake answers as moto does');
        return;
      }
      assert.deepEqual(pick(f, known.aws), known.aws, `the fake does what AWS does: ${known.why} (${known.reference})`);
      assert.deepEqual(pick(m, known.moto), known.moto, `moto still differs as recorded: ${known.why}`);
    });
  }

  test('every AWS action of the README IAM policy is exercised', () => {
    const actions = new Set(CASES.map((c) => c.action));
    for (const a of [
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
      'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
      'elasticloadbalancing:DescribeTargetGroups',
      'elasticloadbalancing:DescribeTargetHealth',
      'elasticloadbalancing:RegisterTargets',
      'elasticloadbalancing:DeregisterTargets',
      'route53:ListResourceRecordSets',
      'route53:ChangeResourceRecordSets',
    ]) {
      assert.ok(actions.has(a), a);
    }
  });
});
