import { createRequire } from 'node:module';

// src/util and dist/util are both two levels below the package root.
const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** lbmanager's version, from package.json. */
export const VERSION: string = pkg.version;

/** The User-Agent suffix of AWS calls: `lbmanager/<version> <identity>`. */
export function userAgent(identity: string): string {
  return `lbmanager/${VERSION} ${identity}`;
}
