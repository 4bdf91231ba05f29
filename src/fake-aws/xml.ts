import { randomUUID } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** Namespaces of the three APIs. */
export const NS = {
  elb: 'http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/',
  elbv2: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  route53: 'https://route53.amazonaws.com/doc/2013-04-01/',
} as const;

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });

// Route53 request bodies: lists that must stay lists even with one element.
const ARRAY_TAGS = new Set(['Change', 'ResourceRecord', 'member']);
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ARRAY_TAGS.has(name),
});

/** Serialises an object tree to XML with a declaration (escaping done by the library). */
export function toXml(root: Record<string, unknown>): string {
  const xml: string = builder.build(root);
  return `<?xml version="1.0" encoding="UTF-8"?>${xml}`;
}

/** Parses a request body; throws on malformed XML. */
export function parseXml(body: string): Record<string, unknown> {
  return parser.parse(body, true) as Record<string, unknown>;
}

/** A list in the Query protocol's form: `<member>…</member>` elements (an empty list is an empty element). */
export function members<T>(items: readonly T[]): { member: T[] } | '' {
  return items.length === 0 ? '' : { member: [...items] };
}

/** A new request id. */
export function requestId(): string {
  return randomUUID();
}

/** A Query-protocol success body: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…`. */
export function queryResponse(ns: string, op: string, result: Record<string, unknown>, id: string): string {
  return toXml({
    [`${op}Response`]: { '@_xmlns': ns, [`${op}Result`]: result, ResponseMetadata: { RequestId: id } },
  });
}

/** A Query-protocol error body. */
export function queryError(ns: string, code: string, message: string, id: string, type = 'Sender'): string {
  return toXml({
    ErrorResponse: { '@_xmlns': ns, Error: { Type: type, Code: code, Message: message }, RequestId: id },
  });
}

/** A Route53 error body (the standard ErrorResponse shape, InvalidChangeBatch included). */
export function route53Error(code: string, message: string, id: string, type = 'Sender'): string {
  return toXml({
    ErrorResponse: { '@_xmlns': NS.route53, Error: { Type: type, Code: code, Message: message }, RequestId: id },
  });
}
