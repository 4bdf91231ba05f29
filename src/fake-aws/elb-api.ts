import { ApiError, INSTANCE_ID, listParam, page, required, structListParam, type ApiAnswer } from './api.js';
import { DEFAULT_ELB_MODEL, type ElbModel } from './elb-model.js';
import { HISTORY_MS } from './membership.js';
import type { FakeAwsState, FakeLoadBalancer } from './state.js';
import { instanceHealth } from './target-lifecycle.js';
import { members, NS, queryResponse } from './xml.js';

function notFound(name: string): ApiError {
  return new ApiError(400, 'LoadBalancerNotFound', `There is no ACTIVE Load Balancer named '${name}'`, name);
}

/** A load balancer's description, with its instances as they were at `at` (lagging describes). */
function describe(lb: FakeLoadBalancer, region: string, at: number): Record<string, unknown> {
  return {
    LoadBalancerName: lb.name,
    DNSName: `${lb.name}-123456789.${region}.elb.amazonaws.com`,
    CanonicalHostedZoneName: `${lb.name}-123456789.${region}.elb.amazonaws.com`,
    CanonicalHostedZoneNameID: 'Z35SXDOTRQ7X7K',
    ListenerDescriptions: members(lb.listeners.map((l) => ({ Listener: l, PolicyNames: '' }))),
    Instances: members([...lb.instances.asOf(at).keys()].sort().map((InstanceId) => ({ InstanceId }))),
    AvailabilityZones: members(lb.availabilityZones),
    Scheme: 'internet-facing',
    CreatedTime: lb.createdTime,
    HealthCheck: { Target: 'HTTP:80/', Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10 },
  };
}

/**
 * Classic ELB (2012-06-01). As in AWS, one invalid instance (malformed, terminated, or not one of the account's
 * instances when the region has a list) fails the whole register call and nothing changes. Deregistering a valid
 * instance that is not a member succeeds without change (AWS's behaviour there is not documented; lbmanager never
 * relies on it). A registered instance is `OutOfService` until `model.healthyAfterMs` has passed, then `InService`;
 * describes lag writes by `model.describeLagMs`.
 */
export function handleElb(
  state: FakeAwsState,
  region: string,
  op: string,
  p: URLSearchParams,
  id: string,
  model: ElbModel = DEFAULT_ELB_MODEL,
): ApiAnswer {
  const lbs = state.elbRegion(region);
  const now = state.now();
  const seenAt = now - model.describeLagMs;
  const ok = (target: string, result: Record<string, unknown>, changed?: string[]): ApiAnswer => ({
    status: 200,
    body: queryResponse(NS.elb, op, result, id),
    target,
    ...(changed ? { members: changed } : {}),
  });
  switch (op) {
    case 'DescribeLoadBalancers': {
      const names = listParam(p, 'LoadBalancerNames');
      let found: FakeLoadBalancer[];
      if (names.length > 0) {
        found = names.map((n) => {
          const lb = lbs.get(n);
          if (!lb) throw notFound(n);
          return lb;
        });
      } else found = [...lbs.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      const pg = page(found, p);
      return ok(names.join(','), {
        LoadBalancerDescriptions: members(pg.items.map((lb) => describe(lb, region, seenAt))),
        ...(pg.nextMarker ? { NextMarker: pg.nextMarker } : {}),
      });
    }
    case 'RegisterInstancesWithLoadBalancer':
    case 'DeregisterInstancesFromLoadBalancer': {
      const name = required(p, 'LoadBalancerName');
      const lb = lbs.get(name);
      if (!lb) throw notFound(name);
      const ids = structListParam(p, 'Instances').map((i) => i.InstanceId ?? '');
      const register = op === 'RegisterInstancesWithLoadBalancer';
      const bad = ids.find(
        (i) => !INSTANCE_ID.test(i) || state.isTerminated(region, i) || (register && !state.instanceExists(region, i)),
      );
      if (bad !== undefined) throw new ApiError(400, 'InvalidInstance', `Could not find EC2 instance ${bad}.`, name);
      for (const i of ids) {
        if (!register) lb.instances.delete(i, now);
        else if (!lb.instances.current.has(i)) {
          lb.instances.set(i, { registeredAt: now, inServiceAt: now + model.healthyAfterMs }, now);
        }
      }
      lb.instances.forget(now - Math.max(HISTORY_MS, model.describeLagMs));
      // The answer of a write is the membership after it, never lagged.
      const after = [...lb.instances.current.keys()].sort();
      return ok(name, { Instances: members(after.map((InstanceId) => ({ InstanceId }))) }, ids);
    }
    case 'DescribeInstanceHealth': {
      const name = required(p, 'LoadBalancerName');
      const lb = lbs.get(name);
      if (!lb) throw notFound(name);
      const asked = structListParam(p, 'Instances').map((i) => i.InstanceId ?? '');
      const view = lb.instances.asOf(seenAt);
      const ids = asked.length > 0 ? asked : [...view.keys()].sort();
      return ok(name, { InstanceStates: members(ids.map((i) => instanceHealth(i, view.get(i), seenAt))) });
    }
    case 'CreateLoadBalancer': {
      const name = required(p, 'LoadBalancerName');
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(name)) {
        throw new ApiError(400, 'ValidationError', `LoadBalancerName '${name}' is not valid`, name);
      }
      const listeners = structListParam(p, 'Listeners').map((l) => ({
        Protocol: l.Protocol ?? 'HTTP',
        LoadBalancerPort: Number(l.LoadBalancerPort ?? 80),
        InstancePort: Number(l.InstancePort ?? 80),
        InstanceProtocol: l.InstanceProtocol ?? l.Protocol ?? 'HTTP',
      }));
      let lb = lbs.get(name);
      if (!lb) {
        lb = state.addLoadBalancer(region, name);
        if (listeners.length > 0) lb.listeners.splice(0, lb.listeners.length, ...listeners);
        const zones = listParam(p, 'AvailabilityZones');
        if (zones.length > 0) lb.availabilityZones.splice(0, lb.availabilityZones.length, ...zones);
      }
      return ok(name, { DNSName: `${name}-123456789.${region}.elb.amazonaws.com` });
    }
    case 'DeleteLoadBalancer': {
      const name = required(p, 'LoadBalancerName');
      lbs.delete(name);
      return ok(name, {});
    }
    default:
      throw new ApiError(400, 'InvalidAction', `The action ${op} is not valid for this web service.`);
  }
}
