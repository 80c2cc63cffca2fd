import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { ApplicantSchema, PURPOSE_LABELS } from '../applicant/schema.ts';
import { widgetPageCsp } from './security-headers.ts';
import { SESSION_META, WIDGET_SCRIPT, WIDGET_STYLE } from './widget-assets.ts';
import { CHAT_SCRIPT, CHAT_STYLE, CHAT_TEXTS } from './widget-chat-assets.ts';
import type { WidgetSecurity } from './widget-security.ts';

/**
 * The public web widget, two pages with a link between them, each served with a session of its own:
 * - `/`, a chat with the loan assistant (POST /v1/chat), in English or Spanish;
 * - `/form`, for people who prefer it: a plain, accessible form generated from the applicant schema
 *   (labels, units, ranges) that posts to /v1/score and shows the decision, its reasons and the offer.
 * `/embed.js` puts the chat on a lender's page in an iframe.
 */

interface JsonField {
  label?: string;
  unit?: string;
  type?: string;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  anyOf?: { const?: number | string }[];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

function fieldHtml(name: string, f: JsonField, required: boolean): string {
  const id = `f-${name}`;
  const unit = f.unit && !['category', 'count', 'object'].includes(f.unit) ? ` (${f.unit})` : '';
  const label = `<label for="${id}">${escapeHtml(f.label ?? name)}${escapeHtml(unit)}${required ? '' : ' <span class="opt">optional</span>'}</label>`;
  const error = `<p class="err" id="${id}-err" role="alert" hidden></p>`;
  const choices = f.enum ?? f.anyOf?.map((o) => String(o.const));
  if (choices) {
    const kind = f.enum ? 'string' : 'number';
    const options = choices
      .map(
        (c) => `<option value="${escapeHtml(c)}">${escapeHtml((PURPOSE_LABELS as Record<string, string>)[c] ?? c.replace(/_/g, ' ').toLowerCase())}</option>`,
      )
      .join('');
    return `<div class="field">${label}<select id="${id}" name="${name}" data-kind="${kind}" ${required ? 'required' : ''} aria-describedby="${id}-err">${options}</select>${error}</div>`;
  }
  const range = `${f.minimum !== undefined ? ` min="${f.minimum}"` : ''}${f.maximum !== undefined ? ` max="${f.maximum}"` : ''}`;
  return `<div class="field">${label}<input id="${id}" name="${name}" type="number" inputmode="decimal" step="any" data-kind="number"${range} ${required ? 'required' : ''} aria-describedby="${id}-err">${error}</div>`;
}

let form: string | undefined;

/** The form's fields, from the applicant schema: the same for every page, so made once. */
function formFields(): string {
  if (form) return form;
  // Bank-account evidence is collected by the bot and the API, not by this short form.
  const schema = z.toJSONSchema(ApplicantSchema.omit({ alternativeData: true }), { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, JsonField>;
    required: string[];
  };
  form = Object.entries(schema.properties)
    .map(([name, f]) => fieldHtml(name, f, schema.required.includes(name)))
    .join('\n');
  return form;
}

/** A widget page's head: its session for the script, and its own script and style files (no inline code). */
const pageHead = (title: string, assets: 'widget' | 'chat', session?: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="${SESSION_META}" content="${escapeHtml(session ?? '')}">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/${assets}.css">
<script src="/${assets}.js" defer></script>
</head>`;

/**
 * The form page, carrying `session` for its script (none: it says it cannot check a loan here).
 * No inline script or style: its CSP allows only /widget.js and /widget.css.
 *
 * @example c.html(formPage(widget.sessions.issue('https://loans.example')))
 */
export function formPage(session?: string): string {
  return `${pageHead('Lendwise — check a loan', 'widget', session)}
<body>
<main>
<h1>Check a loan</h1>
<p class="switch"><a href="/">Prefer to chat? Talk to the loan assistant</a></p>
<p>Answer a few questions and see at once whether we could lend, at what price, and why. Nothing here asks for your name or address.</p>
<form id="apply" novalidate>
${formFields()}
<button type="submit">See my decision</button>
</form>
<section id="result" aria-live="polite" hidden></section>
</main>
</body>
</html>`;
}

/**
 * The chat page, carrying `session` for its script (none: it says it cannot check a loan here). Its
 * words are English here; the script puts them in Spanish for a Spanish browser. No inline script or
 * style: its CSP allows only /chat.js and /chat.css.
 *
 * @example c.html(chatPage(widget.sessions.issue('https://loans.example')))
 */
export function chatPage(session?: string): string {
  const t = CHAT_TEXTS.en;
  return `${pageHead(t.title, 'chat', session)}
<body>
<main class="chat">
<header>
<h1 data-t="heading">${escapeHtml(t.heading)}</h1>
<button type="button" id="restart" data-t="restart">${escapeHtml(t.restart)}</button>
</header>
<p class="intro"><span data-t="intro">${escapeHtml(t.intro)}</span> <a href="/form" data-t="toForm">${escapeHtml(t.toForm)}</a></p>
<div id="log" role="log" aria-live="polite" aria-label="${escapeHtml(t.log)}" data-t-label="log">
<p id="typing" class="msg bot typing" hidden data-t="typing">${escapeHtml(t.typing)}</p>
</div>
<form id="composer" novalidate>
<label for="say" class="vh" data-t="inputLabel">${escapeHtml(t.inputLabel)}</label>
<input id="say" name="text" type="text" autocomplete="off" maxlength="2000" enterkeyhint="send" placeholder="${escapeHtml(t.placeholder)}" data-t-placeholder="placeholder">
<button type="submit" data-t="send">${escapeHtml(t.send)}</button>
</form>
</main>
</body>
</html>`;
}

/**
 * `<script src=".../embed.js" async></script>` on a lender's page adds the widget in an iframe. The
 * iframe's address is PUBLIC_URL when configured, else the origin this script was itself loaded
 * from, as the browser saw it: nothing here comes from the request's Host header, so the script is
 * the same for every request.
 *
 * @example embedScript('https://loans.example') // frame.src = "https://loans.example/"
 */
export function embedScript(publicUrl?: string): string {
  const base = publicUrl ? JSON.stringify(`${new URL(publicUrl).origin}/`) : "new URL('/', s.src).href";
  return `(() => {
  const s = document.currentScript;
  const frame = document.createElement('iframe');
  frame.src = ${base};
  frame.title = 'Lendwise loan check';
  frame.style.cssText = 'width:100%;max-width:42rem;height:40rem;border:0';
  s.parentNode.insertBefore(frame, s.nextSibling);
})();
`;
}

const TEXT = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/**
 * The widget's routes: the chat at `/` and the form at `/form` (each with a session issued to the
 * origin it is served at, and the CSP that says who may frame it), embed.js, and the pages' scripts
 * and styles.
 *
 * @example app.route('/', widgetRoutes(widget));
 */
export function widgetRoutes(widget: WidgetSecurity) {
  const app = new Hono();
  const page = (render: (session?: string) => string) => async (c: Context) => {
    const origin = widget.pageOrigin(c);
    const frameAncestors = await widget.partners.list();
    return c.html(render(origin ? widget.sessions.issue(origin) : undefined), 200, {
      'content-security-policy': widgetPageCsp(frameAncestors),
      // Each page carries its own session: never from a cache.
      'cache-control': 'no-store',
    });
  };
  app.get('/', page(chatPage));
  app.get('/form', page(formPage));
  app.get('/embed.js', (c) => c.body(embedScript(widget.publicUrl), 200, { 'content-type': TEXT.js, 'cache-control': 'public, max-age=300' }));
  app.get('/widget.js', (c) => c.body(WIDGET_SCRIPT, 200, { 'content-type': TEXT.js, 'cache-control': 'public, max-age=300' }));
  app.get('/widget.css', (c) => c.body(WIDGET_STYLE, 200, { 'content-type': TEXT.css, 'cache-control': 'public, max-age=300' }));
  app.get('/chat.js', (c) => c.body(CHAT_SCRIPT, 200, { 'content-type': TEXT.js, 'cache-control': 'public, max-age=300' }));
  app.get('/chat.css', (c) => c.body(CHAT_STYLE, 200, { 'content-type': TEXT.css, 'cache-control': 'public, max-age=300' }));
  return app;
}
