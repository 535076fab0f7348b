import type { Db } from '@strongbox/db';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { AuditWriter } from '../lib/audit-writer.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Writes the audit rows of reads in batches; flushed when the app closes. */
    audit: AuditWriter;
  }
}

/** Options for the audit plugin. */
export interface AuditOptions {
  db: Db;
  /** AUDIT_FLUSH_MS. */
  flushMs: number;
}

// Registered on the root instance (app.ts), so that the code that owns the app can flush it too.
const audit: FastifyPluginAsync<AuditOptions> = async (app, options) => {
  const writer = new AuditWriter(options.db, {
    flushMs: options.flushMs,
    onError: (error, dropped) =>
      app.log.warn({ err: error, dropped }, 'could not write audit rows; retrying'),
  });
  app.decorate('audit', writer);
  // After the server stopped answering (onClose), before main.ts closes the pool.
  app.addHook('onClose', async () => writer.close());
};

export default fp(audit, { name: 'audit' });
