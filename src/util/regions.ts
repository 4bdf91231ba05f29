/**
 * AWS's partitions as the AWS SDK for JavaScript knows them (its partitions table, `partitionsInfo` in
 * @aws-sdk/core): which region names belong to which, and the global region each signs global services (Route53)
 * for. A test keeps this copy equal to the installed SDK's.
 */
export const PARTITIONS: ReadonlyArray<{
  readonly id: string;
  readonly regionRegex: RegExp;
  readonly globalRegion: string;
}> = [
  { id: 'aws-us-gov', regionRegex: /^us-gov-\w+-\d+$/, globalRegion: 'us-gov-west-1' },
  { id: 'aws-iso', regionRegex: /^us-iso-\w+-\d+$/, globalRegion: 'us-iso-east-1' },
  { id: 'aws-iso-b', regionRegex: /^us-isob-\w+-\d+$/, globalRegion: 'us-isob-east-1' },
  { id: 'aws-iso-e', regionRegex: /^eu-isoe-\w+-\d+$/, globalRegion: 'eu-isoe-west-1' },
  { id: 'aws-iso-f', regionRegex: /^us-isof-\w+-\d+$/, globalRegion: 'us-isof-south-1' },
  { id: 'aws-cn', regionRegex: /^cn-\w+-\d+$/, globalRegion: 'cn-northwest-1' },
  { id: 'aws-eusc', regionRegex: /^eusc-(de)-\w+-\d+$/, globalRegion: 'eusc-de-east-1' },
  { id: 'aws', regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, globalRegion: 'us-east-1' },
];

/** The partition of a region name, or undefined when no partition takes it. */
export function partitionOf(region: string): (typeof PARTITIONS)[number] | undefined {
  return PARTITIONS.find((p) => p.regionRegex.test(region));
}

/** The region Route53 requests are signed for: Route53 is global, signed for its partition's global region. */
export function route53SigningRegion(region: string): string {
  return partitionOf(region)?.globalRegion ?? 'us-east-1';
}

/** Whether a region name belongs to one of the SDK's partitions (any region AWS has or will name that way). */
export function isAwsRegion(region: string): boolean {
  return partitionOf(region) !== undefined;
}
