// The live dashboard: subscribes to the default jobs over /ws, keeps the highest version of
// each window, and redraws at most once per animation frame. Reconnects by itself.
(function () {
  'use strict';
  var JOBS = {
    gender: 'gender-per-second',
    actions: 'actions-per-second',
    provinces: 'provinces-60s',
    words: 'word-count-10s',
    totals: 'gender-running-total',
  };
  var GENDERS = [['0', 'female', '#d6336c'], ['1', 'male', '#1c7ed6'], ['2', 'unknown', '#868e96']];
  var ACTIONS = [['0', 'click', '#1c7ed6'], ['1', 'add to cart', '#f59f00'], ['2', 'purchase', '#2b8a3e'], ['3', 'favourite', '#ae3ec9']];
  var HISTORY = 60;
  var windows = {}; // job -> { windowStart -> result }
  var statusEl = document.getElementById('status');
  var dirty = false;

  function keep(result) {
    var byStart = windows[result.job] || (windows[result.job] = {});
    var current = byStart[result.windowStart];
    if (current && current.version >= result.version) return;
    byStart[result.windowStart] = result;
    dirty = true;
  }

  function sorted(job) {
    var byStart = windows[job] || {};
    return Object.keys(byStart).map(Number).sort(function (a, b) { return a - b; }).slice(-HISTORY).map(function (s) { return byStart[s]; });
  }

  function lineChart(el, series) {
    var opts = {
      width: el.clientWidth || 800, height: 260,
      scales: { x: { time: true } },
      series: [{}].concat(series.map(function (s) { return { label: s[1], stroke: s[2], width: 2, points: { show: false } }; })),
      axes: [{}, { label: 'per second' }],
    };
    var chart = new uPlot(opts, [[]].concat(series.map(function () { return []; })), el);
    window.addEventListener('resize', function () { chart.setSize({ width: el.clientWidth, height: 260 }); });
    return chart;
  }
  var genderChart = lineChart(document.getElementById('gender-chart'), GENDERS);
  var actionsChart = lineChart(document.getElementById('actions-chart'), ACTIONS);

  function chartData(job, series) {
    var rows = sorted(job);
    return [rows.map(function (r) { return r.windowStart / 1000; })].concat(series.map(function (s) {
      return rows.map(function (r) { return r.counts[s[0]] || 0; });
    }));
  }

  function bars(el, result, label) {
    if (!result) return;
    var entries = Object.keys(result.counts).map(function (k) { return [k, result.counts[k]]; })
      .sort(function (a, b) { return b[1] - a[1]; }).slice(0, 10);
    var max = entries.length ? entries[0][1] : 1;
    el.textContent = '';
    entries.forEach(function (e) {
      var li = document.createElement('li');
      var name = document.createElement('span'); name.textContent = e[0];
      var bar = document.createElement('div'); bar.className = 'bar'; bar.style.width = (100 * e[1] / max) + '%';
      var n = document.createElement('span'); n.className = 'n'; n.textContent = e[1].toLocaleString();
      li.append(name, bar, n); el.append(li);
    });
    el.setAttribute('aria-label', label);
  }

  function newest(job) {
    var rows = sorted(job);
    return rows[rows.length - 1];
  }

  // For sliding windows the newest one has only just started; the open window that started
  // earliest covers (almost) the whole last period. With none open, the newest final one.
  function fullest(job) {
    var rows = sorted(job);
    var open = rows.filter(function (r) { return !r.final; });
    return open.length ? open[0] : rows[rows.length - 1];
  }

  function render() {
    requestAnimationFrame(render);
    if (!dirty) return;
    dirty = false;
    genderChart.setData(chartData(JOBS.gender, GENDERS));
    actionsChart.setData(chartData(JOBS.actions, ACTIONS));
    var latest = newest(JOBS.gender);
    if (latest) {
      GENDERS.forEach(function (g) { document.getElementById('latest-' + g[1]).textContent = (latest.counts[g[0]] || 0).toLocaleString(); });
      document.getElementById('latest-when').textContent = 'second starting ' + new Date(latest.windowStart).toLocaleTimeString() + (latest.final ? ' (final)' : ' (counting…)');
    }
    bars(document.getElementById('provinces'), fullest(JOBS.provinces), 'provinces');
    bars(document.getElementById('words'), newest(JOBS.words), 'words');
    var totals = newest(JOBS.totals);
    if (totals) GENDERS.forEach(function (g) { document.getElementById('total-' + g[1]).textContent = (totals.counts[g[0]] || 0).toLocaleString(); });
  }
  requestAnimationFrame(render);

  function setStatus(kind, text) {
    statusEl.className = 'status ' + kind;
    statusEl.textContent = text;
  }

  var retryMs = 1000;
  function connect() {
    var token = new URLSearchParams(location.search).get('token');
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' + (token ? '?token=' + encodeURIComponent(token) : '');
    var socket = new WebSocket(url);
    setStatus('connecting', 'connecting…');
    socket.onopen = function () {
      retryMs = 1000;
      setStatus('connected', 'live');
      socket.send(JSON.stringify({ type: 'subscribe', jobs: Object.keys(JOBS).map(function (k) { return JOBS[k]; }) }));
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === 'snapshot') message.windows.forEach(keep);
      else if (message.type === 'update') keep(message.result);
      else if (message.type === 'error') console.warn('gateway:', message.error);
    };
    socket.onclose = function (event) {
      var seconds = Math.round(retryMs / 1000);
      setStatus('disconnected', 'disconnected (' + (event.code || 'no code') + '), retrying in ' + seconds + ' s');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    };
  }
  window.streamtally = { windows: windows };
  connect();
})();
