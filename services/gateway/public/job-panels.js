// Panels for any job, built from its description (GET /api/jobs, or the `jobs` message on
// /ws): a time series of its top keys and a ranked list of its latest window for tumbling and
// hopping jobs, a number and a ranked list for running totals, a ranked list of the latest
// sessions for session windows. A job added to the jobs file appears here with no change to
// this page. Each panel keeps a bounded number of windows (sessions).
(function () {
  'use strict';
  var HISTORY = 60; // points a chart draws
  var KEEP = HISTORY + 30; // windows kept per job
  var TOP_SERIES = 5; // keys a chart draws a line for
  var TOP_LIST = 10; // keys a ranked list shows
  var PALETTE = ['#1c7ed6', '#d6336c', '#2b8a3e', '#f59f00', '#ae3ec9'];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function duration(ms) {
    var units = [
      [86400000, 'd'],
      [3600000, 'h'],
      [60000, 'min'],
      [1000, 's'],
    ];
    for (var i = 0; i < units.length; i += 1) if (ms % units[i][0] === 0) return ms / units[i][0] + ' ' + units[i][1];
    return ms + ' ms';
  }

  // what the job counts, in one line: its source, window, key and filter
  function describe(job) {
    var w = job.window;
    var window =
      w.type === 'running'
        ? 'running total'
        : w.type === 'session'
          ? 'sessions (closed after ' + duration(w.gapMs) + ' without an event)'
          : w.type === 'tumbling'
            ? 'every ' + duration(w.sizeMs)
            : duration(w.sizeMs) + ' sliding every ' + duration(w.slideMs);
    var key = job.key.fields ? job.key.fields.join(' + ') : 'words of ' + job.key.words;
    return 'source ' + job.source.name + ' · ' + window + ' · by ' + key + (job.filter ? ' · where ' + job.filter : '');
  }

  function total(result) {
    var sum = result.other ? result.other.count : 0;
    Object.keys(result.counts).forEach(function (k) {
      sum += result.counts[k];
    });
    return sum;
  }

  // why keys were folded, as the aggregator says: past the job's maxKeys, or too long to list
  function otherLabel(other) {
    var tooLong = other.reason && other.reason.indexOf('maxBytes') >= 0;
    return '(' + other.keys + ' more' + (tooLong ? ', some too long to list' : '') + ')';
  }

  // how the page measures a job's keys: by the aggregate it ranks by (orderBy), else by count
  function measure(job) {
    var by = job && job.orderBy;
    return {
      label: by || null,
      of: function (result, key) {
        var row = by && result.values && result.values[key];
        return row ? row[by] || 0 : result.counts[key] || 0;
      },
      ofOther: function (other) {
        return by && other.values ? other.values[by] || 0 : other.count;
      },
    };
  }

  // what each aggregate is, shown beside its value: a sum, a mean, a least or largest value
  var MARKS = { count: 'count', sum: 'sum', avg: 'mean', min: 'min', max: 'max', distinct: 'distinct \u2248' };

  function formatted(value, decimals) {
    return value === null || value === undefined ? '–' : Number(value).toLocaleString(undefined, { maximumFractionDigits: decimals });
  }

  // a key's aggregates in one line: "distance sum 8,400 · avgDelay mean 3.25 · …"
  function details(job, row) {
    if (!job || !job.aggregates || !row) return '';
    return job.aggregates
      .map(function (a) {
        return a.name + ' ' + (MARKS[a.op] || a.op) + ' ' + formatted(row[a.name], a.op === 'avg' ? a.decimals + 4 : a.decimals);
      })
      .join(' · ');
  }

  // a window's keys, largest first (and the rest under `other`); `empty` when there is none.
  // For a job with aggregates, the bar is its orderBy aggregate and each key lists them all.
  function ranked(list, result, empty, job) {
    list.textContent = '';
    if (!result) {
      list.append(el('li', 'empty', empty || 'waiting for data…'));
      return;
    }
    var m = measure(job);
    var entries = Object.keys(result.counts)
      .map(function (k) {
        return [k, m.of(result, k), details(job, result.values && result.values[k])];
      })
      .sort(function (a, b) {
        return b[1] - a[1];
      })
      .slice(0, TOP_LIST);
    if (result.other) entries.push([otherLabel(result.other), m.ofOther(result.other), details(job, result.other.values)]);
    var max = entries.reduce(function (most, e) {
      return Math.max(most, Math.abs(e[1]));
    }, 1e-9);
    entries.forEach(function (e) {
      var li = el('li');
      var bar = el('div', 'bar');
      bar.style.width = (100 * Math.abs(e[1])) / max + '%';
      var key = el('span', 'key', e[0]);
      key.title = e[0]; // a long key (a session's label, a composite key) is cut on screen: whole on hover
      li.append(key, bar, el('span', 'n', e[1].toLocaleString()));
      if (e[2]) li.append(el('span', 'detail', e[2]));
      list.append(li);
    });
  }

  // a window's place in its panel: its start, and for a session its key too (a session is one key's)
  function windowId(result) {
    return result.sessionKey === undefined ? String(result.windowStart) : result.windowStart + '|' + result.sessionKey;
  }

  // the latest sessions as one ranked list: each labelled by its key, start and length (first to last event)
  function sessionsAsResult(rows, job) {
    var listed = { counts: {}, values: {} };
    rows.forEach(function (r) {
      var length = r.windowEnd - job.window.gapMs - r.windowStart;
      var label =
        r.sessionKey + ' · ' + new Date(r.windowStart).toLocaleTimeString() + ', ' + (length > 0 ? duration(length) : 'one event') + (r.final ? '' : ' (open)');
      listed.counts[label] = r.counts[r.sessionKey] || 0;
      if (r.values) listed.values[label] = r.values[r.sessionKey];
    });
    return rows.length ? listed : undefined;
  }

  function Panel(job, container) {
    this.job = job;
    this.windows = Object.create(null); // windowId -> result
    this.card = el('section', 'card wide job-panel');
    this.card.dataset.job = job.name;
    var heading = el('h2', null, job.title || job.name);
    this.age = el('span', 'age');
    heading.append(this.age);
    this.progressEl = el('p', 'progress');
    this.card.append(heading, el('p', 'hint', describe(job)), this.progressEl);
    this.showProgress(job.progress);
    if (job.window.type === 'running') {
      this.number = el('div', 'big-number', '–');
      this.card.append(this.number);
    } else if (job.window.type !== 'session') {
      this.chartEl = el('div', 'chart');
      this.card.append(this.chartEl);
    }
    this.list = el('ol', 'bars');
    this.card.append(this.list);
    ranked(this.list, undefined);
    container.append(this.card);
    this.lastUpdate = undefined;
  }

  Panel.prototype.offer = function (result) {
    // a job's generation (its definition changed, or it was counted again): a newer one
    // replaces every window of the older, whatever their versions; an older one is history
    var generation = result.generation || 1;
    if (generation < (this.job.generation || 1)) return false;
    if (generation > (this.job.generation || 1)) {
      this.job.generation = generation;
      this.windows = Object.create(null);
    }
    this.lastUpdate = Date.now();
    var id = windowId(result);
    var current = this.windows[id];
    if (current && current.version >= result.version) return false;
    // a session a later event joined to an earlier one: its events are in that one now
    if (result.mergedInto !== undefined) {
      delete this.windows[id];
      return current !== undefined;
    }
    this.windows[id] = result;
    var rows = this.sorted(Infinity);
    rows.slice(0, rows.length - KEEP).forEach(function (r) {
      delete this.windows[windowId(r)];
    }, this);
    return true;
  };

  // the windows kept, oldest first (by start), the newest `count` of them
  Panel.prototype.sorted = function (count) {
    var windows = this.windows;
    return Object.keys(windows)
      .map(function (id) {
        return windows[id];
      })
      .sort(function (a, b) {
        return a.windowStart - b.windowStart;
      })
      .slice(-(count || HISTORY));
  };

  Panel.prototype.render = function () {
    var rows = this.sorted();
    var newest = rows[rows.length - 1];
    if (this.job.window.type === 'session') {
      ranked(this.list, sessionsAsResult(rows, this.job), undefined, this.job);
      return;
    }
    if (this.job.window.type === 'running') {
      if (newest) this.number.textContent = total(newest).toLocaleString();
      ranked(this.list, newest, undefined, this.job);
      return;
    }
    // the open window that started earliest covers the most of the last period (hopping);
    // with none open, the newest final one
    var open = rows.filter(function (r) {
      return !r.final;
    });
    ranked(this.list, open.length ? open[0] : newest, undefined, this.job);
    this.draw(rows);
  };

  // the top keys over the windows shown, a line each; the chart is made again when they change
  Panel.prototype.draw = function (rows) {
    var m = measure(this.job);
    var sums = Object.create(null);
    rows.forEach(function (r) {
      Object.keys(r.counts).forEach(function (k) {
        sums[k] = (sums[k] || 0) + m.of(r, k);
      });
    });
    var top = Object.keys(sums)
      .sort(function (a, b) {
        return sums[b] - sums[a];
      })
      .slice(0, TOP_SERIES);
    var signature = JSON.stringify(top);
    if (signature !== this.signature) {
      this.signature = signature;
      if (this.chart) this.chart.destroy();
      var width = this.chartEl.clientWidth || 800;
      this.chart = new uPlot(
        {
          width: width,
          height: 240,
          scales: { x: { time: true } },
          series: [{}].concat(
            top.map(function (k, i) {
              return { label: k, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: rows.length < 3 } };
            }),
          ),
          axes: [{}, { label: (m.label ? m.label + ' ' : '') + 'per ' + duration(this.job.window.slideMs || this.job.window.sizeMs) }],
        },
        null,
        this.chartEl,
      );
    }
    this.chart.setData(
      [
        rows.map(function (r) {
          return r.windowStart / 1000;
        }),
      ].concat(
        top.map(function (k) {
          return rows.map(function (r) {
            return k in r.counts ? m.of(r, k) : 0;
          });
        }),
      ),
    );
  };

  /** A job counting its source from its start (added or changed on a running pipeline): how far it has to go. */
  Panel.prototype.showProgress = function (progress) {
    this.progressEl.hidden = !progress || (progress.status !== 'backfilling' && !progress.partial);
    if (this.progressEl.hidden) return;
    var text = progress.status === 'backfilling' ? 'backfilling: ' + progress.behind.toLocaleString() + ' events to go' : '';
    if (progress.status === 'backfilling' && progress.etaSeconds !== undefined) text += ', about ' + progress.etaSeconds + ' s';
    if (progress.partial) text += (text ? ' · ' : '') + "partial: Kafka's retention had dropped the oldest events";
    this.progressEl.textContent = text;
  };

  Panel.prototype.showAge = function (now, staleMs) {
    var stale = this.lastUpdate !== undefined && now - this.lastUpdate > staleMs;
    this.age.textContent = stale ? 'no update for ' + Math.round((now - this.lastUpdate) / 1000) + ' s' : '';
    this.age.className = stale ? 'age stale' : 'age';
  };

  Panel.prototype.remove = function () {
    if (this.chart) this.chart.destroy();
    this.card.remove();
  };

  window.streamtallyPanels = {
    create: function (job, container) {
      return new Panel(job, container);
    },
    describe: describe,
    ranked: ranked,
  };
})();
