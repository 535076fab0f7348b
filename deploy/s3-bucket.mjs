// The container test's view of the S3 endpoint, from the host, through the AWS SDK:
//   node deploy/s3-bucket.mjs create ENDPOINT BUCKET        creates the bucket
//   node deploy/s3-bucket.mjs list ENDPOINT BUCKET PREFIX   prints each key under PREFIX/ and its size
// Path-style requests; the region and the keys come from AWS_REGION, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, as in the containers.
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

const [command, endpoint, bucket, prefix] = process.argv.slice(2);
if (!['create', 'list'].includes(command) || !endpoint || !bucket || (command === 'list' && !prefix)) {
  console.error('usage: node deploy/s3-bucket.mjs create ENDPOINT BUCKET | list ENDPOINT BUCKET PREFIX');
  process.exit(2);
}
const client = new S3Client({ endpoint, forcePathStyle: true, maxAttempts: 1 });
try {
  if (command === 'create') {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } else {
    let ContinuationToken;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken }),
      );
      for (const object of page.Contents ?? []) console.log(`${object.Key}\t${object.Size}`);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }
} finally {
  client.destroy();
}
