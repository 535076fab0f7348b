export { type LoggingSettings, loggerOptions, PRETTY_MISSING, SECRET_FREE } from './logger-options.js';
