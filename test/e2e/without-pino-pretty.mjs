// Loaded with `node --import`: makes pino-pretty impossible to find, as on a production install
// (npm ci --omit=dev), so that a test can start the built API the way production would.
import { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'pino-pretty' || specifier.startsWith('pino-pretty/')) {
    const error = new Error("Cannot find package 'pino-pretty'");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;

register(`data:text/javascript,${encodeURIComponent(hook)}`);
