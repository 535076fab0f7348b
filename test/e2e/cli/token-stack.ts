import { call, type Stack, startStack } from '../stack.js';

/** The real stack with `API_TOKENS`, and what the CLI's tests use it with. */
export interface TokenStack {
  stack: Stack;
  /** The CLI's environment: the stack's URL and the token. */
  env: Record<string, string>;
  /** The API itself, with the token: what the CLI's output is checked against. */
  api(method: string, route: string, body?: unknown): ReturnType<typeof call>;
}

/** Starts the API and one worker wanting `token`, with `env` besides. */
export async function startTokenStack(token: string, env: Record<string, string> = {}): Promise<TokenStack> {
  const stack = await startStack({ workers: 1, env: { ...env, API_TOKENS: token } });
  return {
    stack,
    env: { STRONGBOX_URL: stack.url, STRONGBOX_TOKEN: token },
    api: (method, route, body) => call(stack, method, route, body, { authorization: `Bearer ${token}` }),
  };
}
