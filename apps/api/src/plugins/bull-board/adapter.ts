import { createRequire } from 'node:module';
import type {
  AppControllerRoute,
  BullBoardRequest,
  ControllerHandlerReturnType,
} from '@bull-board/api/typings/app';
import { FastifyAdapter } from '@bull-board/fastify';
import { quote } from '@strongbox/contract';
import { ApiError } from '../../errors/api-error.js';
import type { ErrorCode } from '../../errors/status-of.js';

// The wording of Bull Board's error keys, from its own English messages.
const ENGLISH: { ERRORS: Record<string, string> } = createRequire(import.meta.url)(
  '@bull-board/ui/dist/static/locales/en-US/messages.json',
);

/** Bull Board's error body: a translation key, with the values it interpolates. */
interface BoardError {
  error: { key: string; options?: Record<string, unknown> };
}

// Bull Board's statuses, as the API's codes: a 403, 405 or 409 is an action it refuses.
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  403: 'ACTION_REFUSED',
  404: 'NOT_FOUND',
  405: 'ACTION_REFUSED',
  409: 'ACTION_REFUSED',
};

/**
 * Bull Board's adapter, with its errors in the API's error shape (statusCode, error, code,
 * message) instead of its own `{"error": {"key": …}}`: what its routes answer as an error becomes
 * an {@link ApiError}, and what they throw (and what its static files refuse) goes to the API's
 * error handler rather than its own. Its page reads `error` and `message` of either shape.
 */
export class BoardAdapter extends FastifyAdapter {
  override setApiRoutes(routes: AppControllerRoute[]): FastifyAdapter {
    return super.setApiRoutes(
      routes.map((route) => ({
        ...route,
        handler: async (request?: BullBoardRequest) => refusing(await route.handler(request), request),
      })),
    );
  }

  override setErrorHandler(): this {
    return super.setErrorHandler((error) => {
      // Thrown from Fastify's error handler, an error goes on to the one of the plugin above: the API's.
      throw error;
    });
  }
}

/** Throws an ApiError for an error answer of Bull Board; returns any other answer as it is. */
function refusing<T extends ControllerHandlerReturnType<unknown>>(answer: T, request?: BullBoardRequest): T {
  const status = answer.status ?? 200;
  if (status < 400 || !isBoardError(answer.body)) return answer;
  const { key, options = {} } = answer.body.error;
  throw new ApiError(CODE_BY_STATUS[status] ?? 'INTERNAL', messageOf(key, options, request));
}

function isBoardError(body: unknown): body is BoardError {
  const error = (body as Partial<BoardError> | null)?.error;
  return typeof error === 'object' && error !== null && typeof error.key === 'string';
}

function messageOf(key: string, options: Record<string, unknown>, request?: BullBoardRequest): string {
  const { queueName, jobId } = (request?.params ?? {}) as { queueName?: string; jobId?: string };
  // Quoted and cut like every id an answer echoes: a route parameter may be as long as a folder.
  if (key === 'ERRORS.JOB_NOT_FOUND') {
    return `There is no job ${quote(jobId ?? '')} in the queue ${quote(queueName ?? '')}`;
  }
  if (key === 'ERRORS.QUEUE_NOT_FOUND') {
    const names = [...(request?.queues.keys() ?? [])].join(', ').replace(/, ([^,]*)$/, ' and $1');
    return `There is no queue ${quote(queueName ?? '')}: the dashboard shows the queues ${names}`;
  }
  const text = ENGLISH.ERRORS[key.replace(/^ERRORS\./, '')] ?? key;
  return text.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => String(options[name] ?? ''));
}
