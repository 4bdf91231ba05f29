import type { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import {
  CreateLoadBalancerCommand,
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  TestDNSAnswerCommand,
  type Change,
} from '@aws-sdk/client-route-53';

/** What one request came to: its HTTP status, `ok` or the error code, and the state read back after it. */
export interface Outcome {
  readonly status: number;
  readonly code: string;
  readonly state?: unknown;
}

/** The clients and helpers a case runs with, pointed at one endpoint. */
export interface Endpoint {
  readonly elb: ElasticLoadBalancingClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly route53: Route53Client;
  /** A VPC of 10.0.0.0/16 with a subnet in us-east-1a. */
  readonly vpcId: string;
  /** Instance ids that exist, running, in the account. */
  instances(count: number): Promise<string[]>;
  /** An instance that existed and was terminated. */
  terminated(): Promise<string>;
}

/** One request lbmanager makes (or an error it handles), sent to each endpoint and compared. */
export interface DiffCase {
  readonly id: string;
  /** The IAM action, as the README's policy names it. */
  readonly action: string;
  run(e: Endpoint): Promise<Outcome>;
}

/** Sends a request and records its status and code; errors are outcomes, not failures. */
export async function outcome(
  request: Promise<{ $metadata: { httpStatusCode?: number } }>,
  readBack?: () => Promise<unknown>,
): Promise<Outcome> {
  let status: number;
  let code: string;
  try {
    status = (await request).$metadata.httpStatusCode ?? 0;
    code = 'ok';
  } catch (e) {
    const err = e as { $metadata?: { httpStatusCode?: number }; Code?: string; name?: string };
    status = err.$metadata?.httpStatusCode ?? 0;
    code = err.Code ?? err.name ?? 'Error';
  }
  return { status, code, ...(readBack ? { state: await readBack() } : {}) };
}

let unique = 0;
const name = (base: string): string => `${base}-${++unique}`;

async function lb(e: Endpoint, n: string): Promise<void> {
  await e.elb.send(
    new CreateLoadBalancerCommand({
      LoadBalancerName: n,
      Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80 }],
      AvailabilityZones: ['us-east-1a'],
    }),
  );
}

async function members(e: Endpoint, n: string): Promise<string[]> {
  const res = await e.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [n] }));
  return (res.LoadBalancerDescriptions?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '').sort();
}

async function group(e: Endpoint, n: string, type: 'instance' | 'ip', port = 80): Promise<string> {
  const res = await e.elbv2.send(
    new CreateTargetGroupCommand({ Name: n, Protocol: 'HTTP', Port: port, VpcId: e.vpcId, TargetType: type }),
  );
  return res.TargetGroups?.[0]?.TargetGroupArn ?? '';
}

async function targets(e: Endpoint, arn: string): Promise<string[]> {
  const res = await e.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  return (res.TargetHealthDescriptions ?? [])
    .filter((d) => d.TargetHealth?.State !== 'draining')
    .map((d) => `${d.Target?.Id ?? ''}:${d.Target?.Port ?? ''}`)
    .sort();
}

/** Every target the group describes with its state, draining ones included: `id:port state`. */
async function healthStates(e: Endpoint, arn: string): Promise<string[]> {
  const res = await e.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  return (res.TargetHealthDescriptions ?? [])
    .map((d) => `${d.Target?.Id ?? ''}:${d.Target?.Port ?? ''} ${d.TargetHealth?.State ?? ''}`)
    .sort();
}

const register = (e: Endpoint, arn: string, Targets: Array<{ Id: string; Port?: number; AvailabilityZone?: string }>) =>
  e.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets }));

async function zone(e: Endpoint, n: string): Promise<string> {
  const res = await e.route53.send(new CreateHostedZoneCommand({ Name: n, CallerReference: `${n}-${Date.now()}` }));
  return (res.HostedZone?.Id ?? '').replace(/^\/hostedzone\//, '');
}

const change = (e: Endpoint, zoneId: string, changes: Change[]) =>
  e.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));

