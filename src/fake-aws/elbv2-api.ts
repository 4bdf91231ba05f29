import { ApiError, listParam, page, required, type ApiAnswer } from './api.js';
import { DEFAULT_ELB_MODEL, type ElbModel } from './elb-model.js';
import { deregisterTargets, describeTargetHealth, parseTargets, registerTargets } from './elbv2-targets.js';
import type { FakeAwsState, FakeTargetGroup } from './state.js';
import { members, NS, queryResponse } from './xml.js';

function notFound(what: string): ApiError {
  return new ApiError(400, 'TargetGroupNotFound', 'One or more target groups not found', what);
}

function describe(g: FakeTargetGroup): Record<string, unknown> {
  return {
    TargetGroupArn: g.arn,
    TargetGroupName: g.name,
    Protocol: g.protocol,
    Port: g.port,
    VpcId: g.vpcId,
    TargetType: g.targetType,
    IpAddressType: g.ipAddressType,
    HealthCheckProtocol: g.protocol,
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    LoadBalancerArns: '',
  };
}

/**
 * ELBv2 target groups (2015-12-01). Target identity is (Id, Port), the port defaulting to the group's. A bad target
 * fails the whole call (ValidationError, or InvalidTarget naming every one); quotas likewise. Targets pass through
 * `initial`, `healthy` and `draining` (elbv2-targets.ts); describes lag writes by `model.describeLagMs`.
 */
export function handleElbv2(
  state: FakeAwsState,
  region: string,
  op: string,
  p: URLSearchParams,
  id: string,
  model: ElbModel = DEFAULT_ELB_MODEL,
): ApiAnswer {
  const groups = state.elbv2Region(region);
  const byArn = (arn: string): FakeTargetGroup => {
    for (const g of groups.values()) if (g.arn === arn) return g;
    throw notFound(arn.split('/')[1] ?? arn);
  };
  const ok = (target: string, result: Record<string, unknown>, changed?: string[]): ApiAnswer => ({
    status: 200,
    body: queryResponse(NS.elbv2, op, result, id),
    target,
    ...(changed ? { members: changed } : {}),
  });
  switch (op) {
    case 'DescribeTargetGroups': {
      const names = listParam(p, 'Names');
      const arns = listParam(p, 'TargetGroupArns');
      if (names.length > 0 && arns.length > 0) {
        throw new ApiError(
          400,
          'ValidationError',
          'Target group names and target group ARNs cannot be specified at the same time',
        );
      }
      let found: FakeTargetGroup[];
      if (names.length > 0) {
        found = names.map((n) => {
          const g = groups.get(n);
          if (!g) throw notFound(n);
          return g;
        });
      } else if (arns.length > 0) found = arns.map(byArn);
      else found = [...groups.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      const pg = page(found, p);
      return ok(names.join(',') || found.map((g) => g.name).join(','), {
        TargetGroups: members(pg.items.map(describe)),
        ...(pg.nextMarker ? { NextMarker: pg.nextMarker } : {}),
      });
    }
    case 'DescribeTargetHealth': {
      const g = byArn(required(p, 'TargetGroupArn'));
      return ok(g.name, {
        TargetHealthDescriptions: members(describeTargetHealth(state, g, parseTargets(p, g), model)),
      });
    }
    case 'RegisterTargets':
    case 'DeregisterTargets': {
      const g = byArn(required(p, 'TargetGroupArn'));
      const targets = parseTargets(p, g);
      if (targets.length === 0) throw new ApiError(400, 'ValidationError', 'Targets must not be empty', g.name);
      if (op === 'RegisterTargets') registerTargets(state, region, g, targets, model);
      else deregisterTargets(state, region, g, targets, model);
      return ok(
        g.name,
        {},
        targets.map((t) => `${t.id}:${t.port}`),
      );
    }
    case 'CreateTargetGroup': {
      const name = required(p, 'Name');
      const existing = groups.get(name);
      if (existing) return ok(name, { TargetGroups: members([describe(existing)]) });
      const targetType = (p.get('TargetType') ?? 'instance') as 'instance' | 'ip';
      if (targetType !== 'instance' && targetType !== 'ip') {
        throw new ApiError(400, 'ValidationError', `TargetType ${String(targetType)} is not supported here`, name);
      }
      const ipAddressType = p.get('IpAddressType') ?? 'ipv4';
      if (ipAddressType !== 'ipv4' && ipAddressType !== 'ipv6') {
        throw new ApiError(400, 'ValidationError', `IpAddressType ${ipAddressType} is not valid: ipv4 or ipv6`, name);
      }
      const g = state.addTargetGroup(region, name, {
        port: Number(p.get('Port') ?? 80),
        protocol: p.get('Protocol') ?? 'HTTP',
        targetType,
        vpcId: p.get('VpcId') ?? 'vpc-00000000',
        ipAddressType,
      });
      return ok(name, { TargetGroups: members([describe(g)]) });
    }
    case 'DeleteTargetGroup': {
      const g = byArn(required(p, 'TargetGroupArn'));
      groups.delete(g.name);
      return ok(g.name, {});
    }
    default:
      throw new ApiError(400, 'InvalidAction', `The action ${op} is not valid for this web service.`);
  }
}
