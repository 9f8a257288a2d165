// The live page of the metrics service: plain DOM and inline SVG, no libraries. It reads the token from its own URL
// (?token=…), fetches /live/state once, then follows /live/events (Server-Sent Events: one full snapshot per
// message). Every text from the service goes in through textContent, never as HTML.
'use strict';

(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const base = new URL('..', document.currentScript.src); // …/live/
  const token = new URLSearchParams(location.search).get('token') || '';

  const $ = (id) => document.getElementById(id);
  let source = null;
  let retryTimer = null;
  let retryMs = 1000;
  let receivedAt = 0;
  let refused = false;

  function url(path, withToken) {
    const u = new URL(path, base);
    if (withToken && token) u.searchParams.set('token', token);
    return u;
  }

  // --- connection -------------------------------------------------------------------------------------------------

  async function connect() {
    retryTimer = null;
    let response;
    try {
      response = await fetch(url('state', false), {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        cache: 'no-store',
      });
    } catch {
      return lost();
    }
    if (response.status === 401) {
      const body = await response.json().catch(() => ({}));
      return refuse(body.error || 'not authorized');
    }
    if (!response.ok) return lost();
    render(await response.json());
    follow();
  }

  function follow() {
    source = new EventSource(url('events', true));
    source.onopen = () => {
      retryMs = 1000;
      setConnection('live', 'live');
    };
    source.onmessage = (event) => render(JSON.parse(event.data));
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // refused (401) or gone for good: ask /live/state again, which tells a refusal from an outage
        source.close();
        source = null;
        lost();
      } else {
        setConnection('reconnecting', 'connection lost — reconnecting…');
      }
    };
  }

  function lost() {
    setConnection('reconnecting', 'connection lost — reconnecting…');
    if (retryTimer === null) retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 30000);
  }

  function refuse(reason) {
    refused = true;
    if (source) source.close();
    setConnection('refused', 'not authorized');
    const problem = $('problem');
    problem.hidden = false;
    problem.textContent = `401 — not authorized: ${reason}. Open the page as /live?token=<token>.`;
  }

  function setConnection(kind, text) {
    const el = $('connection');
    el.className = `connection ${kind}`;
    el.textContent = text;
  }

  setInterval(() => {
    if (receivedAt === 0 || refused) return;
    $('updated').textContent = `updated ${ago(Date.now() - receivedAt)}`;
  }, 1000);

  // --- rendering --------------------------------------------------------------------------------------------------

  function render(snapshot) {
    receivedAt = Date.now();
    $('updated').textContent = 'updated just now';
    $('problem').hidden = true;
    if (source === null || source.readyState !== EventSource.CONNECTING) setConnection('live', 'live');
    renderGroups(snapshot);
    renderStreams(snapshot);
    document.body.dataset.generatedAt = String(snapshot.generatedAtMs);
  }

  function renderGroups(snapshot) {
    const holder = $('groups');
    holder.replaceChildren();
    if (snapshot.groups.length === 0) holder.append(el('p', 'dim', 'no frames yet'));
    for (const group of snapshot.groups) holder.append(groupCard(group, snapshot));
  }

  function groupCard(group, snapshot) {
    const card = el('article', 'group');
    card.dataset.group = group.streamGroup;
    const drift = group.drift;
    const title = el('h3', null, group.streamGroup);
    title.append(badge(drift));
    card.append(title);
    const last = group.lastSeenAtMs === null ? 'no frames yet' : `last frame ${clock(group.lastSeenAtMs)}`;
    card.append(el('p', 'facts', `${group.frames} frames · ${plural(group.streams, 'stream')} · ${last}`));
    card.append(el('p', 'drift', driftLine(drift)));
    if (group.driftHistory.length > 0 || group.events.length > 0) card.append(statisticChart(group, snapshot));
    if (group.events.length > 0) card.append(eventList(group.events));
    card.append(el('h4', null, 'concepts per minute, last hour'));
    card.append(heatMap(group.timeline));
    const max = heaviest(group.timeline);
    if (max > 0)
      card.append(
        el('p', 'legend dim', `darkest cell: mean weight ${fixed(max, 3)} per frame; hover a cell for its value`),
      );
    return card;
  }

  function badge(drift) {
    if (drift === null) return el('span', 'badge none', 'no drift state');
    if (drift.phase === 'collecting') return el('span', 'badge collecting', 'collecting reference');
    return drift.alarm ? el('span', 'badge alarm', 'ALARM') : el('span', 'badge ok', 'ok');
  }

  function driftLine(drift) {
    if (drift === null) return 'drift: no detector state yet';
    if (drift.phase === 'collecting')
      return `drift: collecting the reference, ${drift.referenceFrames}/${drift.referenceTarget} frames`;
    const statistic = drift.statistic === null ? '–' : fixed(drift.statistic, 2);
    const threshold = drift.threshold === null ? '–' : fixed(drift.threshold, 2);
    return (
      `drift: watching — statistic ${statistic} / threshold ${threshold}` +
      ` (set for ${drift.falseAlarmsPerDay} false alarms per day)`
    );
  }

  function statisticChart(group, snapshot) {
    const width = 480;
    const height = 90;
    const pad = { left: 34, right: 6, top: 6, bottom: 16 };
    const t1 = snapshot.generatedAtMs;
    const t0 = t1 - snapshot.historyMs;
    const points = group.driftHistory;
    const thresholds = points.map((p) => p.threshold).filter((t) => t !== null);
    const top =
      Math.max(1e-9, ...points.map((p) => p.statistic), ...thresholds, ...group.events.map((e) => e.statistic)) * 1.1;
    const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
    const y = (v) => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);

    const svg = svgEl('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
    svg.append(svgEl('title', {}, `drift statistic of ${group.streamGroup}, last hour`));
    svg.append(svgEl('line', { class: 'axis', x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0) }));
    svg.append(svgEl('text', { class: 'tick', x: pad.left - 4, y: y(0), 'text-anchor': 'end' }, '0'));
    svg.append(
      svgEl('text', { class: 'tick', x: pad.left - 4, y: y(top / 1.1) + 4, 'text-anchor': 'end' }, fixed(top / 1.1, 1)),
    );
    svg.append(svgEl('text', { class: 'tick', x: pad.left, y: height - 3 }, '−60 min'));
    svg.append(svgEl('text', { class: 'tick', x: width - pad.right, y: height - 3, 'text-anchor': 'end' }, 'now'));
    const withThreshold = points.filter((p) => p.threshold !== null);
    if (withThreshold.length > 0) {
      const path = withThreshold.map((p) => `${x(p.atMs).toFixed(1)},${y(p.threshold).toFixed(1)}`).join(' ');
      const line = svgEl('polyline', { class: 'threshold', points: path });
      line.append(svgEl('title', {}, `threshold ${fixed(withThreshold[withThreshold.length - 1].threshold, 2)}`));
      svg.append(line);
    }
    if (points.length > 0) {
      const path = points.map((p) => `${x(p.atMs).toFixed(1)},${y(p.statistic).toFixed(1)}`).join(' ');
      svg.append(svgEl('polyline', { class: 'statistic', points: path }));
    }
    for (const p of points.filter((q) => q.alarm))
      svg.append(svgEl('circle', { class: 'in-alarm', cx: x(p.atMs), cy: y(p.statistic), r: 1.6 }));
    for (const e of group.events) {
      if (e.atMs < t0) continue;
      const marker = svgEl('circle', { class: `event ${e.kind}`, cx: x(e.atMs), cy: y(e.statistic), r: 4 });
      marker.append(svgEl('title', {}, `${e.kind} at ${clock(e.atMs)}: statistic ${fixed(e.statistic, 2)}`));
      svg.append(marker);
    }
    return svg;
  }

  function eventList(events) {
    const list = el('ul', 'events');
    for (const e of events) {
      const item = el('li', `event ${e.kind}`);
      item.append(el('strong', null, e.kind === 'alarm' ? 'alarm' : 'recovery'));
      const comparison = e.kind === 'alarm' ? '>' : '<';
      item.append(
        text(` ${clock(e.atMs)} — statistic ${fixed(e.statistic, 2)} ${comparison} threshold ${fixed(e.threshold, 2)}`),
      );
      if (e.changeStartMs !== undefined)
        item.append(
          text(`; change began ${clock(e.changeStartMs)}${e.changeStreamId ? ` on ${e.changeStreamId}` : ''}`),
        );
      else if (e.changeStreamId)
        item.append(
          text(
            `; change began on ${e.changeStreamId}${e.changeWindowSeq !== undefined ? `, window #${e.changeWindowSeq}` : ''}`,
          ),
        );
      if (e.changed.length > 0) {
        const changed = el('div', 'changed', 'changed: ');
        e.changed.forEach((c, i) => {
          if (i > 0) changed.append(text(', '));
          changed.append(el('span', 'concept-name', c.label));
          changed.append(
            text(` ${percent(c.referenceRate)} → ${percent(c.currentRate)} of frames (q ${c.q.toPrecision(2)})`),
          );
        });
        item.append(changed);
      }
      const moved = e.signals.filter((s) => s.changed);
      if (moved.length > 0)
        item.append(
          el(
            'div',
            'changed',
            `signals: ${moved.map((s) => `${s.name} ${fixed(s.referenceMean, 3)} → ${fixed(s.currentMean, 3)}`).join(', ')}`,
          ),
        );
      list.append(item);
    }
    return list;
  }

  function heatMap(timeline) {
    const cell = { w: 9, h: 14 };
    const labelWidth = 120;
    const n = timeline.bucketStartsMs.length;
    const rows = timeline.concepts;
    const width = labelWidth + n * cell.w + 4;
    const height = Math.max(1, rows.length) * cell.h + 18;
    const svg = svgEl('svg', { class: 'heatmap', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
    svg.append(svgEl('title', {}, 'mean concept weight per frame, per minute'));
    if (rows.length === 0) {
      svg.append(svgEl('text', { class: 'tick', x: 0, y: 12 }, 'no frames in the last hour'));
      return svg;
    }
    const max = heaviest(timeline);
    rows.forEach((row, r) => {
      const label = svgEl(
        'text',
        { class: 'row-label', x: labelWidth - 6, y: r * cell.h + cell.h - 3, 'text-anchor': 'end' },
        row.label,
      );
      svg.append(label);
      row.meanWeights.forEach((v, i) => {
        const attrs = { x: labelWidth + i * cell.w, y: r * cell.h, width: cell.w - 1, height: cell.h - 1 };
        const minute = clock(timeline.bucketStartsMs[i], false);
        let rect;
        if (v === null) {
          rect = svgEl('rect', { ...attrs, class: 'empty' });
          rect.append(svgEl('title', {}, `${row.label} · ${minute} · no frames`));
        } else {
          const opacity = max > 0 && v > 0 ? 0.08 + 0.92 * (v / max) : 0;
          rect = svgEl('rect', { ...attrs, class: v > 0 ? 'heat' : 'cold', 'fill-opacity': opacity.toFixed(3) });
          rect.append(
            svgEl('title', {}, `${row.label} · ${minute} · mean weight ${fixed(v, 4)} · ${timeline.frames[i]} frames`),
          );
        }
        svg.append(rect);
      });
    });
    const axisY = rows.length * cell.h + 13;
    svg.append(svgEl('text', { class: 'tick', x: labelWidth, y: axisY }, clock(timeline.bucketStartsMs[0], false)));
    svg.append(
      svgEl(
        'text',
        { class: 'tick', x: labelWidth + (n / 2) * cell.w, y: axisY, 'text-anchor': 'middle' },
        clock(timeline.bucketStartsMs[Math.floor(n / 2)], false),
      ),
    );
    svg.append(svgEl('text', { class: 'tick', x: labelWidth + n * cell.w, y: axisY, 'text-anchor': 'end' }, 'now'));
    return svg;
  }

  function heaviest(timeline) {
    let max = 0;
    for (const row of timeline.concepts) for (const v of row.meanWeights) if (v !== null && v > max) max = v;
    return max;
  }

  function renderStreams(snapshot) {
    const body = $('streams').tBodies[0];
    body.replaceChildren();
    $('stream-count').textContent = `(${snapshot.streams.length})`;
    let maxWeight = 0;
    for (const s of snapshot.streams) for (const c of s.concepts) maxWeight = Math.max(maxWeight, c.weight);
    if (snapshot.streams.length === 0) {
      const row = el('tr');
      const cell = el('td', 'dim', 'no streams yet');
      cell.colSpan = 8;
      row.append(cell);
      body.append(row);
    }
    for (const s of snapshot.streams) {
      const row = el('tr');
      row.dataset.stream = s.streamId;
      row.append(el('td', 'stream-id', s.streamId));
      row.append(el('td', null, s.streamGroup));
      row.append(el('td', null, `#${s.windowSeq} · ${offset(s.startMs)}–${offset(s.startMs + s.durationMs)}`));
      row.append(el('td', 'dim', ago(snapshot.generatedAtMs - s.seenAtMs)));
      const concepts = el('td', 'concepts');
      for (const c of s.concepts) concepts.append(conceptBar(c, maxWeight));
      row.append(concepts);
      row.append(el('td', 'num', fixed(s.cosine, 3)));
      row.append(el('td', 'num', String(s.l0)));
      row.append(el('td', 'num', s.fit === undefined ? '–' : fixed(s.fit, 3)));
      body.append(row);
    }
    const evicted = $('evicted');
    const dropped = snapshot.evictedStreams + snapshot.evictedGroups;
    evicted.hidden = dropped === 0;
    evicted.textContent = `${plural(snapshot.evictedStreams, 'stream')} and ${plural(snapshot.evictedGroups, 'group')} not seen for the longest were dropped to keep the page's memory bounded.`;
  }

  function conceptBar(concept, maxWeight) {
    const line = el('div', 'concept');
    line.append(el('span', 'concept-name', concept.label));
    const track = el('span', 'bar-track');
    const bar = el('span', 'bar');
    bar.style.width = `${maxWeight > 0 ? (100 * concept.weight) / maxWeight : 0}%`;
    track.append(bar);
    line.append(track);
    line.append(el('span', 'weight', fixed(concept.weight, 3)));
    return line;
  }

  // --- helpers ----------------------------------------------------------------------------------------------------

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function svgEl(tag, attrs, content) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function text(content) {
    return document.createTextNode(content);
  }

  function fixed(value, digits) {
    return Number(value).toFixed(digits);
  }

  function percent(rate) {
    return `${(100 * rate).toFixed(rate < 0.1 ? 1 : 0)} %`;
  }

  function plural(n, word) {
    return `${n} ${word}${n === 1 ? '' : 's'}`;
  }

  function pad2(n) {
    return String(n).padStart(2, '0');
  }

  function clock(ms, seconds = true) {
    const d = new Date(ms);
    const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    return seconds ? `${hm}:${pad2(d.getSeconds())}` : hm;
  }

  /** A time within the stream (ms from its start) as h:mm:ss or m:ss. */
  function offset(ms) {
    const s = Math.floor(ms / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return h > 0 ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${m}:${pad2(s % 60)}`;
  }

  function ago(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 2) return 'just now';
    if (s < 90) return `${s} s ago`;
    if (s < 5400) return `${Math.round(s / 60)} min ago`;
    return `${Math.round(s / 3600)} h ago`;
  }

  connect();
})();
