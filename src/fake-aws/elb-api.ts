import { ApiError, INSTANCE_ID, listParam, page, required, structListParam, type ApiAnswer } from './api.js';
import type { FakeAwsState, FakeLoadBalancer } from './state.js';
import { members, NS, queryResponse } from './xml.js';

function notFound(name: string): ApiError {
  return new ApiError(400, 'LoadBalancerNotFound', `There is no ACTIVE Load Balancer named '${name}'`, name);
}

function describe(lb: FakeLoadBalancer, region: string): Record<string, unknown> {
  return {
    LoadBalancerName: lb.name,
    DNSName: `${lb.name}-123456789.${region}.elb.amazonaws.com`,
    CanonicalHostedZoneName: `${lb.name}-123456789.${region}.elb.amazonaws.com`,
    CanonicalHostedZoneNameID: 'Z35SXDOTRQ7X7K',
    ListenerDescriptions: members(lb.listeners.map((l) => ({ Listener: l, PolicyNames: '' }))),
    Instances: members([...lb.instances].sort().map((InstanceId) => ({ InstanceId }))),
    AvailabilityZones: members(lb.availabilityZones),
    Scheme: 'internet-facing',
    CreatedTime: lb.createdTime,
    HealthCheck: { Target: 'HTTP:80/', Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10 },
  };
}

/**
 * Classic ELB (2012-06-01). As in AWS, one invalid instance (malformed or terminated) fails the whole register call
 * and nothing changes. Deregistering a valid instance that is not a member succeeds without change (AWS's behaviour
 * there is not documented; lbmanager never relies on it).
 */
export function handleElb(state: FakeAwsState, region: string, op: string, p: URLSearchParams, id: string): ApiAnswer {
  const lbs = state.elbRegion(region);
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
        LoadBalancerDescriptions: members(pg.items.map((lb) => describe(lb, region))),
        ...(pg.nextMarker ? { NextMarker: pg.nextMarker } : {}),
      });
    }
    case 'RegisterInstancesWithLoadBalancer':
    case 'DeregisterInstancesFromLoadBalancer': {
      const name = required(p, 'LoadBalancerName');
      const lb = lbs.get(name);
      if (!lb) throw notFound(name);
      const ids = structListParam(p, 'Instances').map((i) => i.InstanceId ?? '');
      const bad = ids.find((i) => !INSTANCE_ID.test(i) || state.isTerminated(region, i));
      if (bad !== undefined) throw new ApiError(400, 'InvalidInstance', `Could not find EC2 instance ${bad}.`, name);
      for (const i of ids) {
        if (op === 'RegisterInstancesWithLoadBalancer') lb.instances.add(i);
        else lb.instances.delete(i);
      }
      return ok(name, { Instances: members([...lb.instances].sort().map((InstanceId) => ({ InstanceId }))) }, ids);
    }
    case 'DescribeInstanceHealth': {
      const name = required(p, 'LoadBalancerName');
      const lb = lbs.get(name);
      if (!lb) throw notFound(name);
      const asked = structListParam(p, 'Instances').map((i) => i.InstanceId ?? '');
      const ids = asked.length > 0 ? asked : [...lb.instances].sort();
      return ok(name, {
        InstanceStates: members(
          ids.map((InstanceId) =>
            lb.instances.has(InstanceId)
              ? { InstanceId, State: 'InService', ReasonCode: 'N/A', Description: 'N/A' }
              : {
                  InstanceId,
                  State: 'Unknown',
                  ReasonCode: 'ELB',
                  Description: 'Instance is not registered with the load balancer.',
                },
          ),
        ),
      });
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
