import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

// Debian's awscli (what the test command installs); another `aws` on PATH otherwise. Missing: the test fails, never skips.
const AWS = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';

/** Runs the AWS CLI against an endpoint with test credentials in us-east-1; JSON output. */
export function runAws(endpoint: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runAwsWithEnv(endpoint, {}, ...args);
}

/** {@link runAws} with more environment variables, e.g. `AWS_MAX_ATTEMPTS: '1'` to see an error the CLI would retry. */
export function runAwsWithEnv(
  endpoint: string,
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      AWS,
      ['--endpoint-url', endpoint, '--output', 'json', ...args],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'AKIDCLI',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
          AWS_EC2_METADATA_DISABLED: 'true',
          ...env,
        },
        maxBuffer: 32 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error('the AWS CLI is not installed: apt-get install awscli (the test command does this)'));
          return;
        }
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
