// Waygate dashboard: the approvals inbox. Every value shown comes from the gateway's JSON API and is
// attacker-influenced (tool arguments). It is put on the page with textContent only: no innerHTML,
// no HTML strings, no links built from data.
'use strict';

(function () {
  const POLL_MS = 2000;
  const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  const focus = document.body.dataset.focus || '';
  const comments = new Map();
  let lastPending = '';
  let lastEnded = '';

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c) e.appendChild(c);
    return e;
  }

  function field(label, value, cls) {
    return el('div', { class: 'field' }, el('span', { class: 'label', text: label }),
      el('span', { class: 'value ' + (cls || ''), text: value }));
  }

  async function post(url, body) {
    const r = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body || {})
    });
    let data = {};
    try { data = await r.json(); } catch (e) { /* empty */ }
    return { ok: r.ok, status: r.status, data };
  }

  function card(a) {
    const c = el('article', { class: 'approval' + (a.id === focus ? ' focus' : ''), 'data-approval-id': a.id });
    c.appendChild(el('h3', { text: a.tool }));
    c.appendChild(field('Id', a.id, 'id'));
    c.appendChild(field('State', a.state, 'state'));
    c.appendChild(field('Principal', a.principal, 'principal'));
    c.appendChild(field('Rule', a.rule + ' (risk ' + a.risk + ')', 'rule'));
    c.appendChild(field('Expires', a.expires_at, 'expires'));
    c.appendChild(field('Approvals needed', String(a.approvals_required), 'required'));
    c.appendChild(el('div', { class: 'label', text: 'Arguments' }));
    c.appendChild(el('pre', { class: 'arguments', text: JSON.stringify(a.arguments, null, 2) }));
    if (a.findings && a.findings.length) {
      c.appendChild(el('div', { class: 'label', text: 'Guard findings' }));
      c.appendChild(el('pre', { class: 'findings', text: JSON.stringify(a.findings, null, 2) }));
    }
    for (const d of a.decisions || []) {
      c.appendChild(el('p', { class: 'decision', text: d.approver + ': ' + d.decision + (d.comment ? ' (' + d.comment + ')' : '') }));
    }
    if (a.reason) c.appendChild(field('Reason', a.reason, 'reason'));
    if (a.can_decide) {
      const comment = el('textarea', { class: 'comment', rows: '2', maxlength: '1000', placeholder: 'Comment (optional)' });
      comment.value = comments.get(a.id) || '';
      comment.addEventListener('input', () => comments.set(a.id, comment.value));
      const similar = el('select', { class: 'similar' }, el('option', { value: '0', text: 'only this call' }),
        el('option', { value: '15', text: 'and similar calls for 15 minutes' }),
        el('option', { value: '60', text: 'and similar calls for 60 minutes' }));
      const result = el('p', { class: 'result' });
      const approve = el('button', { class: 'approve', type: 'button', text: 'Approve' });
      const deny = el('button', { class: 'deny', type: 'button', text: 'Deny' });
      const decide = async (verb) => {
        approve.disabled = true; deny.disabled = true;
        const body = { comment: comment.value };
        if (verb === 'approve' && similar.value !== '0') body.similar_minutes = Number(similar.value);
        const r = await post('/dashboard/api/approvals/' + encodeURIComponent(a.id) + '/' + verb, body);
        result.textContent = r.ok ? 'Recorded: ' + r.data.state : 'Refused: ' + ((r.data.error || {}).message || r.status);
        if (r.ok) comments.delete(a.id);
        approve.disabled = false; deny.disabled = false;
        refresh(true);
      };
      approve.addEventListener('click', () => decide('approve'));
      deny.addEventListener('click', () => decide('deny'));
      c.appendChild(el('div', { class: 'actions' }, comment, similar, approve, deny, result));
    }
    return c;
  }

  function render(target, list, empty) {
    target.replaceChildren();
    if (!list.length) target.appendChild(el('p', { class: 'empty', text: empty }));
    for (const a of list) target.appendChild(card(a));
  }

  async function refresh(force) {
    const status = document.getElementById('status');
    try {
      const r = await fetch('/dashboard/api/approvals?state=all', { credentials: 'same-origin' });
      if (r.status === 401) { location.reload(); return; }
      const data = await r.json();
      const pending = data.approvals.filter((a) => a.state === 'pending');
      const ended = data.approvals.filter((a) => a.state !== 'pending').slice(0, 20);
      const p = JSON.stringify(pending); const e = JSON.stringify(ended);
      const typing = document.activeElement && document.activeElement.classList.contains('comment');
      if ((force || p !== lastPending) && !(typing && !force)) {
        lastPending = p; render(document.getElementById('pending'), pending, 'Nothing waits for a decision.');
      }
      if (force || e !== lastEnded) { lastEnded = e; render(document.getElementById('ended'), ended, 'None yet.'); }
      status.textContent = 'Updated ' + new Date().toLocaleTimeString();
      status.classList.remove('error');
    } catch (err) {
      status.textContent = 'Cannot reach the gateway; retrying.';
      status.classList.add('error');
    }
  }

  async function activity() {
    const r = await fetch('/dashboard/api/activity', { credentials: 'same-origin' });
    if (!r.ok) return;
    const data = await r.json();
    const table = document.getElementById('activity');
    table.replaceChildren(el('tr', {}, ...['Time', 'Principal', 'Action', 'Target', 'Decision', 'Reason']
      .map((h) => el('th', { text: h }))));
    for (const e of data.entries) {
      table.appendChild(el('tr', {}, ...[e.time, e.principal, e.action, e.target, e.decision, e.reason]
        .map((v) => el('td', { text: v }))));
    }
    document.getElementById('activity-section').hidden = false;
  }

  document.getElementById('logout-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await post('/dashboard/logout', {});
    location.assign('/dashboard/');
  });

  refresh(true);
  activity();
  setInterval(refresh, POLL_MS);
  setInterval(activity, POLL_MS * 5);
})();
