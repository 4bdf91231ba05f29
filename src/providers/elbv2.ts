import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type TargetDescription,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { joinTarget, splitTarget } from '../util/targets.js';
import type { AwsClients } from './aws-clients.js';
import { classifyAwsError } from './aws-errors.js';
import { RecentWrites } from './recent-writes.js';
import { AwsCallError, type MembershipProvider, membershipKey, type MembershipTarget } from './types.js';

/** The ELBv2 client of a region. */
export function elbv2Client(clients: AwsClients, region: string): ElasticLoadBalancingV2Client {
  return clients.client('elbv2', region, (config) => new ElasticLoadBalancingV2Client(config));
}

/** A target group as lbmanager needs it: its ARN and the port targets get when their key names none. */
interface GroupInfo {
  readonly arn: string;
  readonly port: number | undefined;
  /**
   * IPs outside the group's VPC: AWS takes them only with `AvailabilityZone=all`. lbmanager learns them from AWS
   * (a refusal naming them, or the zone a described target has), so it needs no EC2 permission to read VPC ranges.
   */
  readonly outsideVpc: Set<string>;
}

// "The Availability Zone is required for IP address '192.168.7.7' because it is not in the VPC": AWS's answer for a
// private IP outside the group's VPC registered without AvailabilityZone=all (TargetDescription, ELBv2 API reference:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html).
const ZONE_REQUIRED = /Availability Zone is required/i;

/** Health states of targets that are on their way out (or not registered at all): not members any more. */
const LEAVING = new Set(['draining']);

/**
 * ELBv2 target groups: members are targets (instance ids or IPs, with ports). The group name in the key is resolved to
 * its ARN once and cached; a TargetGroupNotFound answer drops the cache entry, so a group recreated under the same name
 * is found again on the next attempt. Members are reported with the port left out when it is the group's port, and
 * {@link normalise} brings desired members to the same form, so `i-1` and `i-1:80` are one member in a group on port 80.
 */
export class Elbv2Provider implements MembershipProvider {
  private readonly groups = new Map<string, GroupInfo>();
  private readonly recent: RecentWrites;

  constructor(
    private readonly clients: AwsClients,
    options: { readonly now?: () => number } = {},
  ) {
    this.recent = new RecentWrites(undefined, options.now);
  }

  private async group(target: MembershipTarget): Promise<GroupInfo> {
    const key = membershipKey(target);
    const cached = this.groups.get(key);
    if (cached) return cached;
    const res = await elbv2Client(this.clients, target.region).send(
      new DescribeTargetGroupsCommand({ Names: [target.name] }),
    );
    const g = res.TargetGroups?.find((t) => t.TargetGroupName === target.name);
    if (!g?.TargetGroupArn) {
      throw new AwsCallError('not-found', 'TargetGroupNotFound', `One or more target groups not found: ${target.name}`);
    }
    if (g.TargetType === 'lambda' || g.TargetType === 'alb') {
      throw new AwsCallError(
        'other',
        'UnsupportedTargetType',
        `target group ${target.name} has target type ${g.TargetType}; lbmanager manages instance and ip groups`,
      );
    }
    const info: GroupInfo = { arn: g.TargetGroupArn, port: g.Port, outsideVpc: new Set() };
    this.groups.set(key, info);
    return info;
  }

  // Every call goes through here: errors are classified, and a vanished group is looked up again next time.
  private async withGroup<T>(target: MembershipTarget, call: (g: GroupInfo) => Promise<T>): Promise<T> {
    try {
      return await call(await this.group(target));
    } catch (e) {
      const err = classifyAwsError(e);
      if (err.category === 'not-found') this.groups.delete(membershipKey(target));
      throw err;
    }
  }

  /** @inheritdoc */
  forgetRecentWrites(): void {
    this.recent.clear();
  }

  /** @inheritdoc */
  readMembers(target: MembershipTarget): Promise<string[]> {
    return this.withGroup(target, async (g) => {
      const res = await elbv2Client(this.clients, target.region).send(
        new DescribeTargetHealthCommand({ TargetGroupArn: g.arn }),
      );
      const members = new Set<string>();
      for (const d of res.TargetHealthDescriptions ?? []) {
        if (!d.Target?.Id) continue;
        if (d.Target.AvailabilityZone === 'all') g.outsideVpc.add(d.Target.Id);
        if (LEAVING.has(d.TargetHealth?.State ?? '')) continue;
        if (d.TargetHealth?.State === 'unused' && d.TargetHealth.Reason === 'Target.NotRegistered') continue;
        members.add(joinTarget(d.Target.Id, d.Target.Port, g.port));
      }
      return this.recent.apply(membershipKey(target), [...members]);
    });
  }

  /** @inheritdoc */
  normalise(target: MembershipTarget, members: readonly string[]): string[] {
    const port = this.groups.get(membershipKey(target))?.port;
    return [...new Set(members.map((m) => joinTarget(splitTarget(m).id, splitTarget(m).port, port)))].sort();
  }

  private targets(g: GroupInfo, members: readonly string[]): TargetDescription[] {
    return members.map((m) => {
      const { id, port } = splitTarget(m);
      const p = port ?? g.port;
      return {
        Id: id,
        ...(p === undefined ? {} : { Port: p }),
        ...(g.outsideVpc.has(id) ? { AvailabilityZone: 'all' } : {}),
      };
    });
  }

  /**
   * Sends a register or deregister. When AWS answers that IPs outside the VPC need `AvailabilityZone=all`, they are
   * remembered and the call is sent again with it. Any other `ValidationError` that names members of the batch (a
   * public IP, say) makes them offenders, isolated like `InvalidTarget`, so one refused member never blocks the rest.
   */
  private async write(
    g: GroupInfo,
    members: readonly string[],
    send: (targets: TargetDescription[]) => Promise<unknown>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await send(this.targets(g, members));
        return;
      } catch (e) {
        const err = classifyAwsError(e);
        if (err.code !== 'ValidationError') throw err;
        const named = members.map((m) => splitTarget(m).id).filter((id) => err.message.includes(`'${id}'`));
        if (ZONE_REQUIRED.test(err.message) && attempt === 1) {
          const learnt = named.filter((id) => !g.outsideVpc.has(id));
          for (const id of learnt) g.outsideVpc.add(id);
          if (learnt.length > 0) continue;
        }
        if (named.length === 0) throw err;
        throw new AwsCallError('invalid-member', err.code, err.message, [...new Set(named)], { cause: e });
      }
    }
  }

  /** @inheritdoc */
  register(target: MembershipTarget, members: readonly string[]): Promise<void> {
    return this.withGroup(target, async (g) => {
      await this.write(g, members, (Targets) =>
        elbv2Client(this.clients, target.region).send(new RegisterTargetsCommand({ TargetGroupArn: g.arn, Targets })),
      );
      this.recent.record(membershipKey(target), this.normalise(target, members), true);
    });
  }

  /** @inheritdoc */
  deregister(target: MembershipTarget, members: readonly string[]): Promise<void> {
    return this.withGroup(target, async (g) => {
      await this.write(g, members, (Targets) =>
        elbv2Client(this.clients, target.region).send(new DeregisterTargetsCommand({ TargetGroupArn: g.arn, Targets })),
      );
      this.recent.record(membershipKey(target), this.normalise(target, members), false);
    });
  }
}
