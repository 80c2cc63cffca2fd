/**
 * The widget page's static files, served as /widget.js and /widget.css so that the page's CSP can
 * forbid inline code (script-src 'self', style-src 'self'). Plain strings: Workers have no files.
 */

/** The name of the page's meta element that carries its widget session. */
export const SESSION_META = 'lendwise-session';

/**
 * Browser code shared by the form's and the chat's scripts: `renew()` fetches the page again for a
 * fresh session (sessions are only issued with the page). Needs `SESSION`, the meta selector.
 */
export const RENEW_SESSION = `  // Sessions are only issued with the page: a fresh copy of it carries a new one.
  const renew = async () => {
    try {
      const res = await fetch(location.pathname, { cache: 'no-store', credentials: 'same-origin' });
      const page = new DOMParser().parseFromString(await res.text(), 'text/html');
      return page.querySelector(SESSION)?.content ?? '';
    } catch {
      return '';
    }
  };`;

/**
 * The form's behaviour: posts the answers to /v1/score with the page's session, shows the decision,
 * its reasons and the offer, or each wrong answer beside its field. A call refused with 401 (the
 * session expired, or the server restarted) fetches the page again for a fresh session, once.
 */
export const WIDGET_SCRIPT = `(() => {
  const form = document.getElementById('apply');
  const out = document.getElementById('result');
  const SESSION = 'meta[name="${SESSION_META}"]';
  let session = document.querySelector(SESSION)?.content ?? '';
  const pct = (v) => (v * 100).toFixed(1) + '%';
  const money = (v) => v.toLocaleString('en-US', { style: 'currency', currency: 'USD' });
  const text = (tag, content) => { const el = document.createElement(tag); el.textContent = content; return el; };
  const say = (message) => { out.hidden = false; out.className = ''; out.replaceChildren(text('p', message)); };
  if (!session) say('This page was opened at an address this server does not serve the widget at, so it cannot check a loan here.');
${RENEW_SESSION}
  const post = (body) =>
    fetch('/v1/score', { method: 'POST', headers: { 'content-type': 'application/json', 'x-widget-session': session }, body: JSON.stringify(body) });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    for (const el of form.querySelectorAll('input, select')) {
      el.removeAttribute('aria-invalid');
      document.getElementById(el.id + '-err').hidden = true;
      if (el.value === '') continue;
      body[el.name] = el.dataset.kind === 'number' ? Number(el.value) : el.value;
    }
    say('Checking…');
    let res;
    try {
      res = await post(body);
      if (res.status === 401) {
        const fresh = await renew();
        if (fresh && fresh !== session) {
          session = fresh;
          res = await post(body);
        }
      }
    } catch {
      say('We could not reach the server. Please try again.');
      return;
    }
    const data = await res.json().catch(() => ({}));
    if (res.status === 400 && data.issues) {
      say('Please check the highlighted answers.');
      let first;
      for (const issue of data.issues) {
        const el = document.getElementById('f-' + issue.field);
        if (!el) continue;
        el.setAttribute('aria-invalid', 'true');
        const err = document.getElementById(el.id + '-err');
        err.textContent = issue.rule;
        err.hidden = false;
        first ??= el;
      }
      first?.focus();
      return;
    }
    if (!res.ok) {
      say(data.error ? 'Sorry: ' + data.error + '.' : 'Sorry, something went wrong.');
      return;
    }
    const word = { approve: 'Approved', refer: 'Referred to a person for review', decline: 'Declined' }[data.decision];
    out.className = data.decision;
    const parts = [text('h2', word), text('p', 'Risk score ' + data.score + ' (band ' + data.riskBand + '), estimated chance of default ' + pct(data.pd) + '.')];
    if (data.offer.available) {
      parts.push(text('p', 'Offer: ' + money(data.offer.amount) + ' over ' + data.offer.termMonths + ' months at ' + pct(data.offer.apr) + ' APR — ' + money(data.offer.monthlyPayment) + ' a month.'));
    }
    if (data.reasons.length) {
      parts.push(text('h3', 'What raised the risk most'));
      const list = document.createElement('ul');
      for (const r of data.reasons) list.append(text('li', r.text));
      parts.push(list);
    }
    const c = data.offer.counterOffer;
    if (c) parts.push(text('p', 'We could approve ' + money(c.amount) + ' over ' + c.termMonths + ' months at ' + pct(c.apr) + ' APR (' + money(c.monthlyPayment) + ' a month).'));
    parts.push(text('p', 'Reference: ' + data.applicationId));
    out.replaceChildren(...parts);
    out.querySelector('h2').setAttribute('tabindex', '-1');
    out.querySelector('h2').focus();
  });
})();
`;

export const WIDGET_STYLE = `body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; color: #1a1a1a; background: #fafafa; }
main { max-width: 40rem; margin: 0 auto; }
a { color: #1d4ed8; }
.switch { margin: -0.5rem 0 0; }
form { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 0.75rem 1rem; }
.field { display: flex; flex-direction: column; }
label { font-weight: 600; }
.opt { font-weight: 400; color: #555; font-size: 0.875rem; }
input, select { font: inherit; padding: 0.5rem; border: 1px solid #767676; border-radius: 4px; background: #fff; }
input:focus, select:focus, button:focus { outline: 3px solid #1d4ed8; outline-offset: 1px; }
[aria-invalid="true"] { border-color: #b91c1c; }
.err { color: #b91c1c; margin: 0.25rem 0 0; font-size: 0.875rem; }
button { grid-column: 1 / -1; font: inherit; font-weight: 600; padding: 0.75rem; border: 0; border-radius: 4px; background: #1d4ed8; color: #fff; cursor: pointer; }
#result { margin-top: 1.5rem; padding: 1rem; border-radius: 6px; background: #fff; border: 1px solid #ddd; }
.approve { border-left: 6px solid #15803d !important; } .refer { border-left: 6px solid #b45309 !important; } .decline { border-left: 6px solid #b91c1c !important; }
`;
