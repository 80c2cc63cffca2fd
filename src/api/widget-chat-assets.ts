import { RENEW_SESSION, SESSION_META } from './widget-assets.ts';

/**
 * The chat page's static files, served as /chat.js and /chat.css (the page's CSP forbids inline
 * code, as the form's does). Plain strings: Workers have no files.
 */

/** The page's own words, in each language it speaks. The conversation's messages come translated from the server. */
export const CHAT_TEXTS = {
  en: {
    title: 'Lendwise — chat about a loan',
    heading: 'Talk to the loan assistant',
    intro: 'Answer in your own words or with the buttons. Nothing here asks for your name or address.',
    toForm: 'Prefer a form? Use the form',
    log: 'Conversation',
    you: 'You:',
    assistant: 'Assistant:',
    choices: 'Choices',
    inputLabel: 'Your message',
    placeholder: 'Type your answer…',
    send: 'Send',
    restart: 'Start again',
    typing: 'The assistant is typing…',
    unreachable: 'We could not reach the server. Your message is still in the box: please try again.',
    noSession: 'This page was opened at an address this server does not serve the widget at, so it cannot check a loan here.',
    tooMany: 'Too many messages in a short time. Please wait a minute and try again.',
    unavailable: 'The service is busy right now. Please try again in a moment.',
    ended: 'That conversation is no longer available, so we started a new one.',
    check: 'Please check your message:',
    sorry: 'Sorry:',
    failed: 'Sorry, something went wrong. Please try again.',
    approve: 'Approved',
    refer: 'Referred to a person for review',
    decline: 'Declined',
    score: 'Risk score',
    band: 'band',
    loan: 'Loan',
    over: 'over',
    months: 'months',
    apr: 'APR',
    monthly: 'Monthly payment',
    counter: 'We could approve',
    reference: 'Reference',
  },
  es: {
    title: 'Lendwise — habla sobre un préstamo',
    heading: 'Habla con el asistente de préstamos',
    intro: 'Responde con tus palabras o con los botones. Aquí no se pide tu nombre ni tu dirección.',
    toForm: '¿Prefieres un formulario? Usa el formulario',
    log: 'Conversación',
    you: 'Tú:',
    assistant: 'Asistente:',
    choices: 'Opciones',
    inputLabel: 'Tu mensaje',
    placeholder: 'Escribe tu respuesta…',
    send: 'Enviar',
    restart: 'Empezar de nuevo',
    typing: 'El asistente está escribiendo…',
    unreachable: 'No pudimos conectar con el servidor. Tu mensaje sigue en el cuadro: inténtalo de nuevo.',
    noSession: 'Esta página se abrió en una dirección en la que este servidor no ofrece el widget, así que aquí no se puede consultar un préstamo.',
    tooMany: 'Demasiados mensajes en poco tiempo. Espera un minuto e inténtalo de nuevo.',
    unavailable: 'El servicio está ocupado en este momento. Inténtalo de nuevo en un momento.',
    ended: 'Esa conversación ya no está disponible, así que empezamos una nueva.',
    check: 'Revisa tu mensaje:',
    sorry: 'Lo sentimos:',
    failed: 'Lo sentimos, algo salió mal. Inténtalo de nuevo.',
    approve: 'Aprobada',
    refer: 'Pasa a revisión por una persona',
    decline: 'Rechazada',
    score: 'Puntuación de riesgo',
    band: 'categoría',
    loan: 'Préstamo',
    over: 'a',
    months: 'meses',
    apr: 'Tasa anual (APR)',
    monthly: 'Pago mensual',
    counter: 'Podríamos aprobar',
    reference: 'Referencia',
  },
} as const;

export type ChatLanguage = keyof typeof CHAT_TEXTS;

/** Where the page keeps its conversation for this tab: a reload resumes it. */
export const CHAT_STORAGE = { id: 'lendwise.chat.id', log: 'lendwise.chat.log' } as const;

/**
 * The chat's behaviour. Picks English or Spanish from navigator.languages (the first English or
 * Spanish entry; English when there is none), starts a conversation at POST /v1/chat (or resumes
 * the tab's one with GET /v1/chat/:id), sends typed answers and pressed buttons, and shows the
 * decision card when the conversation is done. A call refused with 401 (the session expired, or
 * the server restarted) fetches the page again for a fresh session, once. Messages are text, never
 * HTML: every one is set with textContent.
 */
