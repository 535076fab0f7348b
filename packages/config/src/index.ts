export { ConfigError } from './config-error.js';
export { type Config, configSchema, loadConfig } from './config.js';
