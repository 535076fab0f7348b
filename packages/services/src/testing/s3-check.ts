import { S3_SERVER } from '../s3.js';

export type S3Check = { run: true; endpoint: string } | { run: false; reason: string };

/**
 * Whether the tests against a real S3 server can run: they do when the global setup started one
 * (`endpoint`, the provided `s3Endpoint`); it starts one whenever moto_server is installed, and in
 * CI (`ci`) its absence is an error; elsewhere they are skipped, saying what to install.
 */
export function checkS3(options: { ci: boolean; endpoint: string }): S3Check {
  if (options.endpoint !== '') return { run: true, endpoint: options.endpoint };
  if (options.ci) {
    throw new Error(
      `${S3_SERVER} is not installed, and CI must run the S3 tests against it (.ci/run checks it)`,
    );
  }
  return {
    run: false,
    reason: `Tests against S3 skipped: they need ${S3_SERVER} (pip install 'moto[server]')`,
  };
}