export const CHAT_SCRIPT = `(() => {
  const TEXTS = ${JSON.stringify(CHAT_TEXTS)};
  const STORAGE = ${JSON.stringify(CHAT_STORAGE)};
  const SESSION = 'meta[name="${SESSION_META}"]';

  const chooseLanguage = () => {
    const tags = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (const tag of tags) {
      const primary = String(tag).toLowerCase().split('-')[0];
      if (primary === 'es' || primary === 'en') return primary;
    }
    return 'en';
  };
  const lang = chooseLanguage();
  const T = TEXTS[lang];
  // Numbers and money as the conversation writes them (src/conversation/i18n.ts).
  const LOCALE = lang === 'es' ? 'es-ES' : 'en-US';
  document.documentElement.lang = lang;
  document.title = T.title;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = T[el.dataset.t];
  for (const el of document.querySelectorAll('[data-t-placeholder]')) el.placeholder = T[el.dataset.tPlaceholder];
  for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', T[el.dataset.tLabel]);

  const log = document.getElementById('log');
  const typing = document.getElementById('typing');
  const composer = document.getElementById('composer');
  const input = document.getElementById('say');
  const restart = document.getElementById('restart');
  let session = document.querySelector(SESSION)?.content ?? '';

  // This tab's conversation: its id and what was said, so that a reload shows it again.
  const stored = {
    get(key) {
      try {
        return sessionStorage.getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        sessionStorage.setItem(key, value);
      } catch {}
    },
    remove(key) {
      try {
        sessionStorage.removeItem(key);
      } catch {}
    },
  };
  let conversationId = stored.get(STORAGE.id) || '';
  /** What the log shows: { who: 'me' | 'bot', text, buttons?, open?, picked? } or { who: 'card', decision }. */
  let entries = [];
  const nodes = new Map();
  const persist = () => {
    if (conversationId) stored.set(STORAGE.id, conversationId);
    stored.set(STORAGE.log, JSON.stringify(entries.slice(-200)));
  };
  const forget = () => {
    conversationId = '';
    entries = [];
    for (const node of nodes.values()) node.remove();
    nodes.clear();
    for (const note of log.querySelectorAll('.note')) note.remove();
    stored.remove(STORAGE.id);
    stored.remove(STORAGE.log);
  };

  const make = (tag, className, content) => {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (content !== undefined) el.textContent = content;
    return el;
  };
  // The log follows the conversation unless the person has scrolled up to read; a resize (a phone's
  // keyboard opening, a rotation) keeps the latest message in view.
  let pinned = true;
  const scroll = () => {
    log.scrollTop = log.scrollHeight;
    pinned = true;
  };
  log.addEventListener('scroll', () => {
    pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  });
  if (window.ResizeObserver) new ResizeObserver(() => pinned && scroll()).observe(log);
  const put = (node) => {
    log.insertBefore(node, typing);
    scroll();
    return node;
  };
  const note = (message) => put(make('p', 'msg note', message));

  const money = (v) =>
    Number(v).toLocaleString(LOCALE, { style: 'currency', currency: 'USD', minimumFractionDigits: v % 1 ? 2 : 0, maximumFractionDigits: 2 });
  const percent = (v) => Number(v).toLocaleString(LOCALE, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  /** The decision, compactly: the server's message has already said it in words. */
  const card = (d) => {
    const box = make('section', 'msg card ' + d.decision);
    const heading = make('h2', '', T[d.decision] || String(d.decision));
    heading.id = 'decision-' + d.applicationId;
    box.setAttribute('aria-labelledby', heading.id);
    const facts = make('dl');
    const fact = (term, value) => {
      const pair = make('div');
      pair.append(make('dt', '', term), make('dd', '', value));
      facts.append(pair);
    };
    fact(T.score, d.score + ' (' + T.band + ' ' + d.riskBand + ')');
    const offer = d.offer || {};
    if (offer.available && offer.apr != null) {
      fact(T.loan, money(offer.amount) + ' ' + T.over + ' ' + offer.termMonths + ' ' + T.months);
      fact(T.apr, percent(offer.apr));
      fact(T.monthly, money(offer.monthlyPayment));
    } else if (offer.counterOffer) {
      const c = offer.counterOffer;
      fact(T.counter, money(c.amount) + ' ' + T.over + ' ' + c.termMonths + ' ' + T.months);
      fact(T.apr, percent(c.apr));
      fact(T.monthly, money(c.monthlyPayment));
    }
    box.append(heading, facts, make('p', 'ref', T.reference + ' ' + d.applicationId));
    return box;
  };

  const sync = (entry) => {
    const node = nodes.get(entry);
    if (!node) return;
    for (const button of node.querySelectorAll('.choices button')) {
      const picked = entry.picked === button.dataset.id;
      button.disabled = !entry.open;
      button.classList.toggle('picked', picked);
      if (picked) button.setAttribute('aria-pressed', 'true');
      else button.removeAttribute('aria-pressed');
    }
  };
  const build = (entry) => {
    if (entry.who === 'card') return card(entry.decision);
    const box = make('div', 'msg ' + entry.who);
    box.append(make('span', 'vh', entry.who === 'me' ? T.you : T.assistant), make('p', 'text', entry.text));
    if (entry.buttons && entry.buttons.length) {
      const group = make('div', 'choices');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', T.choices);
      for (const choice of entry.buttons) {
        const button = make('button', '', choice.label);
        button.type = 'button';
        button.dataset.id = choice.id;
        button.addEventListener('click', () => press(entry, choice));
        group.append(button);
      }
      box.append(group);
    }
    return box;
  };
  const render = (entry) => {
    nodes.set(entry, put(build(entry)));
    sync(entry);
  };
  const add = (entry) => {
    entries.push(entry);
    render(entry);
    return entry;
  };
  const drop = (entry) => {
    entries = entries.filter((e) => e !== entry);
    nodes.get(entry)?.remove();
    nodes.delete(entry);
  };
  /** Closes every open set of buttons (a later message was sent), marking \`picked\`; returns how to undo it. */
  const close = (picked) => {
    const closed = entries.filter((e) => e.open);
    for (const e of closed) {
      e.open = false;
      if (picked && picked.entry === e) e.picked = picked.id;
      sync(e);
    }
    return () => {
      for (const e of closed) {
        e.open = true;
        delete e.picked;
        sync(e);
      }
    };
  };
  const choicesOf = (reply) => (Array.isArray(reply.buttons) ? reply.buttons : []).map((b) => ({ id: String(b.id), label: String(b.label) }));
  /** The server's answer: its replies (with their buttons open) and, once decided, the card. */
  const show = (data) => {
    conversationId = data.conversationId || conversationId;
    const first = entries.length;
    for (const reply of data.replies || []) {
      const buttons = choicesOf(reply);
      add({ who: 'bot', text: String(reply.text ?? ''), buttons, open: buttons.length > 0 });
    }
    const d = data.decision;
    if (data.done && d && !entries.some((e) => e.who === 'card' && e.decision.applicationId === d.applicationId)) add({ who: 'card', decision: d });
    persist();
    // An answer taller than the log (a decision with its reasons) is shown from its start.
    const start = entries[first] && nodes.get(entries[first]);
    if (start && start.offsetTop < log.scrollTop) log.scrollTop = start.offsetTop - 8;
  };

${RENEW_SESSION}
  const call = async (method, path, body) => {
    const go = () => {
      const headers = { 'x-widget-session': session };
      if (body) headers['content-type'] = 'application/json';
      return fetch(path, { method, headers, cache: 'no-store', ...(body ? { body: JSON.stringify(body) } : {}) });
    };
    let res = await go();
    if (res.status === 401) {
      const fresh = await renew();
      if (fresh && fresh !== session) {
        session = fresh;
        res = await go();
      }
    }
    return res;
  };
  const problem = (status, data) => {
    if (status === 429) return T.tooMany;
    if (status === 503) return T.unavailable;
    if (status === 400 && Array.isArray(data.issues) && data.issues.length) return T.check + ' ' + data.issues.map((i) => i.rule).join('; ');
    return data.error ? T.sorry + ' ' + data.error : T.failed;
  };

  let busy = false;
  const wait = (on) => {
    busy = on;
    typing.hidden = !on;
    log.setAttribute('aria-busy', String(on));
    if (on) scroll();
  };

  /**
   * One message to the server: \`said\` is shown as the person's (and taken back if it fails), older
   * buttons close. Answers 'ok', 'gone' (the conversation no longer exists) or 'failed'.
   */
  const exchange = async (body, said, picked) => {
    if (busy) return 'failed';
    wait(true);
    const reopen = said ? close(picked) : () => {};
    const mine = said ? add({ who: 'me', text: said }) : undefined;
    let res;
    let data;
    try {
      res = await call('POST', '/v1/chat', body);
      data = await res.json().catch(() => ({}));
    } catch {
      data = undefined;
    }
    wait(false);
    if (res && res.ok) {
      show(data);
      return 'ok';
    }
    if (mine) drop(mine);
    reopen();
    if (!res) note(T.unreachable);
    else if (res.status === 404 && body.conversationId) return 'gone';
    else note(problem(res.status, data));
    return 'failed';
  };

  const start = () => exchange({ language: lang });

  /** Sends \`body\` in the current conversation; one that has ended is replaced by a new one. */
  const reply = async (body, said, picked) => {
    if (!conversationId && (await start()) !== 'ok') return false;
    const outcome = await exchange({ conversationId, ...body }, said, picked);
    if (outcome === 'gone') {
      forget();
      note(T.ended);
      await start();
    }
    return outcome === 'ok';
  };

  const press = async (entry, choice) => {
    if (busy || !entry.open) return;
    await reply({ button: choice.id }, choice.label, { entry, id: choice.id });
    input.focus();
  };

  composer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy || !session) return;
    input.value = '';
    const sent = await reply({ text }, text);
    // Not sent: the person's words go back in the box, unless they have typed something since.
    if (!sent && !input.value) input.value = text;
    input.focus();
  });

  restart.addEventListener('click', async () => {
    if (busy || !session) return;
    if (conversationId) {
      wait(true);
      let res;
      try {
        res = await call('DELETE', '/v1/chat/' + encodeURIComponent(conversationId));
      } catch {
        res = undefined;
      }
      wait(false);
      if (!res) return void note(T.unreachable);
      if (!res.ok && res.status !== 404) return void note(problem(res.status, await res.json().catch(() => ({}))));
    }
    forget();
    input.value = '';
    await start();
    input.focus();
  });

  /** A reload: the log as it was, then the server's state (its latest question again). */
  const resume = async () => {
    try {
      const saved = JSON.parse(stored.get(STORAGE.log) || '[]');
      if (Array.isArray(saved)) for (const e of saved) if (e && typeof e === 'object') add({ ...e, open: false });
    } catch {}
    wait(true);
    let res;
    let data;
    try {
      const path = '/v1/chat/' + encodeURIComponent(conversationId);
      res = await fetch(path, { headers: { 'x-widget-session': session }, cache: 'no-store' });
      // A browser sends no Origin header with a same-origin GET, and a widget session is only
      // accepted with one: then the same state is asked for with a POST that says nothing new.
      if (res.status === 401) res = await call('POST', '/v1/chat', { conversationId });
      data = await res.json().catch(() => ({}));
    } catch {
      res = undefined;
    }
    wait(false);
    if (!res) return void note(T.unreachable);
    if (res.status === 404) {
      forget();
      return void (await start());
    }
    if (!res.ok) return void note(problem(res.status, data));
    const replies = data.replies || [];
    const shown = entries.filter((e) => e.who === 'bot').slice(-replies.length);
    // The same question, perhaps shown after a word about the last answer ("Got it — …", a blank line, the question).
    const asks = (e, r) => e.text === String(r.text ?? '') || e.text.endsWith('\\n' + String(r.text ?? ''));
    const same = replies.length > 0 && shown.length === replies.length && shown.every((e, i) => asks(e, replies[i]));
    if (!same) return void show(data);
    // The latest question is the last thing shown: its buttons open again.
    shown.forEach((e, i) => {
      e.buttons = choicesOf(replies[i]);
      e.open = e.buttons.length > 0;
      const fresh = build(e);
      nodes.get(e)?.replaceWith(fresh);
      nodes.set(e, fresh);
      sync(e);
    });
    show({ ...data, replies: [] });
  };

  if (!session) {
    note(T.noSession);
    input.disabled = true;
    for (const b of composer.querySelectorAll('button')) b.disabled = true;
    restart.disabled = true;
    return;
  }
  if (conversationId) resume();
  else start();
})();
`;

