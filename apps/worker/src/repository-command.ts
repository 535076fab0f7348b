import { repositoryCommand } from './repository-init.js';

// `npm run repository -- init`: see repository-init.ts.
process.exitCode = await repositoryCommand(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
