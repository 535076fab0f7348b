import { TEST_REGION } from './bucket.js';

/** A cheap scrypt cost for keys that tests create: the lowest a key object may record. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** The environment of a deployment whose repository is `s3://bucket/prefix` on the test S3 server. */
export function s3RepositoryEnv(options: {
  endpoint: string;
  bucket: string;
  prefix: string;
  password: string;
}): Record<string, string> {
  return {
    REPOSITORY_URL: `s3://${options.bucket}/${options.prefix}`,
    REPOSITORY_PASSWORD: options.password,
    S3_ENDPOINT: options.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: TEST_REGION,
    // The test server takes any key. Not the bucket helper's "testing": loading a configuration
    // makes its secret key one that the redactor takes out of every text of the process.
    AWS_ACCESS_KEY_ID: 'strongbox-test-key',
    AWS_SECRET_ACCESS_KEY: 'strongbox-test-secret-key',
  };
}
