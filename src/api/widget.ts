import { z } from 'zod';
import { ApplicantSchema, PURPOSE_LABELS } from '../applicant/schema.ts';

/**
 * The public web widget: a plain, accessible form generated from the applicant schema (labels,
 * units, ranges) that posts to /v1/score and shows the decision, its reasons and the offer.
 * Served at `/`; `/embed.js` puts it on a lender's page in an iframe.
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

export function widgetPage(): string {
  // Bank-account evidence is collected by the bot and the API, not by this short form.
  const schema = z.toJSONSchema(ApplicantSchema.omit({ alternativeData: true }), { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, JsonField>;
    required: string[];
  };
  const fields = Object.entries(schema.properties)
    .map(([name, f]) => fieldHtml(name, f, schema.required.includes(name)))
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lendwise — check a loan</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; color: #1a1a1a; background: #fafafa; }
  main { max-width: 40rem; margin: 0 auto; }
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
</style>
</head>
<body>
<main>
<h1>Check a loan</h1>
<p>Answer a few questions and see at once whether we could lend, at what price, and why. Nothing here asks for your name or address.</p>
<form id="apply" novalidate>
${fields}
<button type="submit">See my decision</button>
</form>
<section id="result" aria-live="polite" hidden></section>
</main>
<script>
(() => {
  const form = document.getElementById('apply');
  const out = document.getElementById('result');
  const pct = (v) => (v * 100).toFixed(1) + '%';
  const money = (v) => v.toLocaleString('en-US', { style: 'currency', currency: 'USD' });
  const text = (tag, content) => { const el = document.createElement(tag); el.textContent = content; return el; };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    for (const el of form.querySelectorAll('input, select')) {
      el.removeAttribute('aria-invalid');
      document.getElementById(el.id + '-err').hidden = true;
      if (el.value === '') continue;
      body[el.name] = el.dataset.kind === 'number' ? Number(el.value) : el.value;
    }
    out.hidden = false;
    out.className = '';
    out.replaceChildren(text('p', 'Checking…'));
    let res;
    try {
      res = await fetch('/v1/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    } catch {
      out.replaceChildren(text('p', 'We could not reach the server. Please try again.'));
      return;
    }
    const data = await res.json().catch(() => ({}));
    if (res.status === 400 && data.issues) {
      out.replaceChildren(text('p', 'Please check the highlighted answers.'));
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
      out.replaceChildren(text('p', data.error ? 'Sorry: ' + data.error + '.' : 'Sorry, something went wrong.'));
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
</script>
</body>
</html>`;
}

/** `<script src=".../embed.js" async></script>` on a lender's page adds the widget in an iframe. */
export function embedScript(origin: string): string {
  return `(() => {
  const s = document.currentScript;
  const frame = document.createElement('iframe');
  frame.src = ${JSON.stringify(`${origin}/`)};
  frame.title = 'Lendwise loan check';
  frame.style.cssText = 'width:100%;max-width:42rem;min-height:60rem;border:0';
  s.parentNode.insertBefore(frame, s.nextSibling);
})();
`;
}
