export { type Config, configSchema, loadConfig } from './config.js';
export { ConfigError } from './config-error.js';
export { isKnownToken, metricsTokensOf, presentedToken, REDACTED_TOKEN, withoutTokens } from './tokens.js';
