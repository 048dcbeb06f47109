// The kiosk screen (cccd kiosk). Follows the server's states (Server-Sent Events) and shows one
// screen per state. Values read from the card are written with textContent only, never as HTML.
// Personal data is removed from the page when the state leaves "result", after the clear-after
// timeout, and when the connection to the kiosk service is lost.
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var token = params.get('token') || '';
  var kiosk = window.kiosk = { history: [], timings: [], lang: null };
  var ui = {}, fileNames = {}, clearAfter = 60, clearTimer = null, lastSeq = 0, can = '';

  function $(id) { return document.getElementById(id); }
  function t(key) { return Object.prototype.hasOwnProperty.call(ui, key) ? ui[key] : key; }

  function applyTexts() {
    var nodes = document.querySelectorAll('[data-t]');
    for (var i = 0; i < nodes.length; i++) { nodes[i].textContent = t(nodes[i].getAttribute('data-t')); }
    document.title = t('title');
  }

  function clearPersonal() {
    var img = $('face');
    img.removeAttribute('src');
    img.hidden = true;
    delete img.dataset.format;
    $('face-note').textContent = '';
    $('fields').replaceChildren();
    $('reasons').replaceChildren();
    $('reasons-box').hidden = true;
    $('verdict').className = 'verdict';
    $('verdict-title').textContent = '';
    $('verdict-hint').textContent = '';
    if (clearTimer) { clearTimeout(clearTimer); clearTimer = null; }
  }

  function show(name) { document.body.setAttribute('data-state', name); }

  function renderCanDisplay() {
    var box = $('can-display');
    box.replaceChildren();
    for (var i = 0; i < 6; i++) {
      var cell = document.createElement('span');
      cell.className = i < can.length ? 'cell filled' : 'cell';
      cell.textContent = i < can.length ? '\u2022' : '';
      box.appendChild(cell);
    }
    $('can-ok').disabled = can.length !== 6;
  }

  function post(path, body) {
    return fetch(path, {
      method: 'POST', cache: 'no-store', credentials: 'omit',
      headers: { 'Content-Type': 'application/json', 'X-Kiosk-Token': token },
      body: body === undefined ? '{}' : JSON.stringify(body)
    });
  }

  function typeDigit(d) { if (can.length < 6) { can += d; renderCanDisplay(); } }
  function sendCan() {
    if (can.length !== 6) { return; }
    var value = can;
    can = '';
    renderCanDisplay();
    $('can-ok').disabled = true;
    post('/api/can', { can: value }).catch(function () {});
    value = '';
  }

  function renderFiles(list) {
    var ul = $('files');
    ul.replaceChildren();
    (list || []).forEach(function (f) {
      var li = document.createElement('li');
      li.dataset.file = f.name;
      var label = document.createElement('span');
      label.className = 'file-name';
      label.textContent = fileNames[f.name] || f.name;
      var bar = document.createElement('progress');
      bar.max = Math.max(1, f.total);
      bar.value = Math.min(f.done, f.total);
      var pct = document.createElement('span');
      pct.className = 'file-pct';
      pct.textContent = Math.floor(100 * Math.min(f.done, f.total) / Math.max(1, f.total)) + '%';
      li.append(label, bar, pct);
      ul.appendChild(li);
    });
  }

  function renderResult(s) {
    $('verdict').className = 'verdict ' + s.verdict;
    $('verdict').dataset.verdict = s.verdict;
    $('verdict-title').textContent = t(s.verdict);
    $('verdict-hint').textContent = t(s.verdict + '_hint');
    var dl = $('fields');
    (s.fields || []).forEach(function (f) {
      var dt = document.createElement('dt');
      dt.textContent = f.label;
      var dd = document.createElement('dd');
      dd.textContent = f.value;
      dd.dataset.key = f.key;
      dl.append(dt, dd);
    });
    var reasons = $('reasons');
    (s.reasons || []).forEach(function (r) {
      var li = document.createElement('li');
      li.textContent = r;
      reasons.appendChild(li);
    });
    $('reasons-box').hidden = !(s.reasons && s.reasons.length);
    var img = $('face');
    var decoded = Promise.resolve();
    if (s.face && typeof s.face.src === 'string' && s.face.src.indexOf('data:image/') === 0) {
      img.src = s.face.src;
      img.dataset.format = s.face.format;
      img.hidden = false;
      $('face-note').textContent = s.face.format === 'JPEG2000' ? t('face_jpeg2000') : '';
      decoded = img.decode ? img.decode() : decoded;
    } else {
      $('face-note').textContent = t('no_face');
    }
    var seq = s.seq;
    decoded.catch(function () {}).then(function () {
      window.requestAnimationFrame(function () {
        if (lastSeq !== seq) { return; }
        kiosk.timings.push({ seq: seq, detected_at: s.detected_at, sent_at: s.at, shown_at: Date.now() });
        document.body.dataset.shown = String(seq);
      });
    });
    var after = typeof s.clear_after === 'number' ? s.clear_after : clearAfter;
    clearTimer = setTimeout(function () { clearPersonal(); show('done'); }, after * 1000);
  }

  function onState(s) {
    if (typeof s.seq !== 'number' || s.seq <= lastSeq) { return; }
    lastSeq = s.seq;
    kiosk.history.push(s.state);
    if (kiosk.history.length > 500) { kiosk.history.shift(); }
    clearPersonal();
    if (s.state !== 'can') { can = ''; renderCanDisplay(); }
    switch (s.state) {
      case 'can':
        $('can-error').hidden = !s.retry;
        renderCanDisplay();
        break;
      case 'reading':
        renderFiles(s.files);
        break;
      case 'result':
        renderResult(s);
        break;
      case 'error':
        $('error-reason').textContent = s.reason || '';
        break;
      default:
        break;
    }
    show(s.state);
  }

  function connect() {
    var es = new EventSource('/events?token=' + encodeURIComponent(token));
    es.addEventListener('hello', function (e) {
      var h = JSON.parse(e.data);
      ui = h.ui || {};
      fileNames = h.files || {};
      clearAfter = h.clear_after || 60;
      kiosk.lang = h.lang;
      document.documentElement.lang = h.lang;
      applyTexts();
      $('virtual-remove').hidden = !h.virtual;
    });
    es.onmessage = function (e) { onState(JSON.parse(e.data)); };
    es.onerror = function () {
      // the service went away (it may come back: EventSource reconnects): nothing personal stays
      clearPersonal();
      lastSeq = 0;
      show('connecting');
    };
  }

  document.addEventListener('DOMContentLoaded', function () {
    var keys = document.querySelectorAll('#keypad [data-digit]');
    for (var i = 0; i < keys.length; i++) {
      keys[i].addEventListener('click', function (e) { typeDigit(e.currentTarget.getAttribute('data-digit')); });
    }
    $('can-back').addEventListener('click', function () { can = can.slice(0, -1); renderCanDisplay(); });
    $('can-clear').addEventListener('click', function () { can = ''; renderCanDisplay(); });
    $('can-ok').addEventListener('click', sendCan);
    $('can-cancel').addEventListener('click', function () { can = ''; post('/api/cancel').catch(function () {}); });
    $('virtual-remove').addEventListener('click', function () { post('/api/virtual/remove').catch(function () {}); });
    document.addEventListener('keydown', function (e) {
      if (document.body.getAttribute('data-state') !== 'can') { return; }
      if (/^[0-9]$/.test(e.key)) { typeDigit(e.key); }
      else if (e.key === 'Backspace') { can = can.slice(0, -1); renderCanDisplay(); }
      else if (e.key === 'Enter') { sendCan(); }
    });
    renderCanDisplay();
    connect();
  });
}());