async function sets(e: Endpoint, zoneId: string): Promise<string[]> {
  const res = await e.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (res.ResourceRecordSets ?? [])
    .filter((s) => s.Type !== 'SOA' && s.Type !== 'NS')
    .map(
      (s) =>
        `${s.Name} ${s.Type}${s.SetIdentifier !== undefined ? ` ${s.SetIdentifier}` : ''} ` +
        (s.AliasTarget
          ? `alias ${s.AliasTarget.DNSName?.toLowerCase().replace(/\.?$/, '.')}`
          : `${s.TTL} ${(s.ResourceRecords ?? [])
              .map((r) => r.Value)
              .sort()
              .join(',')}`),
    );
}

/** The routing-policy sets of a zone as `identifier weight-or-mv ttl`, sorted (moto lists them in another order). */
async function policySets(e: Endpoint, zoneId: string): Promise<string[]> {
  const res = await e.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (res.ResourceRecordSets ?? [])
    .filter((s) => s.SetIdentifier !== undefined)
    .map((s) => `${s.SetIdentifier} ${s.Weight ?? (s.MultiValueAnswer ? 'mv' : '-')} ${s.TTL}`)
    .sort();
}

/**
 * A ChangeResourceRecordSets case on a fresh zone: the sets `before` makes are created, then `request` is sent, and
 * the zone read back (its routing-policy sets, unless told otherwise). Both take the name the sets are at.
 */
