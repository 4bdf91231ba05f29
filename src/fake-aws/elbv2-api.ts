import { isIP } from 'node:net';
import { ApiError, INSTANCE_ID, listParam, page, required, structListParam, type ApiAnswer } from './api.js';
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
    HealthCheckProtocol: g.protocol,
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    LoadBalancerArns: '',
  };
}

/**
 * ELBv2 target groups (2015-12-01). Target identity is (Id, Port), the port defaulting to the group's. Invalid targets
 * fail the whole call with InvalidTarget naming every one. Deregistered targets are gone at once (no draining), so
 * tests see a deterministic state.
 */
export function handleElbv2(
  state: FakeAwsState,
  region: string,
  op: string,
  p: URLSearchParams,
  id: string,
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
      const asked = structListParam(p, 'Targets').map((t) => ({ id: t.Id ?? '', port: Number(t.Port ?? g.port) }));
      const list = asked.length > 0 ? asked : [...g.targets.values()];
      return ok(g.name, {
        TargetHealthDescriptions: members(
          list.map((t) => ({
            Target: { Id: t.id, Port: t.port },
            HealthCheckPort: String(t.port),
            TargetHealth: g.targets.has(`${t.id}:${t.port}`)
              ? { State: 'healthy' }
              : {
                  State: 'unused',
                  Reason: 'Target.NotRegistered',
                  Description: 'Target is not registered to the target group',
                },
          })),
        ),
      });
    }
    case 'RegisterTargets':
    case 'DeregisterTargets': {
      const g = byArn(required(p, 'TargetGroupArn'));
      const targets = structListParam(p, 'Targets').map((t) => ({ id: t.Id ?? '', port: Number(t.Port ?? g.port) }));
      if (targets.length === 0) throw new ApiError(400, 'ValidationError', 'Targets must not be empty', g.name);
      if (op === 'RegisterTargets') {
        const bad = targets.filter((t) =>
          g.targetType === 'ip' ? isIP(t.id) === 0 : !INSTANCE_ID.test(t.id) || state.isTerminated(region, t.id),
        );
        if (bad.length > 0) {
          throw new ApiError(
            400,
            'InvalidTarget',
            `The following targets are not in a running state and cannot be registered: ${bad.map((t) => `'${t.id}'`).join(', ')}`,
            g.name,
          );
        }
      }
      for (const t of targets) {
        if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) {
          throw new ApiError(400, 'ValidationError', `Port ${t.port} is not valid`, g.name);
        }
      }
      for (const t of targets) {
        if (op === 'RegisterTargets') g.targets.set(`${t.id}:${t.port}`, t);
        else g.targets.delete(`${t.id}:${t.port}`);
      }
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
      const g = state.addTargetGroup(region, name, {
        port: Number(p.get('Port') ?? 80),
        protocol: p.get('Protocol') ?? 'HTTP',
        targetType,
        vpcId: p.get('VpcId') ?? 'vpc-00000000',
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
