import type { IncomingMessage } from 'node:http';
import { ApiError } from './api.js';

/** AWS's APIs take small bodies (a Route53 batch is at most 32,000 characters of values). */
export const MAX_BODY = 16 * 1024 * 1024;
/** A state loaded through `/_fake/reset` may hold a million members (benchmark B6). */
export const MAX_CONTROL_BODY = 1024 * 1024 * 1024;

/** The region of a request, from its SigV4 credential scope (us-east-1 when unsigned). */
export function regionOf(authorization: string | undefined): string {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization ?? '')?.[1] ?? 'us-east-1';
}

/** The body of a request, refused with 413 beyond `max` bytes. */
export function readBody(req: IncomingMessage, max = MAX_BODY): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'Request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The load balancer, target group or hosted zone a request is about, read before it is handled. */
export function requestTarget(service: 'elb' | 'elbv2' | 'route53', params: URLSearchParams, pathname: string): string {
  if (service === 'route53') return /\/hostedzone\/([^/]+)/.exec(pathname)?.[1] ?? '';
  if (service === 'elb') return params.get('LoadBalancerName') ?? params.get('LoadBalancerNames.member.1') ?? '';
  return params.get('TargetGroupArn') ?? params.get('Names.member.1') ?? params.get('Name') ?? '';
}
