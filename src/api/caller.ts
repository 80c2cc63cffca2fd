import type { Context } from 'hono';
import type { Caller } from '../app/ports.ts';
import type { AuthEnv } from './auth.ts';

/**
 * The decision service's view of an HTTP caller. Statements and idempotency keys are bound to the
 * key that sent them; keyless widget calls share one owner (their ids are random UUIDs).
 */
export function callerOf(c: Context<AuthEnv>): Caller {
  const caller = c.get('caller');
  if (caller.kind === 'widget') return { owner: 'widget', channel: 'widget', trustedEvidence: false };
  const { key } = caller;
  return { owner: `key:${key.id}`, channel: key.scope === 'widget' ? 'widget' : 'api', apiKeyId: key.id, trustedEvidence: key.scope === 'trusted-evidence' };
}
