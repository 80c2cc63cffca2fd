import { SESSION_META } from '../../src/api/widget-assets.ts';

/** What the tests need of an app: Hono's request. */
interface Requester {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

/** The session a widget page carries, or '' when the page was served without one. */
export function sessionOf(html: string): string {
  const found = new RegExp(`<meta name="${SESSION_META}" content="([^"]*)">`).exec(html);
  if (!found) throw new Error('the page has no session element');
  return found[1];
}

/**
 * Opens the widget page at `pageUrl` (its origin is the one the session is issued to) and returns its
 * session, as the page's own script would read it.
 */
export async function widgetSession(app: Requester, pageUrl: string): Promise<string> {
  const session = sessionOf(await (await app.request(pageUrl)).text());
  if (!session) throw new Error(`the widget page at ${pageUrl} was served without a session`);
  return session;
}
