// The ELB and ELBv2 resources of the fake account, apart from the state that holds them, so the modules that load,
// save and change them need not import the state (and the state them).
import type { Membership } from './membership.js';
import type { InstanceRecord, TargetRecord } from './target-lifecycle.js';

/** A Classic ELB load balancer. */
export interface FakeLoadBalancer {
  readonly name: string;
  readonly createdTime: string;
  /** Registered instances by id, with their recent changes (for lagging describes). */
  readonly instances: Membership<InstanceRecord>;
  readonly listeners: Array<{
    Protocol: string;
    LoadBalancerPort: number;
    InstancePort: number;
    InstanceProtocol?: string;
  }>;
  readonly availabilityZones: string[];
}

/** An ELBv2 target group. */
export interface FakeTargetGroup {
  readonly name: string;
  readonly arn: string;
  readonly port: number;
  readonly protocol: string;
  readonly targetType: 'instance' | 'ip';
  readonly vpcId: string;
  /** The family of its IP targets (CreateTargetGroup's `IpAddressType`). @default ipv4 */
  readonly ipAddressType: 'ipv4' | 'ipv6';
  /** Targets keyed `id:port`, draining ones included until their delay has passed, with their recent changes. */
  readonly targets: Membership<TargetRecord>;
  /** Its own target quota, ms to healthy and deregistration delay; the account's (faults) when absent. */
  targetLimit?: number;
  healthyAfterMs?: number;
  deregistrationDelayMs?: number;
  /** Targets (`id`, or `id:port`) whose health checks fail: `unhealthy` once past `initial`, still registered. */
  readonly unhealthy: Set<string>;
}

/** Options of `FakeAwsState.addTargetGroup`. */
export interface TargetGroupOptions {
  port?: number;
  protocol?: string;
  targetType?: 'instance' | 'ip';
  vpcId?: string;
  arn?: string;
  ipAddressType?: 'ipv4' | 'ipv6';
}
