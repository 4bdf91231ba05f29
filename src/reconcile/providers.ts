import type { MembershipProvider, MembershipTarget, Route53Provider } from '../providers/types.js';

/** Where the reconciler gets its providers. Classic ELB and ELBv2 providers take the region from the target. */
export interface Providers {
  readonly elb: MembershipProvider;
  readonly elbv2?: MembershipProvider;
  /** Route53 is global; the region of a key only picks the API endpoint. */
  readonly route53: (region: string) => Route53Provider;
}

/** The provider of a load balancer or target group (undefined when this build has none for its kind). */
export function membershipProviderOf(providers: Providers, t: MembershipTarget): MembershipProvider | undefined {
  return t.kind === 'elb' ? providers.elb : providers.elbv2;
}
