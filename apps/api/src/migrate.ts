import { ConfigError, loadConfig } from '@strongbox/config';
import { connectDatabase, migrate } from '@strongbox/db';

/** `npm run migrate`: brings the schema up to date, then exits; nothing else. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const db = await connectDatabase(config.databaseUrl);
  try {
    const applied = await migrate(db, { onApplied: (name) => process.stdout.write(`applied ${name}\n`) });
    process.stdout.write(
      applied.length ? `${applied.length} migration(s) applied\n` : 'schema already up to date\n',
    );
  } finally {
    await db.end();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`Migration failed: ${message}\n`);
  process.exit(1);
});
