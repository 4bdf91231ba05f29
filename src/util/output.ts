/** Writes to stdout and waits until it is flushed: process.exit would cut a large answer to a pipe short. */
export function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}
