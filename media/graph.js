// Topology graph page: draws Graph snapshots as an SVG with a layered layout (services
// feeding the deployments they select, dependencies to the right). No frameworks, no
// inline handlers, so the strict CSP (nonce, no 'unsafe-inline') holds.
// Types: tsconfig.webview.json checks this file against extension/client/graph/model.ts.
// @ts-check
/** @typedef {import('../extension/client/graph/model').Graph} Graph */
/** @typedef {import('../extension/client/graph/model').GraphNode} GraphNode */
/** @typedef {import('../extension/client/graph/model').ToWebview} ToWebview */
(function () {
  const vscode = acquireVsCodeApi();
  const svgElement = document.querySelector('svg#graph');
  const emptyElement = document.getElementById('empty');
  if (!(svgElement instanceof SVGSVGElement) || !emptyElement) return;
  const svg = svgElement;
  const empty = emptyElement;
  const NS = 'http://www.w3.org/2000/svg';
  const W = 190,
    H = 58,
    GX = 90,
    GY = 22,
    TOP = 70;

  /**
   * An SVG element with attributes, appended to `parent` when given.
   * @param {string} name @param {Record<string, string | number>} [attrs] @param {Element} [parent]
   */
  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (parent) parent.appendChild(e);
    return e;
  }

  /**
   * Layer = longest path from a source, bounded so cycles cannot loop forever.
   * @param {Graph} graph @returns {Map<string, number>}
   */
  function layers(graph) {
    const layer = new Map(graph.nodes.map((n) => [n.id, 0]));
    for (let i = 0; i < graph.nodes.length; i++) {
      let changed = false;
      for (const e of graph.edges) {
        const next = (layer.get(e.from) || 0) + 1;
        if (layer.has(e.to) && next > (layer.get(e.to) || 0) && next < graph.nodes.length) {
          layer.set(e.to, next);
          changed = true;
        }
      }
      if (!changed) break;
    }
    return layer;
  }

  /** @param {Graph} graph */
  function render(graph) {
    svg.textContent = '';
    empty.classList.toggle('hidden', graph.nodes.length > 0);
    if (!graph.nodes.length) return;
    const defs = el('defs', {}, svg);
    const marker = el(
      'marker',
      {
        id: 'arrow',
        viewBox: '0 0 10 10',
        refX: 10,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      },
      defs,
    );
    el('path', { d: 'M 0 0 L 10 5 L 0 10 z' }, marker);
    const layer = layers(graph);
    /** @type {Map<number, GraphNode[]>} */
    const columns = new Map();
    for (const n of graph.nodes) {
      const l = layer.get(n.id) || 0;
      columns.set(l, [...(columns.get(l) ?? []), n]);
    }
    /** @type {Map<string, { x: number, y: number }>} */
    const pos = new Map();
    let maxRows = 0;
    for (const [l, nodes] of columns) {
      nodes.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
      nodes.forEach((n, i) => pos.set(n.id, { x: 10 + l * (W + GX), y: TOP + i * (H + GY) }));
      maxRows = Math.max(maxRows, nodes.length);
    }
    svg.setAttribute('viewBox', `0 0 ${20 + columns.size * (W + GX) - GX} ${TOP + 10 + maxRows * (H + GY) - GY}`);
    for (const e of graph.edges) {
      const a = pos.get(e.from),
        b = pos.get(e.to);
      if (!a || !b) continue;
      const forward = b.x > a.x;
      const x1 = forward ? a.x + W : a.x + W / 2,
        y1 = forward ? a.y + H / 2 : a.y + H;
      const x2 = forward ? b.x : b.x + W / 2,
        y2 = forward ? b.y + H / 2 : b.y;
      const mx = (x1 + x2) / 2;
      // Edges that skip a column arc above the nodes between, so they never look like
      // they end at a node they pass.
      const span = Math.round((b.x - a.x) / (W + GX));
      const lift = Math.min(TOP - 4, 22 * span) + 20;
      const ax = a.x + W / 2,
        bx = b.x + W / 2;
      const d = !forward
        ? `M ${x1} ${y1} C ${x1 + 60} ${y1 + 40}, ${x2 + 60} ${y2 - 40}, ${x2} ${y2}`
        : span > 1
          ? `M ${ax} ${a.y} C ${ax} ${a.y - lift}, ${bx} ${b.y - lift}, ${bx} ${b.y}`
          : `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`;
      const p = el(
        'path',
        { d, class: `edge ${e.kind}`, 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to },
        svg,
      );
      el('title', {}, p).textContent =
        e.kind === 'selects' ? `${e.from} selects ${e.to}` : `${e.from} names ${e.to} in its env`;
    }
    for (const n of graph.nodes) {
      const p = pos.get(n.id);
      if (!p) continue;
      const g = el(
        'g',
        {
          class: `node state-${n.state}`,
          transform: `translate(${p.x},${p.y})`,
          tabindex: 0,
          role: 'button',
          'data-id': n.id,
          'aria-label': `${n.kind} ${n.name}: ${n.label}`,
        },
        svg,
      );
      // Hover text: the node, and what its label leaves out (a failing replica's whole reason).
      el('title', {}, g).textContent = `${n.kind} ${n.name}: ${n.label}${n.detail ? `\n${n.detail}` : ''}`;
      el('rect', { width: W, height: H, rx: 6 }, g);
      el('circle', { class: 'dot', cx: W - 14, cy: 14, r: 5 }, g);
      el('text', { class: 'kind', x: 10, y: 16 }, g).textContent = n.kind;
      el('text', { class: 'title', x: 10, y: 33 }, g).textContent = n.name;
      el('text', { class: 'sub', x: 10, y: 49 }, g).textContent =
        n.label.length > 30 ? n.label.slice(0, 29) + '…' : n.label;
      /** @param {boolean} open */
      const send = (open) => vscode.postMessage({ type: 'select', kind: n.kind, name: n.name, open });
      g.addEventListener('click', () => send(false));
      g.addEventListener('dblclick', () => send(true));
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') send(ev.altKey);
      });
    }
  }

  window.addEventListener('message', (ev) => {
    /** @type {ToWebview | undefined} */
    const m = ev.data;
    if (m && m.type === 'graph') {
      vscode.setState(m.graph);
      render(m.graph);
    }
  });
  const saved = vscode.getState();
  if (saved) render(saved);
  vscode.postMessage({ type: 'ready' });
})();
