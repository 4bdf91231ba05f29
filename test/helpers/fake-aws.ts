import {
  startFakeAws,
  type Faults,
  type FakeAwsOptions,
  type FakeAwsServer,
  type FakeCall,
  type InFlightCall,
} from '../../src/fake-aws/server.js';

/** Starts the fake AWS endpoint in-process on a free port, quiet; random faults seeded, so every run sees the same. */
export function startTestFakeAws(options: FakeAwsOptions = {}): Promise<FakeAwsServer> {
  return startFakeAws({ listen: '127.0.0.1:0', seed: 1, ...options });
}

/** The fake's call log. */
export async function fakeCalls(
  url: string,
  since = 0,
): Promise<{ counts: Record<string, number>; total: number; calls: FakeCall[]; inFlight: InFlightCall[] }> {
  const r = await fetch(`${url}/_fake/calls${since ? `?since=${since}` : ''}`);
  return (await r.json()) as {
    counts: Record<string, number>;
    total: number;
    calls: FakeCall[];
    inFlight: InFlightCall[];
  };
}

/** A target as `GET /_fake/state` lists it. */
export interface FakeTargetView {
  id: string;
  port: number;
  availabilityZone?: string;
}

/** What `GET /_fake/state` answers. */
export interface FakeStateView {
  elb: Record<string, Record<string, { instances: string[] }>>;
  elbv2: Record<
    string,
    Record<
      string,
      {
        arn: string;
        port: number;
        protocol: string;
        targetType: string;
        vpcId: string;
        ipAddressType: string;
        targets: FakeTargetView[];
        draining: FakeTargetView[];
      }
    >
  >;
  vpcs: Record<string, string[]>;
  instances: Record<string, string[]>;
  route53: {
    zones: Record<
      string,
      { name: string; recordSets: Array<{ name: string; type: string; ttl: number; values: string[] }> }
    >;
  };
  terminated: Record<string, string[]>;
}

/** The fake's state as JSON. */
export async function fakeState(url: string): Promise<FakeStateView> {
  const r = await fetch(`${url}/_fake/state`);
  return (await r.json()) as FakeStateView;
}

/** Sets faults at run time. */
export async function setFaults(url: string, faults: Partial<Faults>): Promise<void> {
  const r = await fetch(`${url}/_fake/faults`, { method: 'POST', body: JSON.stringify(faults) });
  if (!r.ok) throw new Error(`faults rejected: ${await r.text()}`);
}
