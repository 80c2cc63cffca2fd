import pino from 'pino';
import type { RequestLogger } from '../api/request-log.ts';

/**
 * The Node server's request log: pino, JSON lines on stdout (level from `LOG_LEVEL`, default info). The app
 * hands it ids, routes, statuses, latencies and error classes only; the redaction below is a second
 * guard should a body, an applicant or a query ever reach a log call.
 *
 * @example createApp({ ..., logger: requestLogger() });
 */
export function requestLogger(level = 'info', destination?: pino.DestinationStream): RequestLogger {
  const log = pino(
    {
      level,
      base: { service: 'lendwise' },
      redact: {
        paths: ['body', 'applicant', 'query', 'params', 'headers.authorization', '*.body', '*.applicant', '*.query', '*.params'],
        censor: '[redacted]',
      },
    },
    destination,
  );
  return { info: (fields, msg) => log.info(fields, msg), error: (fields, msg) => log.error(fields, msg) };
}
