import { after } from 'node:test';
import { motoBackend } from '../helpers/aws-backend.js';
import { defineScenarios, tally } from './scenarios.js';

defineScenarios('moto_server', motoBackend);

after(() => {
  const ops = [...tally.operations].sort(([a], [b]) => (a < b ? -1 : 1));
  process.stdout.write(
    `moto conformance: ${tally.scenarios} scenarios; AWS operations lbmanager called: ` +
      `${ops.map(([op, n]) => `${op} ${n}`).join(', ')}\n`,
  );
});