function policyCase(
  id: string,
  before: (name: string) => Change[],
  request: (name: string) => Change[],
  readBack: (e: Endpoint, zoneId: string) => Promise<unknown> = policySets,
): DiffCase {
  return {
    id,
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('p')}.test`;
      const z = await zone(e, zn);
      const setUp = before(`w.${zn}`);
      if (setUp.length > 0) await change(e, z, setUp);
      return outcome(change(e, z, request(`w.${zn}`)), () => readBack(e, z));
    },
  };
}

const twoValues = { ResourceRecords: [{ Value: '192.0.2.1' }, { Value: '192.0.2.2' }] };
const pair = ['192.0.2.1', '192.0.2.2'];
const tenNet = (i: number): string => `10.0.${i >> 8}.${i & 255}`;

/** lbmanager's weighted set of a member. */
const lbmWeighted = (n: string, ip: string, weight: number, extra: object = {}) =>
  a(n, ip, { SetIdentifier: `lbm:${ip}`, Weight: weight, ...extra });

const a = (n: string, ip: string, extra: object = {}) => ({
  Name: n,
  Type: 'A' as const,
  TTL: 60,
  ResourceRecords: [{ Value: ip }],
  ...extra,
});

/** Every AWS operation lbmanager calls and every error code it handles, as requests both endpoints must answer. */
export const CASES: readonly DiffCase[] = [
  {
    id: 'elb-describe',
    action: 'elasticloadbalancing:DescribeLoadBalancers',
    async run(e) {
      const n = name('d');
      await lb(e, n);
      return outcome(e.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [n] })), () => members(e, n));
    },
  },
  {
    id: 'elb-describe-missing',
    action: 'elasticloadbalancing:DescribeLoadBalancers',
    run: (e) => outcome(e.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['no-such-lb'] }))),
  },
  {
    id: 'elb-register',
    action: 'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
    async run(e) {
      const n = name('r');
      await lb(e, n);
      const ids = await e.instances(2);
      const o = await outcome(
        e.elb.send(
          new RegisterInstancesWithLoadBalancerCommand({
            LoadBalancerName: n,
            Instances: ids.map((InstanceId) => ({ InstanceId })),
          }),
        ),
        async () => (await members(e, n)).length,
      );
      return o;
    },
  },
  {
    id: 'elb-register-answer-lists-members',
    action: 'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
    async run(e) {
      const n = name('ra');
      await lb(e, n);
      const ids = await e.instances(2);
      const res = await e.elb.send(
        new RegisterInstancesWithLoadBalancerCommand({
          LoadBalancerName: n,
          Instances: ids.map((InstanceId) => ({ InstanceId })),
        }),
      );
      return { status: 200, code: 'ok', state: (res.Instances ?? []).length };
    },
  },
  {
    id: 'elb-register-missing-lb',
    action: 'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
    async run(e) {
      const [id] = await e.instances(1);
      return outcome(
        e.elb.send(
          new RegisterInstancesWithLoadBalancerCommand({
            LoadBalancerName: 'no-such-lb',
            Instances: [{ InstanceId: id }],
          }),
        ),
      );
    },
  },
  {
    id: 'elb-register-terminated',
    action: 'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
    async run(e) {
      const n = name('t');
      await lb(e, n);
      const dead = await e.terminated();
      return outcome(
        e.elb.send(
          new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: n, Instances: [{ InstanceId: dead }] }),
        ),
        async () => (await members(e, n)).length,
      );
    },
  },
  {
    id: 'elb-deregister',
    action: 'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
    async run(e) {
      const n = name('g');
      await lb(e, n);
      const ids = await e.instances(2);
      await e.elb.send(
        new RegisterInstancesWithLoadBalancerCommand({
          LoadBalancerName: n,
          Instances: ids.map((InstanceId) => ({ InstanceId })),
        }),
      );
      return outcome(
        e.elb.send(
          new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: n, Instances: [{ InstanceId: ids[0] }] }),
        ),
        async () => (await members(e, n)).length,
      );
    },
  },
  {
    id: 'elbv2-describe-group-missing',
    action: 'elasticloadbalancing:DescribeTargetGroups',
    run: (e) => outcome(e.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['no-such-tg'] }))),
  },
  {
    id: 'elbv2-register-instance-ports',
    action: 'elasticloadbalancing:RegisterTargets',
    async run(e) {
      const arn = await group(e, name('ti'), 'instance');
      const [x, y] = await e.instances(2);
      return outcome(
        e.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: x }, { Id: y, Port: 8080 }] })),
        async () => (await targets(e, arn)).map((t) => t.replace(/^i-[0-9a-f]+/, 'i')).sort(),
      );
    },
  },
  {
    id: 'elbv2-register-instance-two-ports',
    action: 'elasticloadbalancing:RegisterTargets',
    async run(e) {
      const arn = await group(e, name('tp'), 'instance');
      const [x] = await e.instances(1);
      return outcome(
        e.elbv2.send(
          new RegisterTargetsCommand({
            TargetGroupArn: arn,
            Targets: [
              { Id: x, Port: 80 },
              { Id: x, Port: 8080 },
            ],
          }),
        ),
        async () => (await targets(e, arn)).length,
      );
    },
  },
  {
    id: 'elbv2-register-ip-in-vpc',
    action: 'elasticloadbalancing:RegisterTargets',
    async run(e) {
      const arn = await group(e, name('tv'), 'ip', 443);
      return outcome(
        e.elbv2.send(
          new RegisterTargetsCommand({
            TargetGroupArn: arn,
            Targets: [{ Id: '10.0.1.5' }, { Id: '10.0.1.6', Port: 8443 }],
          }),
        ),
        () => targets(e, arn),
      );
    },
  },
  {
    id: 'elbv2-deregister',
    action: 'elasticloadbalancing:DeregisterTargets',
    async run(e) {
      const arn = await group(e, name('td'), 'ip');
      await e.elbv2.send(
        new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.1.7' }, { Id: '10.0.1.8' }] }),
      );
      return outcome(
        e.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.1.7' }] })),
        () => targets(e, arn),
      );
    },
  },
  {
    id: 'elbv2-ip-outside-vpc-needs-zone',
    action: 'elasticloadbalancing:RegisterTargets',
    async run(e) {
      const arn = await group(e, name('oz'), 'ip');
      return outcome(register(e, arn, [{ Id: '192.168.7.7' }]), () => targets(e, arn));
    },
  },
  {
    id: 'elbv2-ip-outside-vpc-zone-all',
    action: 'elasticloadbalancing:RegisterTargets',
    async run(e) {
      const arn = await group(e, name('oa'), 'ip');
      return outcome(register(e, arn, [{ Id: '192.168.7.7', AvailabilityZone: 'all' }]), () => targets(e, arn));
    },
  },
  {
    id: 'elbv2-ip-in-vpc-zone-all',
    action: 'elasticloadbalancing:RegisterTargets',
    async run(e) {
      const arn = await group(e, name('ia'), 'ip');
      return outcome(register(e, arn, [{ Id: '10.0.1.9', AvailabilityZone: 'all' }]), () => targets(e, arn));
    },
  },
  {
    id: 'elbv2-ip-public',
    action: 'elasticloadbalancing:RegisterTargets',
    async run(e) {
      const arn = await group(e, name('pb'), 'ip');
      return outcome(register(e, arn, [{ Id: '8.8.8.8', AvailabilityZone: 'all' }]), () => targets(e, arn));
    },
  },
  {
    id: 'elbv2-ipv6-in-ipv4-group',
    action: 'elasticloadbalancing:RegisterTargets',
    async run(e) {
      const arn = await group(e, name('v6'), 'ip');
      return outcome(register(e, arn, [{ Id: '2001:db8::5' }]), () => targets(e, arn));
    },
  },
  {
    id: 'elbv2-health-new-target',
    action: 'elasticloadbalancing:DescribeTargetHealth',
    async run(e) {
      const arn = await group(e, name('hn'), 'ip');
      await register(e, arn, [{ Id: '10.0.1.10' }]);
      return outcome(e.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })), () =>
        healthStates(e, arn),
      );
    },
  },
  {
    id: 'elbv2-health-deregistered-target',
    action: 'elasticloadbalancing:DescribeTargetHealth',
    async run(e) {
      const arn = await group(e, name('hd'), 'ip');
      await register(e, arn, [{ Id: '10.0.1.11' }, { Id: '10.0.1.12' }]);
      await e.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.1.11' }] }));
      return outcome(e.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })), async () =>
        (await healthStates(e, arn)).map((t) => t.replace(/ (initial|healthy)$/, ' registered')),
      );
    },
  },
  {
    id: 'elbv2-deregister-never-registered',
    action: 'elasticloadbalancing:DeregisterTargets',
    async run(e) {
      const arn = await group(e, name('dn'), 'ip');
      await register(e, arn, [{ Id: '10.0.1.13' }]);
      return outcome(
        e.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.1.14' }] })),
        () => targets(e, arn),
      );
    },
  },
  {
    id: 'route53-upsert-list',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const z = await zone(e, `${name('u')}.test`);
      return outcome(
        change(e, z, [{ Action: 'UPSERT', ResourceRecordSet: a(`www.${z}.test`.toLowerCase(), '192.0.2.1') }]),
        async () => (await sets(e, z)).map((s) => s.replace(/^\S+/, 'NAME')),
      );
    },
  },
  {
    id: 'route53-delete-exact',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('x')}.test`;
      const z = await zone(e, zn);
      await change(e, z, [{ Action: 'CREATE', ResourceRecordSet: a(`www.${zn}`, '192.0.2.1') }]);
      return outcome(change(e, z, [{ Action: 'DELETE', ResourceRecordSet: a(`www.${zn}`, '192.0.2.1') }]), () =>
        sets(e, z),
      );
    },
  },
  {
    id: 'route53-delete-values-differ',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('v')}.test`;
      const z = await zone(e, zn);
      await change(e, z, [{ Action: 'CREATE', ResourceRecordSet: a(`www.${zn}`, '192.0.2.1') }]);
      return outcome(
        change(e, z, [{ Action: 'DELETE', ResourceRecordSet: a(`www.${zn}`, '192.0.2.9') }]),
        async () => (await sets(e, z)).length,
      );
    },
  },
  {
    id: 'route53-delete-missing',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('m')}.test`;
      const z = await zone(e, zn);
      return outcome(change(e, z, [{ Action: 'DELETE', ResourceRecordSet: a(`www.${zn}`, '192.0.2.1') }]));
    },
  },
  {
    id: 'route53-create-existing',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('c')}.test`;
      const z = await zone(e, zn);
      await change(e, z, [{ Action: 'CREATE', ResourceRecordSet: a(`www.${zn}`, '192.0.2.1') }]);
      return outcome(change(e, z, [{ Action: 'CREATE', ResourceRecordSet: a(`www.${zn}`, '192.0.2.2') }]));
    },
  },
  {
    id: 'route53-missing-zone',
    action: 'route53:ListResourceRecordSets',
    run: (e) => outcome(e.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOSUCHZONE0' }))),
  },
  {
    id: 'route53-wildcard-listed-escaped',
    action: 'route53:ListResourceRecordSets',
    async run(e) {
      const zn = `${name('w')}.test`;
      const z = await zone(e, zn);
      await change(e, z, [{ Action: 'CREATE', ResourceRecordSet: a(`*.${zn}`, '192.0.2.1') }]);
      return outcome(e.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: z })), async () =>
        (await sets(e, z)).map((s) => s.split(' ')[0]?.split('.')[0]),
      );
    },
  },
  {
    id: 'route53-upsert-replaces-alias',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('al')}.test`;
      const z = await zone(e, zn);
      await change(e, z, [
        { Action: 'CREATE', ResourceRecordSet: a(`target.${zn}`, '192.0.2.5') },
        {
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: `www.${zn}`,
            Type: 'A',
            AliasTarget: { HostedZoneId: z, DNSName: `target.${zn}`, EvaluateTargetHealth: false },
          },
        },
      ]);
      return outcome(change(e, z, [{ Action: 'UPSERT', ResourceRecordSet: a(`www.${zn}`, '192.0.2.6') }]), async () =>
        (await sets(e, z)).filter((s) => s.startsWith('www.')).map((s) => s.replace(zn, 'Z')),
      );
    },
  },
  {
    id: 'route53-plain-beside-weighted',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('pw')}.test`;
      const z = await zone(e, zn);
      await change(e, z, [
        { Action: 'CREATE', ResourceRecordSet: a(`w.${zn}`, '192.0.2.1', { SetIdentifier: 'blue', Weight: 1 }) },
      ]);
      return outcome(
        change(e, z, [{ Action: 'UPSERT', ResourceRecordSet: a(`w.${zn}`, '192.0.2.9') }]),
        async () => (await sets(e, z)).length,
      );
    },
  },
  {
    id: 'route53-delete-without-identifier',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('di')}.test`;
      const z = await zone(e, zn);
      await change(e, z, [
        { Action: 'CREATE', ResourceRecordSet: a(`w.${zn}`, '192.0.2.1', { SetIdentifier: 'blue', Weight: 1 }) },
        { Action: 'CREATE', ResourceRecordSet: a(`w.${zn}`, '192.0.2.1', { SetIdentifier: 'green', Weight: 1 }) },
      ]);
      return outcome(
        change(e, z, [{ Action: 'DELETE', ResourceRecordSet: a(`w.${zn}`, '192.0.2.1') }]),
        async () => (await sets(e, z)).length,
      );
    },
  },
  {
    id: 'route53-cname-conflict',
    action: 'route53:ChangeResourceRecordSets',
    async run(e) {
      const zn = `${name('cn')}.test`;
      const z = await zone(e, zn);
      await change(e, z, [
        {
          Action: 'CREATE',
          ResourceRecordSet: { Name: `c.${zn}`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: `x.${zn}` }] },
        },
      ]);
      return outcome(
        change(e, z, [{ Action: 'UPSERT', ResourceRecordSet: a(`c.${zn}`, '192.0.2.9') }]),
        async () => (await sets(e, z)).length,
      );
    },
  },
  policyCase(
    'route53-switch-plain-to-weighted-one-batch',
    (n) => [{ Action: 'CREATE', ResourceRecordSet: a(n, '192.0.2.1', twoValues) }],
    (n) => [
      { Action: 'DELETE', ResourceRecordSet: a(n, '192.0.2.1', twoValues) },
      { Action: 'UPSERT', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 3) },
      { Action: 'UPSERT', ResourceRecordSet: lbmWeighted(n, '192.0.2.2', 1) },
    ],
  ),
  policyCase(
    'route53-weight-change',
    (n) => [{ Action: 'CREATE', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 3) }],
    (n) => [{ Action: 'UPSERT', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 9) }],
  ),
  policyCase(
    'route53-delete-weighted-exact',
    (n) => [
      { Action: 'CREATE', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 3) },
      { Action: 'CREATE', ResourceRecordSet: a(n, '192.0.2.9', { SetIdentifier: 'blue', Weight: 3 }) },
    ],
    (n) => [{ Action: 'DELETE', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 3) }],
  ),
  policyCase(
    'route53-delete-weighted-other-weight',
    (n) => [{ Action: 'CREATE', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 3) }],
    (n) => [{ Action: 'DELETE', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 5) }],
  ),
  policyCase(
    'route53-weight-out-of-range',
    () => [],
    (n) => [{ Action: 'UPSERT', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 256) }],
  ),
  policyCase(
    'route53-multivalue-with-weight',
    () => [],
    (n) => [{ Action: 'UPSERT', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 1, { MultiValueAnswer: true }) }],
  ),
  policyCase(
    'route53-multivalue-beside-weighted',
    (n) => [{ Action: 'CREATE', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 1) }],
    (n) => [
      {
        Action: 'UPSERT',
        ResourceRecordSet: a(n, '192.0.2.2', { SetIdentifier: 'lbm:192.0.2.2', MultiValueAnswer: true }),
      },
    ],
    async (e, z) => (await policySets(e, z)).length,
  ),
  policyCase(
    'route53-weighted-over-100',
    (n) =>
      Array.from({ length: 100 }, (_, i) => ({ Action: 'CREATE', ResourceRecordSet: lbmWeighted(n, tenNet(i), 1) })),
    (n) => [{ Action: 'CREATE', ResourceRecordSet: lbmWeighted(n, tenNet(100), 1) }],
    async (e, z) => (await policySets(e, z)).length,
  ),
  policyCase(
    'route53-weighted-ttl-differs',
    (n) => pair.map((ip) => ({ Action: 'CREATE', ResourceRecordSet: lbmWeighted(n, ip, 1) })),
    (n) => [{ Action: 'UPSERT', ResourceRecordSet: lbmWeighted(n, '192.0.2.1', 1, { TTL: 300 }) }],
  ),
  policyCase(
    'route53-weighted-ttl-all-at-once',
    (n) => pair.map((ip) => ({ Action: 'CREATE', ResourceRecordSet: lbmWeighted(n, ip, 1) })),
    (n) => pair.map((ip) => ({ Action: 'UPSERT', ResourceRecordSet: lbmWeighted(n, ip, 1, { TTL: 300 }) })),
  ),
  {
    id: 'route53-test-dns-answer-multivalue',
    action: 'route53:TestDNSAnswer',
    async run(e) {
      const zn = `${name('ta')}.test`;
      const z = await zone(e, zn);
      await change(
        e,
        z,
        Array.from({ length: 10 }, (_, i) => ({
          Action: 'CREATE',
          ResourceRecordSet: a(`m.${zn}`, `192.0.2.${i + 1}`, {
            SetIdentifier: `lbm:192.0.2.${i + 1}`,
            MultiValueAnswer: true,
          }),
        })),
      );
      let answers: number | undefined;
      const res = await outcome(
        e.route53
          .send(new TestDNSAnswerCommand({ HostedZoneId: z, RecordName: `m.${zn}`, RecordType: 'A' }))
          .then((r) => {
            answers = r.RecordData?.length;
            return r;
          }),
      );
      return { ...res, state: answers ?? null };
    },
  },
];
