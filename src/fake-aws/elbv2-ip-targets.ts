import { isIP } from 'node:net';
import { ApiError } from './api.js';
import { OUTSIDE_VPC_RANGES } from './ip-ranges.js';
import type { FakeAwsState, FakeTargetGroup } from './state.js';

/** A target of a request: its IP address, port and the zone it names, if any. */
export interface IpTargetInput {
  readonly id: string;
  readonly port: number;
  readonly availabilityZone?: string;
}

function validation(g: FakeTargetGroup, message: string): ApiError {
  return new ApiError(400, 'ValidationError', message, g.name);
}

/** Whether a zone name belongs to a region (`us-east-1a`, or a Local Zone such as `us-east-1-bos-1a`). */
function zoneOfRegion(zone: string, region: string): boolean {
  return zone.startsWith(region) && /^(?:[a-z]|-[a-z0-9-]*[a-z])$/.test(zone.slice(region.length));
}

/**
 * The zone an IP target is registered in, or the ValidationError AWS answers. The rules are the API reference's for
 * TargetDescription.AvailabilityZone: "If the IP address is in a subnet of the VPC for the target group, the
 * Availability Zone is automatically detected and this parameter is optional. If the IP address is outside the VPC,
 * this parameter is required." (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html).
 * Returns undefined for an address that can never be a target (DeregisterTargets: nothing to do).
 */
function ipTargetZone(
  state: FakeAwsState,
  region: string,
  g: FakeTargetGroup,
  t: IpTargetInput,
  op: 'register' | 'deregister',
): string | undefined {
  const family = isIP(t.id);
  const wanted = g.ipAddressType === 'ipv6' ? 6 : 4;
  if (family !== wanted) {
    if (op === 'deregister') return undefined;
    // As AWS words it for an IPv6 address sent to an ipv4 group (ansible-collections/community.aws#1441):
    // "The IP address 'affe:affe:affe::affe' is not a valid IPv4 address". "All IP addresses within a target group
    // must have the same IP address type" (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#target-group-ip-address-type).
    throw validation(g, `The IP address '${t.id}' is not a valid IPv${wanted} address`);
  }
  const detected = `${region}a`;
  if (state.vpcCidrs(g.vpcId).has(t.id)) {
    if (t.availabilityZone === 'all') {
      // As AWS answered an ALB ingress controller that sent `all` for an IP in the VPC
      // (kubernetes-sigs/aws-load-balancer-controller#561): the zone of an IP in the VPC is the zone of its subnet.
      throw validation(
        g,
        `The IP address '${t.id}' is within the VPC, and cannot have its Availability Zone overridden to 'all' from '${detected}'`,
      );
    }
    return t.availabilityZone ?? detected;
  }
  if (!OUTSIDE_VPC_RANGES.has(t.id)) {
    if (op === 'deregister') return undefined;
    // "You can't specify publicly routable IP addresses." AWS's live message for this case was not found: this one
    // is the fake's, in AWS's style, naming the ranges the page allows.
    throw validation(
      g,
      `The IP address '${t.id}' is not in the VPC and is publicly routable: only addresses of the VPC, RFC 1918 ` +
        `(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) and RFC 6598 (100.64.0.0/10) can be registered`,
    );
  }
  if (t.availabilityZone === undefined) {
    // AWS's message, as reported in kubernetes-sigs/aws-load-balancer-controller#1862 and #3714. (A newer wording seen
    // in #3084: "You must specify a valid Availability Zone or select 'all' for all enabled Availability zones, since
    // the IP address '…' is outside the VPC".)
    throw validation(g, `The Availability Zone is required for IP address '${t.id}' because it is not in the VPC`);
  }
  if (t.availabilityZone !== 'all' && !zoneOfRegion(t.availabilityZone, region)) {
    // The fake's wording: a zone of another region, or not a zone at all.
    throw validation(g, `The Availability Zone '${t.availabilityZone}' is not valid in ${region}`);
  }
  return t.availabilityZone;
}

/** The zone an IP target is registered in (`all`, the one given, or the detected one); else AWS's ValidationError. */
export function zoneToRegister(state: FakeAwsState, region: string, g: FakeTargetGroup, t: IpTargetInput): string {
  const zone = ipTargetZone(state, region, g, t, 'register');
  if (zone === undefined) throw new Error(`no zone for ${t.id}`); // ipTargetZone refuses such a target first
  return zone;
}

/** Whether an IP can be a target of the group (for DeregisterTargets); ValidationError when its zone is missing. */
export function canBeTarget(state: FakeAwsState, region: string, g: FakeTargetGroup, t: IpTargetInput): boolean {
  return ipTargetZone(state, region, g, t, 'deregister') !== undefined;
}
