import type { Context } from 'hono';
import type { Caller } from '../app/ports.ts';
import type { AuthEnv } from './auth.ts';

/**
 * The decision service's view of an HTTP caller. Statements, idempotency keys and counter-offers are
 * bound to the key that sent them; a keyless widget call to its session (`widget:<session id>`), so
 * one visitor's page cannot use what another's created.
 *
 * @example const caller = callerOf(c); // { owner: 'key:7', channel: 'api', apiKeyId: 7, trustedEvidence: false }
 */
export function callerOf(c: Context<AuthEnv>): Caller {
  const caller = c.get('caller');
  if (caller.kind === 'widget') return { owner: `widget:${caller.session}`, channel: 'widget', trustedEvidence: false };
  const { key } = caller;
  return { owner: `key:${key.id}`, channel: key.scope === 'widget' ? 'widget' : 'api', apiKeyId: key.id, trustedEvidence: key.scope === 'trusted-evidence' };
}
