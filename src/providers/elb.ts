import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import type { AwsClients } from './aws-clients.js';
import { classifyAwsError } from './aws-errors.js';
import { AwsCallError, type MembershipProvider, type MembershipTarget } from './types.js';

/** Classic ELB: members are the instance ids registered with a load balancer. */
export class ElbProvider implements MembershipProvider {
  constructor(private readonly clients: AwsClients) {}

  /** @inheritdoc */
  async readMembers(target: MembershipTarget): Promise<string[]> {
    try {
      const res = await this.clients
        .elb(target.region)
        .send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [target.name] }));
      const lb = res.LoadBalancerDescriptions?.find((d) => d.LoadBalancerName === target.name);
      if (!lb) {
        throw new AwsCallError(
          'not-found',
          'LoadBalancerNotFound',
          `There is no ACTIVE Load Balancer named '${target.name}'`,
        );
      }
      return (lb.Instances ?? [])
        .map((i) => i.InstanceId)
        .filter((id): id is string => typeof id === 'string')
        .sort();
    } catch (e) {
      throw classifyAwsError(e);
    }
  }

  /** @inheritdoc */
  async register(target: MembershipTarget, members: readonly string[]): Promise<void> {
    try {
      await this.clients.elb(target.region).send(
        new RegisterInstancesWithLoadBalancerCommand({
          LoadBalancerName: target.name,
          Instances: members.map((InstanceId) => ({ InstanceId })),
        }),
      );
    } catch (e) {
      throw classifyAwsError(e);
    }
  }

  /** @inheritdoc */
  async deregister(target: MembershipTarget, members: readonly string[]): Promise<void> {
    try {
      await this.clients.elb(target.region).send(
        new DeregisterInstancesFromLoadBalancerCommand({
          LoadBalancerName: target.name,
          Instances: members.map((InstanceId) => ({ InstanceId })),
        }),
      );
    } catch (e) {
      throw classifyAwsError(e);
    }
  }
}
