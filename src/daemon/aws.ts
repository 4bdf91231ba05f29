import type { Metrics } from '../admin/metrics.js';
import type { DaemonConfig } from '../config/daemon.js';
import { AwsClients, resolveLegacyCredentials } from '../providers/aws-clients.js';
import type * as Route53Module from '../providers/route53.js';
import type { Route53Zones } from '../providers/route53.js';
import { Route53Throttle } from '../providers/route53-throttle.js';
import type { Route53Provider } from '../providers/types.js';
import { userAgent } from '../util/version.js';
import { lazyMembershipProvider, lazyRoute53Provider } from './lazy-providers.js';

/** Builds the AWS side: clients with lbmanager's User-Agent, providers, the shared Route53 throttle. */
export function buildProviders(config: DaemonConfig, metrics?: Metrics) {
  const legacy = resolveLegacyCredentials(process.env);
  const throttle = new Route53Throttle({ requestRate: config.route53Rps, changeRate: config.route53ChangeRps });
  // Route53's module (and its SDK client) loads with the first zone; every region's provider shares these zones.
  let zones: Route53Zones | undefined;
  let route53Module: Promise<{ mod: typeof Route53Module; zones: Route53Zones }> | undefined;
  const route53Loaded = () =>
    (route53Module ??= import('../providers/route53.js').then((mod) => {
      zones = new mod.Route53Zones();
      return { mod, zones };
    }));
  const clients = new AwsClients({
    userAgent: userAgent(config.identity),
    ...(config.elbEndpoint ? { elbEndpoint: config.elbEndpoint } : {}),
    ...(config.elbv2Endpoint ? { elbv2Endpoint: config.elbv2Endpoint } : {}),
    ...(config.route53Endpoint ? { route53Endpoint: config.route53Endpoint } : {}),
    ...(legacy ? { credentials: legacy } : {}),
    connectTimeoutMs: config.awsConnectTimeout * 1000,
    requestTimeoutMs: config.awsRequestTimeout * 1000,
  });
  clients.onClient = (service, client) => {
    // Every Route53 request of every region shares the account's buckets; listings made ahead wait behind reads.
    if (service === 'route53') throttle.attach(client, () => zones?.priority.getStore() ?? 'now');
    metrics?.countAwsCalls(service, client);
  };
  const route53ByRegion = new Map<string, Route53Provider>();
  const route53 = (region: string): Route53Provider => {
    let p = route53ByRegion.get(region);
    if (!p) {
      p = lazyRoute53Provider(async () => {
        const loaded = await route53Loaded();
        return new loaded.mod.Route53AwsProvider(clients, region, { zones: loaded.zones });
      });
      route53ByRegion.set(region, p);
    }
    return p;
  };
  const elb = lazyMembershipProvider(async () => new (await import('../providers/elb.js')).ElbProvider(clients));
  const elbv2 = lazyMembershipProvider(async () => new (await import('../providers/elbv2.js')).Elbv2Provider(clients));
  return { clients, providers: { elb, elbv2, route53 } };
}
