// TestDNSAnswer: what Route53's name servers would answer for a name and type, so a user (or a test, through the AWS
// CLI's `aws route53 test-dns-answer`) sees routing policies at work: a weighted group answers one set, drawn in
// proportion to the weights; a multivalue group answers up to eight of its sets. API reference:
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html
import { decodeRoute53Name } from '../util/dns-name.js';
import { ApiError } from './api.js';
import { routingPolicy, type FakeRecordSet } from './route53-record.js';
import type { FakeZone } from './state.js';

/**
 * How many multivalue answer sets one answer carries: "Route 53 responds to DNS queries with up to eight healthy
 * records" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html). The fake has
 * no health checks: every set is healthy.
 */
export const MULTIVALUE_ANSWERS = 8;

/** The name server the fake answers as (the first of every zone's delegation set, see CreateHostedZone). */
const NAMESERVER = 'ns-1.awsdns-00.com';

/**
 * One weighted set, drawn with a probability of its weight over the sum: "Route 53 responds to queries based on the
 * ratio of a resource's weight to the total"; a set of weight 0 is never drawn, unless every set weighs 0, when all are
 * drawn alike (ResourceRecordSet.Weight, API reference).
 */
function drawWeighted(sets: readonly FakeRecordSet[], random: () => number): FakeRecordSet | undefined {
  const total = sets.reduce((n, s) => n + (s.weight ?? 0), 0);
  if (total === 0) return sets[Math.floor(random() * sets.length)];
  let x = random() * total;
  for (const s of sets) {
    x -= s.weight ?? 0;
    if (x < 0 && (s.weight ?? 0) > 0) return s;
  }
  return sets.findLast((s) => (s.weight ?? 0) > 0);
}

/** Up to eight multivalue sets, drawn at random when there are more (each resolver gets its own combination). */
function drawMultivalue(sets: readonly FakeRecordSet[], random: () => number): FakeRecordSet[] {
  const pool = [...sets];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as FakeRecordSet, pool[i] as FakeRecordSet];
  }
  return pool.slice(0, MULTIVALUE_ANSWERS);
}

/** The values Route53 would answer from a group of sets of one name and type. */
function answer(zone: FakeZone, sets: readonly FakeRecordSet[], random: () => number, depth = 0): string[] {
  const first = sets[0];
  if (!first) return [];
  const policy = routingPolicy(first);
  const chosen =
    policy === 'weighted'
      ? [drawWeighted(sets, random)].filter((s): s is FakeRecordSet => s !== undefined)
      : policy === 'multivalue'
        ? drawMultivalue(sets, random)
        : // Latency, failover and geolocation decisions are not modelled: the first set of the group answers.
          [first];
  return chosen.flatMap((s) => {
    if (!s.aliasTarget) return s.values;
    // An alias to a set of the same zone answers with that set's values; one to an AWS resource has none here.
    const target = decodeRoute53Name(s.aliasTarget.dnsName);
    if (depth > 0 || s.aliasTarget.hostedZoneId !== zone.id) return [];
    return answer(zone, setsAt(zone, target, s.type), random, depth + 1);
  });
}

function setsAt(zone: FakeZone, name: string, type: string): FakeRecordSet[] {
  return [...zone.recordSets.values()]
    .filter((s) => s.name === name && s.type === type)
    .sort((a, b) => ((a.setIdentifier ?? '') < (b.setIdentifier ?? '') ? -1 : 1));
}

/** The TestDNSAnswer result for a query of the zone; InvalidInput when the query lacks a name or a type. */
export function testDnsAnswer(zone: FakeZone, query: URLSearchParams, random: () => number): Record<string, unknown> {
  const recordName = query.get('recordname');
  const recordType = query.get('recordtype');
  if (!recordName || !recordType) {
    throw new ApiError(400, 'InvalidInput', 'Invalid request: recordname and recordtype are required', zone.id);
  }
  const name = decodeRoute53Name(recordName);
  const atName = [...zone.recordSets.values()].filter((s) => s.name === name);
  const cname = recordType !== 'CNAME' ? atName.filter((s) => s.type === 'CNAME') : [];
  const values = answer(zone, cname.length > 0 ? cname : setsAt(zone, name, recordType), random);
  return {
    Nameserver: NAMESERVER,
    RecordName: recordName,
    RecordType: recordType,
    RecordData: values.length > 0 ? { RecordDataEntry: values } : '',
    ResponseCode: atName.length > 0 || name === zone.name ? 'NOERROR' : 'NXDOMAIN',
    Protocol: 'UDP',
  };
}
