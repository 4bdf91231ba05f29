// B4 steady memory and events: runs B1's cold start and then, on the same daemon, 50,000 more key changes (see
// b1-cold-start.mjs, which does both) and prints the B4 figures.
import { coldStart } from './b1-cold-start.mjs';
import { startBench } from './lib/harness.mjs';

const bench = await startBench();
try {
  console.log(JSON.stringify((await coldStart(bench)).b4, null, 2));
} finally {
  await bench.stop();
}