export const CHAT_STYLE = `html, body { height: 100%; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
.chat { box-sizing: border-box; max-width: 40rem; height: 100vh; height: 100dvh; margin: 0 auto; padding: 1rem; display: flex; flex-direction: column; gap: 0.75rem; }
header { display: flex; align-items: flex-start; justify-content: space-between; gap: 0.75rem; }
h1 { font-size: 1.375rem; line-height: 1.25; margin: 0; }
.intro { margin: 0; color: #444; font-size: 0.9375rem; }
a { color: #1d4ed8; }
#log { position: relative; flex: 1; min-height: 12rem; overflow-y: auto; display: flex; flex-direction: column; gap: 0.5rem; padding: 0.75rem; background: #fff; border: 1px solid #ddd; border-radius: 6px; }
.msg { max-width: 85%; margin: 0; padding: 0.5rem 0.75rem; border-radius: 12px; overflow-wrap: anywhere; }
.msg .text { margin: 0; white-space: pre-line; }
.bot { align-self: flex-start; background: #eef1f6; border-bottom-left-radius: 4px; }
.me { align-self: flex-end; background: #1d4ed8; color: #fff; border-bottom-right-radius: 4px; }
.note { align-self: stretch; max-width: none; background: #fff7ed; border: 1px solid #e9b77b; color: #7c2d12; border-radius: 6px; }
.choices { display: flex; flex-wrap: wrap; gap: 0.375rem; margin-top: 0.5rem; }
button { font: inherit; cursor: pointer; border-radius: 4px; }
.choices button { padding: 0.3rem 0.75rem; border: 1px solid #1d4ed8; border-radius: 999px; background: #fff; color: #1d4ed8; }
.choices button:hover:enabled { background: #e8eefc; }
.choices button:disabled { cursor: default; border-color: #c7ccd4; color: #5b6270; background: #f4f5f7; }
.choices button.picked { border-color: #1d4ed8; background: #1d4ed8; color: #fff; }
.choices button.picked::before { content: "✓ "; }
.typing { color: #444; font-style: italic; animation: pulse 1.2s ease-in-out infinite alternate; }
@keyframes pulse { to { opacity: 0.45; } }
@media (prefers-reduced-motion: reduce) { .typing { animation: none; } }
.card { align-self: stretch; max-width: none; padding: 0.75rem 1rem; background: #fff; border: 1px solid #ddd; border-left: 6px solid #555; border-radius: 6px; }
.card h2 { font-size: 1.125rem; margin: 0 0 0.375rem; }
.card dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(7.5rem, 1fr)); gap: 0.5rem 1rem; margin: 0; }
.card dt { color: #444; font-size: 0.875rem; }
.card dd { margin: 0; font-weight: 600; }
.card .ref { margin: 0.5rem 0 0; color: #555; font-size: 0.8125rem; overflow-wrap: anywhere; }
.approve { border-left-color: #15803d; } .refer { border-left-color: #b45309; } .decline { border-left-color: #b91c1c; }
#composer { display: flex; gap: 0.5rem; }
#say { flex: 1; min-width: 0; font: inherit; padding: 0.625rem; border: 1px solid #767676; border-radius: 4px; background: #fff; }
#composer button { padding: 0.625rem 1.25rem; border: 0; background: #1d4ed8; color: #fff; font-weight: 600; }
#restart { flex: none; padding: 0.3rem 0.75rem; border: 1px solid #767676; background: #fff; color: #1a1a1a; font-size: 0.9375rem; }
#composer button:disabled, #restart:disabled { cursor: default; opacity: 0.6; }
#say:disabled { background: #f4f5f7; }
input:focus, button:focus, a:focus { outline: 3px solid #1d4ed8; outline-offset: 1px; }
.vh { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
[hidden] { display: none !important; }
@media (max-width: 30rem) {
  .chat { padding: 0.5rem; gap: 0.5rem; }
  h1 { font-size: 1.125rem; }
  .intro { font-size: 0.875rem; line-height: 1.4; }
  #restart { font-size: 0.875rem; padding: 0.25rem 0.5rem; }
  #log { padding: 0.5rem; }
  .msg { max-width: 92%; }
}
`;
