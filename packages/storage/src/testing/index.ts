export { createTestBucket, TEST_CREDENTIALS, TEST_REGION, type TestBucket } from './bucket.js';
export { s3RepositoryEnv, TEST_SCRYPT } from './repository-env.js';
