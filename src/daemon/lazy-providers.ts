import type { MembershipProvider, MembershipTarget, Route53Provider } from '../providers/types.js';

// A provider's module loads its AWS SDK client (each is 100-300 ms of module loading). Behind these wrappers it loads
// on first use: a tree without target groups never loads the ELBv2 client, and the others load while etcd still
// serves the first read (the first snapshot page already asks for early reads), not before the daemon connects.

/** A MembershipProvider that loads the real one on first use. */
export function lazyMembershipProvider(load: () => Promise<MembershipProvider>): MembershipProvider {
  let loaded: MembershipProvider | undefined;
  let loading: Promise<MembershipProvider> | undefined;
  const get = (): Promise<MembershipProvider> => (loading ??= load().then((p) => (loaded = p)));
  return {
    readMembers: (t) => get().then((p) => p.readMembers(t)),
    register: (t, members) => get().then((p) => p.register(t, members)),
    deregister: (t, members) => get().then((p) => p.deregister(t, members)),
    // Before the first read the real provider knows no group either: members compare as written.
    normalise: (t: MembershipTarget, members: readonly string[]) =>
      loaded?.normalise ? loaded.normalise(t, members) : [...members],
    prefetch: (region, names) => void get().then((p) => p.prefetch?.(region, names)),
    forgetRecentWrites: () => loaded?.forgetRecentWrites?.(),
  };
}

/** A Route53Provider that loads the real one on first use. */
export function lazyRoute53Provider(load: () => Promise<Route53Provider>): Route53Provider {
  let loading: Promise<Route53Provider> | undefined;
  const get = (): Promise<Route53Provider> => (loading ??= load());
  return {
    readRecordSets: (zoneId, names) => get().then((p) => p.readRecordSets(zoneId, names)),
    changeRecordSets: (zoneId, changes) => get().then((p) => p.changeRecordSets(zoneId, changes)),
    prefetch: (zoneId, names) => void get().then((p) => p.prefetch?.(zoneId, names)),
  };
}
