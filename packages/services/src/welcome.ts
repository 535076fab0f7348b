import { isKnownToken } from '@strongbox/config';

/** What {@link welcomeText} describes: the running stack and the tokens it asks for. */
export interface WelcomeOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  workers: number;
  sourceRoot: string;
  backupFolder: string;
  /** `API_TOKENS`: when not empty, every route but `/health` needs one of them. */
  apiTokens: readonly string[];
  /** `STRONGBOX_TOKEN` in `npm start`'s own environment, if any. */
  clientToken: string | undefined;
}

/** The shell variable the printed lines read the token from; the command-line client reads it too. */
const TOKEN_VARIABLE = 'STRONGBOX_TOKEN';

/**
 * What `npm start` prints once everything runs: where, and lines to try that work as printed. With
 * `API_TOKENS` the lines send `Authorization: Bearer $STRONGBOX_TOKEN`, a reference the shell
 * expands, never the token itself: `npm start`'s output often ends up in a log or a shared
 * terminal, and a token printed there would be one more copy to leak.
 */
export function welcomeText(options: WelcomeOptions): string {
  const base = options.baseUrl;
  const auth = options.apiTokens.length > 0 ? ` -H "Authorization: Bearer $${TOKEN_VARIABLE}"` : '';
  return `
Strongbox is running at ${base} with ${options.workers} worker(s).
  source root:   ${options.sourceRoot}
  backup folder: ${options.backupFolder}
${tokenAdvice(options)}
Try:
  curl -s -X POST ${base}/backups${auth} -H 'content-type: application/json' -d '{"folder":"example"}'
  curl -s ${base}/logs${auth}
  curl -s ${base}/stats${auth}

Press Ctrl-C to stop.
`;
}

function tokenAdvice({ apiTokens, clientToken }: WelcomeOptions): string {
  if (apiTokens.length === 0) return '';
  const notPrinted = 'the token itself is not printed, so that it stays out of logs';
  if (clientToken && isKnownToken(clientToken, apiTokens)) {
    return `
API_TOKENS is set. The lines below send $${TOKEN_VARIABLE}, set in this shell to one of its
tokens (${notPrinted}); \`npx strongbox\` reads the same variable.
`;
  }
  const wrong = clientToken
    ? `${TOKEN_VARIABLE} is set here but is not one of API_TOKENS: the API would answer 401. `
    : '';
  return `
API_TOKENS is set: every route but /health needs one of its tokens. ${wrong}In the shell you run
the lines below from (${notPrinted}), first:
  export ${TOKEN_VARIABLE}=<one of API_TOKENS>      # \`npx strongbox\` reads it too
`;
}
