// The live dashboard: subscribes over /ws to every job the aggregator describes, keeps the
// highest version of each window (a bounded number per job), and redraws at most once per
// animation frame. The default jobs keep their own panels (below); any other job gets one
// built from its description (job-panels.js). Reconnects by itself; says when data stops
// coming, per panel.
(function () {
  'use strict';
  var JOBS = {
    gender: 'gender-per-second',
    actions: 'actions-per-second',
    provinces: 'provinces-60s',
    words: 'word-count-10s',
    totals: 'gender-running-total',
  };
  var GENDERS = [
    ['0', 'female', '#d6336c'],
    ['1', 'male', '#1c7ed6'],
    ['2', 'unknown', '#868e96'],
  ];
  var ACTIONS = [
    ['0', 'click', '#1c7ed6'],
    ['1', 'add to cart', '#f59f00'],
    ['2', 'purchase', '#2b8a3e'],
    ['3', 'favourite', '#ae3ec9'],
  ];
  var HISTORY = 60; // points a chart draws
  var KEEP = HISTORY + 30; // windows kept per job: older ones are dropped, however long the page stays open
  // a panel whose job sent nothing for this long says so (per-second charts update every 250 ms)
  var STALE_MS = { gender: 5000, actions: 5000, provinces: 15000, words: 15000, totals: 15000 };
  var WORDS_WINDOW_MS = 10000;
  // keyed by names from Kafka: objects without a prototype, so a job called __proto__ is just a name
  var windows = Object.create(null); // job -> { windowStart -> result }
  var lastUpdate = Object.create(null); // job -> when its last result arrived (this browser's clock)
  var eventNow = 0; // the newest per-second window's end: the pipeline's own clock, immune to clock skew
  var GENERIC_STALE_MS = 15000;
  var MAX_SUBSCRIPTIONS = 50; // the gateway's MAX_SUBSCRIPTIONS default
  var panels = Object.create(null); // job -> a panel built from its description
  var generations = Object.create(null); // job -> the newest generation seen (absent: 1)
  var subscribed = Object.create(null); // job -> true
  var socket;
  var statusEl = document.getElementById('status');
  var connected = false;
  var dirty = false;

  function keep(result) {
    var panel = panels[result.job];
    if (panel) {
      if (panel.offer(result)) panel.dirty = dirty = true;
      return;
    }
    if (!newGeneration(result.job, result.generation || 1)) return;
    var byStart = windows[result.job] || (windows[result.job] = Object.create(null));
    lastUpdate[result.job] = Date.now();
    if ((result.job === JOBS.gender || result.job === JOBS.actions) && result.windowEnd > eventNow) eventNow = result.windowEnd;
    var current = byStart[result.windowStart];
    if (current && current.version >= result.version) return;
    byStart[result.windowStart] = result;
    var starts = Object.keys(byStart);
    if (starts.length > KEEP) {
      starts
        .map(Number)
        .sort(function (a, b) {
          return a - b;
        })
        .slice(0, starts.length - KEEP)
        .forEach(function (s) {
          delete byStart[s];
        });
    }
    dirty = true;
  }

  // A newer generation of a job (its definition changed) replaces every window of the older;
  // false for a result of an older generation, which is history
  function newGeneration(job, generation) {
    var known = generations[job] || 1;
    if (generation < known) return false;
    if (generation > known) {
      generations[job] = generation;
      delete windows[job];
      dirty = true;
    }
    return true;
  }

  // A description without its progress: what a panel is built from
  function shape(job) {
    var copy = Object.assign({}, job);
    delete copy.progress;
    delete copy.generation;
    return JSON.stringify(copy);
  }

  function sorted(job) {
    var byStart = windows[job] || Object.create(null);
    return Object.keys(byStart)
      .map(Number)
      .sort(function (a, b) {
        return a - b;
      })
      .slice(-HISTORY)
      .map(function (s) {
        return byStart[s];
      });
  }

  function lineChart(el, series) {
    var opts = {
      width: el.clientWidth || 800,
      height: 260,
      scales: { x: { time: true } },
      series: [{}].concat(
        series.map(function (s) {
          return { label: s[1], stroke: s[2], width: 2, points: { show: false } };
        }),
      ),
      axes: [{}, { label: 'per second' }],
    };
    var chart = new uPlot(
      opts,
      [[]].concat(
        series.map(function () {
          return [];
        }),
      ),
      el,
    );
    window.addEventListener('resize', function () {
      chart.setSize({ width: el.clientWidth, height: 260 });
    });
    return chart;
  }
  var genderChart = lineChart(document.getElementById('gender-chart'), GENDERS);
  var actionsChart = lineChart(document.getElementById('actions-chart'), ACTIONS);

  // Only final seconds are drawn: the one still counting would show as a dip at the right
  // edge. It is shown apart, in the numbers above the chart.
  function chartData(job, series) {
    var rows = sorted(job).filter(function (r) {
      return r.final;
    });
    return [
      rows.map(function (r) {
        return r.windowStart / 1000;
      }),
    ].concat(
      series.map(function (s) {
        return rows.map(function (r) {
          return r.counts[s[0]] || 0;
        });
      }),
    );
  }

  // the ranked list of job-panels.js, labelled for screen readers
  function bars(el, result, label, empty) {
    window.streamtallyPanels.ranked(el, result, empty);
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
    var open = rows.filter(function (r) {
      return !r.final;
    });
    return open.length ? open[0] : rows[rows.length - 1];
  }

  // "the last 10 seconds" means the pipeline's last 10 seconds: an old window is no answer
  function recentWords() {
    var words = newest(JOBS.words);
    return words && (eventNow === 0 || words.windowEnd >= eventNow - WORDS_WINDOW_MS) ? words : undefined;
  }

  function render() {
    requestAnimationFrame(render);
    if (!dirty) return;
    dirty = false;
    genderChart.setData(chartData(JOBS.gender, GENDERS));
    actionsChart.setData(chartData(JOBS.actions, ACTIONS));
    var latest = newest(JOBS.gender);
    if (latest) {
      GENDERS.forEach(function (g) {
        document.getElementById('latest-' + g[1]).textContent = (latest.counts[g[0]] || 0).toLocaleString();
      });
      document.getElementById('latest-when').textContent =
        'second starting ' + new Date(latest.windowStart).toLocaleTimeString() + (latest.final ? ' (final)' : ' (counting…)');
    }
    bars(document.getElementById('provinces'), fullest(JOBS.provinces), 'provinces', 'waiting for data…');
    bars(document.getElementById('words'), recentWords(), 'words', 'no words in the last 10 seconds: send text lines to see words here');
    var totals = newest(JOBS.totals);
    if (totals)
      GENDERS.forEach(function (g) {
        document.getElementById('total-' + g[1]).textContent = (totals.counts[g[0]] || 0).toLocaleString();
      });
    Object.keys(panels).forEach(function (job) {
      if (!panels[job].dirty) return;
      panels[job].dirty = false;
      panels[job].render();
    });
    showAges(); // new data: fresh again at once, not at the next tick
  }

  // The jobs as described: the default panels of jobs that run, a built panel for every other
  // job, and a subscription to each (the first MAX_SUBSCRIPTIONS).
  function onJobs(jobs) {
    var names = jobs.map(function (j) {
      return j.name;
    });
    var defaults = Object.keys(JOBS).map(function (k) {
      return JOBS[k];
    });
    Object.keys(JOBS).forEach(function (panel) {
      document.getElementById('panel-' + panel).hidden = names.indexOf(JOBS[panel]) === -1;
    });
    var container = document.getElementById('job-panels');
    jobs.forEach(function (job) {
      if (defaults.indexOf(job.name) !== -1) {
        newGeneration(job.name, job.generation || 1);
        return;
      }
      var known = panels[job.name];
      if (known && shape(known.job) === shape(job) && (known.job.generation || 1) >= (job.generation || 1)) {
        known.showProgress(job.progress); // only its progress moved: the panel keeps its windows
        return;
      }
      if (known) known.remove(); // described anew (or a new generation): a panel for what it is now
      panels[job.name] = window.streamtallyPanels.create(job, container);
    });
    Object.keys(panels).forEach(function (job) {
      if (names.indexOf(job) !== -1) return;
      panels[job].remove();
      delete panels[job];
    });
    var wanted = names.slice(0, MAX_SUBSCRIPTIONS);
    var gone = Object.keys(subscribed).filter(function (job) {
      return wanted.indexOf(job) === -1;
    });
    var fresh = wanted.filter(function (job) {
      return !subscribed[job];
    });
    if (gone.length) send({ type: 'unsubscribe', jobs: gone });
    gone.forEach(function (job) {
      delete subscribed[job];
    });
    subscribe(fresh);
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function subscribe(jobs) {
    if (!jobs.length) return;
    jobs.forEach(function (job) {
      subscribed[job] = true;
    });
    send({ type: 'subscribe', jobs: jobs });
  }

  function setStatus(kind, text) {
    statusEl.className = 'status ' + kind;
    statusEl.textContent = text;
  }

  // Freshness, once a second: each panel says how long its data has not moved, and the
  // header says "live" only while the per-second chart keeps moving.
  function showAges() {
    var now = Date.now();
    Object.keys(JOBS).forEach(function (panel) {
      var el = document.getElementById('age-' + panel);
      var since = lastUpdate[JOBS[panel]];
      var stale = connected && since !== undefined && now - since > STALE_MS[panel];
      el.textContent = stale ? 'no update for ' + Math.round((now - since) / 1000) + ' s' : '';
      el.className = stale ? 'age stale' : 'age';
    });
    Object.keys(panels).forEach(function (job) {
      panels[job].showAge(now, GENERIC_STALE_MS);
    });
    if (!connected) return;
    // "live" follows the per-second chart; when the jobs file does not run it, the newest of the other panels
    var byGender = !document.getElementById('panel-gender').hidden;
    var since = byGender ? lastUpdate[JOBS.gender] : newestPanelUpdate();
    var staleMs = byGender ? STALE_MS.gender : GENERIC_STALE_MS;
    if (since === undefined || now - since <= staleMs) setStatus('connected', since === undefined ? 'connected, waiting for data' : 'live');
    else setStatus('stale', 'connected, no new data for ' + Math.round((now - since) / 1000) + ' s');
  }
  function newestPanelUpdate() {
    return Object.keys(panels).reduce(function (newest, job) {
      var at = panels[job].lastUpdate;
      return at !== undefined && (newest === undefined || at > newest) ? at : newest;
    }, undefined);
  }
  setInterval(showAges, 1000);
  requestAnimationFrame(render);

  var retryMs = 1000;
  // A token in the address is traded at once for a session cookie (HttpOnly: no script sees
  // it) and taken out of the address, so it stays in neither the history nor a bookmark.
  var params = new URLSearchParams(location.search);
  var token = params.get('token');
  if (token !== null) {
    params.delete('token');
    history.replaceState(null, '', location.pathname + (params.toString() ? '?' + params : '') + location.hash);
  }
  var tokenRefused = false;

  function startSession() {
    if (!token) return Promise.resolve();
    return fetch('/api/session', { method: 'POST', headers: { authorization: 'Bearer ' + token } }).then(
      function (response) {
        tokenRefused = response.status === 401;
      },
      function () {},
    );
  }

  // A WebSocket refused with 401 only shows as a close without a code; the API says why.
  function explainRefusal() {
    return fetch('/api/jobs').then(
      function (response) {
        if (response.status !== 401) return false;
        setStatus(
          'disconnected',
          tokenRefused ? 'the token in the address was refused' : 'this dashboard needs a token: open it as ' + location.pathname + '?token=…',
        );
        return true;
      },
      function () {
        return false;
      },
    );
  }

  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
    socket = new WebSocket(url);
    subscribed = Object.create(null);
    var opened = false;
    setStatus('connecting', 'connecting…');
    socket.onopen = function () {
      opened = true;
      connected = true;
      retryMs = 1000;
      showAges();
      // the default jobs at once; every described job once the gateway says what they are
      subscribe(
        Object.keys(JOBS).map(function (k) {
          return JOBS[k];
        }),
      );
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === 'snapshot') message.windows.forEach(keep);
      else if (message.type === 'update') keep(message.result);
      else if (message.type === 'updates') message.results.forEach(keep);
      else if (message.type === 'jobs') onJobs(message.jobs);
      else if (message.type === 'error') console.info('gateway:', message.error);
    };
    socket.onclose = function (event) {
      connected = false;
      var retry = function () {
        // up to half of each wait is random: after a gateway restart every open page would
        // otherwise reconnect at the same instants, in lockstep, for as long as it is down
        var waitMs = retryMs * (1 - Math.random() / 2);
        setStatus('disconnected', 'disconnected (' + (event.code || 'no code') + '), retrying in ' + Math.max(1, Math.round(waitMs / 1000)) + ' s');
        setTimeout(connect, waitMs);
        retryMs = Math.min(retryMs * 2, 15000);
      };
      // a missing or wrong token is not fixed by retrying: say so and stop
      if (opened) retry();
      else
        explainRefusal().then(function (refused) {
          if (!refused) retry();
        });
    };
  }
  window.streamtally = { windows: windows, panels: panels };
  startSession().then(connect);
})();
