export { type AppDeps, BODY_LIMIT, type BuildAppOptions, buildApp, serviceApp } from './app.js';
