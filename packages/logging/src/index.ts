export { type LoggingSettings, loggerOptions, PRETTY_MISSING } from './logger-options.js';
