/** `i-` + 17 hex digits from a number. */
export const iid = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;

/** The ARN the rules state gives a target group of us-east-1. */
export const ARN = (name: string): string =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123`;

/** A state for the tests of the fake's ELB and ELBv2 rules, through both clients. */
export const RULES_STATE = {
  vpcs: { 'vpc-a': '10.1.0.0/16', 'vpc-6': ['10.6.0.0/16', '2001:db8:6::/56'] },
  elb: { 'us-east-1': { web: { instances: [] } } },
  elbv2: {
    'us-east-1': {
      'ip-tg': { arn: ARN('ip-tg'), port: 80, targetType: 'ip', vpcId: 'vpc-a', deregistrationDelayMs: 600_000 },
      'ip6-tg': { arn: ARN('ip6-tg'), port: 80, targetType: 'ip', vpcId: 'vpc-6', ipAddressType: 'ipv6' },
      'full-tg': { arn: ARN('full-tg'), port: 80, targetType: 'instance', targetLimit: 2 },
      'inst-tg': { arn: ARN('inst-tg'), port: 80, targetType: 'instance' },
      'slow-tg': { arn: ARN('slow-tg'), port: 80, targetType: 'instance', deregistrationDelayMs: 600_000 },
      'sick-tg': { arn: ARN('sick-tg'), port: 80, targetType: 'instance', unhealthy: [iid(50)] },
      // Ten minutes to healthy and to drain: states a test can see without racing the clock.
      'life-tg': {
        arn: ARN('life-tg'),
        port: 80,
        targetType: 'instance',
        healthyAfterMs: 600_000,
        deregistrationDelayMs: 600_000,
      },
    },
  },
};
