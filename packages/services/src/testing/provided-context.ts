// What the global setup hands to every test file through `inject()`.
declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis server for the tests, e.g. `redis://127.0.0.1:6390`. Isolate with {@link testPrefix}. */
    redisUrl: string;
    /**
     * A MySQL/MariaDB server for the tests, as root, e.g. `mysql://root@127.0.0.1:3390`, with no database
     * name. Isolate with createTestDatabase.
     */
    databaseUrl: string;
    /**
     * An S3 server for the tests (`moto_server`, any credentials), e.g. `http://127.0.0.1:5390`, or
     * `''` when it is not installed (never in CI). Isolate with a bucket of your own; see checkS3.
     */
    s3Endpoint: string;
  }
}

export {};
