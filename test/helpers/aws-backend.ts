import {
  CreateLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { startTestFakeAws } from './fake-aws.js';
import { startMoto, type MotoServer } from './moto-server.js';

/** Test credentials every backend takes. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'conformance-secret' };

/** A record set as a test reads it back, whatever the backend. */
export interface ReadSet {
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly values: string[];
  readonly setIdentifier?: string;
  readonly alias?: string;
}

/**
 * An AWS endpoint the end-to-end scenarios run against: lbmanager's own `fake-aws`, or moto_server (an AWS mock the
 * project did not write). Everything is set up and read back through the AWS SDK, as a user would, so the same
 * scenario means the same thing on both.
 */
export interface AwsBackend {
  readonly name: 'fake-aws' | 'moto';
  readonly url: string;
  /** Instance ids that exist in the account (moto: really run there). */
  instances(region: string, count: number): Promise<string[]>;
  createLoadBalancer(region: string, name: string): Promise<void>;
  /** A target group in a VPC of 10.0.0.0/16 (created first on moto). */
  createTargetGroup(region: string, name: string, port: number, targetType: 'instance' | 'ip'): Promise<void>;
  /** Creates a hosted zone and returns its id without `/hostedzone/`. */
  createZone(name: string): Promise<string>;
  /** Writes a set as someone else would (an alias, a weighted set, a CNAME…). */
  putRecordSet(zoneId: string, set: ResourceRecordSet): Promise<void>;
  members(region: string, lb: string): Promise<string[]>;
  /** `id:port`, sorted. */
  targets(region: string, tg: string): Promise<string[]>;
  recordSets(zoneId: string): Promise<ReadSet[]>;
  stop(): Promise<void>;
}

class SdkBackend implements AwsBackend {
  private readonly elb = new Map<string, ElasticLoadBalancingClient>();
  private readonly elbv2 = new Map<string, ElasticLoadBalancingV2Client>();
  private readonly r53: Route53Client;
  private readonly groups = new Map<string, string>();
  private vpcs = new Map<string, string>();
  private counter = 0;

  constructor(
    readonly name: 'fake-aws' | 'moto',
    readonly url: string,
    private readonly close: () => Promise<void>,
    private readonly ec2?: (region: string, action: string, params: Record<string, string>) => Promise<string>,
  ) {
    this.r53 = new Route53Client({ region: 'us-east-1', endpoint: url, credentials: TEST_CREDENTIALS });
  }

  private elbOf(region: string): ElasticLoadBalancingClient {
    let c = this.elb.get(region);
    if (!c)
      this.elb.set(
        region,
        (c = new ElasticLoadBalancingClient({ region, endpoint: this.url, credentials: TEST_CREDENTIALS })),
      );
    return c;
  }

  private elbv2Of(region: string): ElasticLoadBalancingV2Client {
    let c = this.elbv2.get(region);
    if (!c) {
      c = new ElasticLoadBalancingV2Client({ region, endpoint: this.url, credentials: TEST_CREDENTIALS });
      this.elbv2.set(region, c);
    }
    return c;
  }

  async instances(region: string, count: number): Promise<string[]> {
    if (!this.ec2) {
      const base = ++this.counter * 100_000;
      return Array.from({ length: count }, (_, i) => `i-${(base + i).toString(16).padStart(17, '0')}`);
    }
    const out: string[] = [];
    while (out.length < count) {
      const n = Math.min(1000, count - out.length);
      const xml = await this.ec2(region, 'RunInstances', {
        ImageId: 'ami-12345678',
        MinCount: `${n}`,
        MaxCount: `${n}`,
      });
      for (const m of xml.matchAll(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g)) out.push(m[1] as string);
    }
    return out;
  }

  async createLoadBalancer(region: string, name: string): Promise<void> {
    await this.elbOf(region).send(
      new CreateLoadBalancerCommand({
        LoadBalancerName: name,
        Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstanceProtocol: 'HTTP', InstancePort: 80 }],
        AvailabilityZones: [`${region}a`],
      }),
    );
  }

  private async vpc(region: string): Promise<string> {
    const known = this.vpcs.get(region);
    if (known) return known;
    let id = 'vpc-00000000000000000';
    if (this.ec2) {
      const xml = await this.ec2(region, 'CreateVpc', { CidrBlock: '10.0.0.0/16' });
      id = /<vpcId>([^<]+)<\/vpcId>/.exec(xml)?.[1] ?? id;
      await this.ec2(region, 'CreateSubnet', { VpcId: id, CidrBlock: '10.0.1.0/24', AvailabilityZone: `${region}a` });
    }
    this.vpcs.set(region, id);
    return id;
  }

  async createTargetGroup(region: string, name: string, port: number, targetType: 'instance' | 'ip'): Promise<void> {
    const res = await this.elbv2Of(region).send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: port,
        VpcId: await this.vpc(region),
        TargetType: targetType,
      }),
    );
    const arn = res.TargetGroups?.[0]?.TargetGroupArn;
    if (!arn) throw new Error(`no ARN for target group ${name}`);
    this.groups.set(`${region}/${name}`, arn);
  }

  async createZone(name: string): Promise<string> {
    const res = await this.r53.send(
      new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${Date.now()}` }),
    );
    return (res.HostedZone?.Id ?? '').replace(/^\/hostedzone\//, '');
  }

  async putRecordSet(zoneId: string, set: ResourceRecordSet): Promise<void> {
    await this.r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: set }] },
      }),
    );
  }

  async members(region: string, lb: string): Promise<string[]> {
    const res = await this.elbOf(region).send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [lb] }));
    return (res.LoadBalancerDescriptions?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '').sort();
  }

  async targets(region: string, tg: string): Promise<string[]> {
    const arn = this.groups.get(`${region}/${tg}`);
    if (!arn) throw new Error(`target group ${tg} was not created by this backend`);
    const res = await this.elbv2Of(region).send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    return (res.TargetHealthDescriptions ?? [])
      .filter((d) => d.TargetHealth?.State !== 'draining')
      .map((d) => `${d.Target?.Id ?? ''}:${d.Target?.Port ?? ''}`)
      .sort();
  }

  async recordSets(zoneId: string): Promise<ReadSet[]> {
    const out: ReadSet[] = [];
    let start: { StartRecordName?: string; StartRecordType?: never; StartRecordIdentifier?: string } = {};
    for (;;) {
      const res = await this.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }));
      for (const s of res.ResourceRecordSets ?? []) {
        out.push({
          name: (s.Name ?? '').replace(/\\052/g, '*').replace(/\.$/, '').toLowerCase(),
          type: s.Type ?? '',
          ...(s.TTL !== undefined ? { ttl: s.TTL } : {}),
          values: (s.ResourceRecords ?? []).map((r) => r.Value ?? '').sort(),
          ...(s.SetIdentifier !== undefined ? { setIdentifier: s.SetIdentifier } : {}),
          ...(s.AliasTarget?.DNSName ? { alias: s.AliasTarget.DNSName } : {}),
        });
      }
      if (!res.IsTruncated || !res.NextRecordName) return out;
      start = {
        StartRecordName: res.NextRecordName,
        ...(res.NextRecordType ? { StartRecordType: res.NextRecordType as never } : {}),
        ...(res.NextRecordIdentifier ? { StartRecordIdentifier: res.NextRecordIdentifier } : {}),
      };
    }
  }

  async stop(): Promise<void> {
    for (const c of [...this.elb.values(), ...this.elbv2.values(), this.r53]) c.destroy();
    await this.close();
  }
}

/** lbmanager's own endpoint, in this process. */
export async function fakeBackend(): Promise<AwsBackend> {
  const fake: FakeAwsServer = await startTestFakeAws();
  return new SdkBackend('fake-aws', fake.url, () => fake.close());
}

/**
 * One EC2 Query API call to moto (RunInstances, CreateVpc…): enough for the few calls the tests need, with no EC2 SDK
 * client among the dependencies. Returns the XML answer.
 */
export async function motoEc2(
  url: string,
  region: string,
  action: string,
  params: Record<string, string>,
): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: '2016-11-15', ...params });
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto ec2 ${action}: ${res.status} ${text.slice(0, 500)}`);
  return text;
}

/** moto_server on a free loopback port; EC2 instances, VPCs and subnets are created there for real. */
export async function motoBackend(): Promise<AwsBackend> {
  const moto: MotoServer = await startMoto();
  return new SdkBackend(
    'moto',
    moto.url,
    () => moto.stop(),
    (region, action, params) => motoEc2(moto.url, region, action, params),
  );
}

/** Both backends, each started when a scenario asks for it. */
export const BACKENDS: ReadonlyArray<{
  readonly name: 'fake-aws' | 'moto';
  readonly start: () => Promise<AwsBackend>;
}> = [
  { name: 'fake-aws', start: fakeBackend },
  { name: 'moto', start: motoBackend },
];
