export { type Config, configSchema, loadConfig, type RepositorySettings } from './config.js';
export { ConfigError } from './config-error.js';
export {
  forgetSecrets,
  keepSecret,
  MIN_CUT,
  REDACTED,
  Redactor,
  redactSecrets,
  secretsOf,
} from './secrets.js';
export { isKnownToken, metricsTokensOf, presentedToken } from './tokens.js';
