import { h, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import * as Plot from '@observablehq/plot';
import { ApiError } from './api.ts';
import { t } from './i18n.ts';

/** Tagged-template JSX without a compile step (htm over Preact's h). */
export const html = htm.bind(h);
export { Plot };

export interface TableData {
  columns: string[];
  rows: Array<Array<string | number>>;
}

/**
 * A chart drawn by Observable Plot with its numbers beside it as a table: the text alternative
 * screen readers and keyboard users read (WCAG 1.1.1), and what the browser tests check.
 */
export function Chart(props: { id: string; title: string; description?: string; plot: () => Plot.PlotOptions; table: TableData; help?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = ref.current;
    if (!node) return;
    const options = props.plot();
    const chart = Plot.plot({ ariaLabel: props.title, ariaDescription: props.description ?? t('chart.tableBelow'), style: { fontSize: '12px', background: 'transparent' }, ...options });
    // The figure is one image named by its title (its numbers are the table below); the marks'
    // own aria-labels ("line", "dot") on plain groups are not allowed by ARIA, and the legend
    // swatches repeat what the table says.
    const svgs = chart.tagName.toLowerCase() === 'svg' ? [chart] : Array.from(chart.querySelectorAll(':scope > svg'));
    const main = svgs.at(-1);
    for (const svg of svgs) if (svg !== main) svg.setAttribute('aria-hidden', 'true');
    main?.setAttribute('role', 'img');
    main?.setAttribute('data-plot', '');
    for (const g of chart.querySelectorAll('g[aria-label], g[aria-description]')) {
      g.removeAttribute('aria-label');
      g.removeAttribute('aria-description');
    }
    node.replaceChildren(chart);
    return () => chart.remove();
  });
  return html`<figure class="chart" data-chart=${props.id}>
    <figcaption>${props.title}${props.help ? html` <${WhatIs} term=${props.help} />` : null}</figcaption>
    <div class="plot" ref=${ref}></div>
    ${props.description ? html`<p class="muted">${props.description}</p>` : null}
    <details class="chart-table">
      <summary>${t('chart.showTable', { title: props.title })}</summary>
      <${DataTable} caption=${props.title} data=${props.table} id=${`${props.id}-table`} />
    </details>
  </figure>`;
}

export function DataTable(props: { caption: string; data: TableData; id?: string }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${props.caption}>
    <table id=${props.id} data-table=${props.id}>
      <caption class="visually-hidden">${props.caption}</caption>
      <thead><tr>${props.data.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${props.data.rows.map((r) => html`<tr>${r.map((cell, i) => (i === 0 ? html`<th scope="row">${cell}</th>` : html`<td>${cell}</td>`))}</tr>`)}</tbody>
    </table>
  </div>`;
}

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ok'; value: T };

/** Loads once per change of `deps`; an error keeps its code for the page to show. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    setResult({ state: 'loading' });
    load().then(
      (value) => live && setResult({ state: 'ok', value }),
      (error: unknown) => live && setResult({ state: 'error', error: error instanceof ApiError ? error : new ApiError(0, 'CLIENT', (error as Error).message) }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return result;
}

export function Problem(props: { error: ApiError }) {
  return html`<div class="problem" role="alert"><strong>${props.error.code}</strong> ${props.error.message}</div>`;
}

export function Loading() {
  return html`<p class="muted" role="status">${t('common.loading')}</p>`;
}

/** Renders a Loaded value: loading line, coded error, or the content. */
export function Show<T>(props: { loaded: Loaded<T>; children: (value: T) => ComponentChildren }) {
  const l = props.loaded;
  if (l.state === 'loading') return html`<${Loading} />`;
  if (l.state === 'error') return html`<${Problem} error=${l.error} />`;
  return html`${props.children(l.value)}`;
}

export function Section(props: { title: string; id: string; children: ComponentChildren }) {
  return html`<section aria-labelledby=${props.id}><h2 id=${props.id}>${props.title}</h2>${props.children}</section>`;
}

/**
 * A one-line "what is this" for a chart or a metric (`whatIs.<term>` in the locales): a
 * disclosure the keyboard reaches (Tab) and opens (Enter or Space), read by screen readers.
 */
export function WhatIs(props: { term: string }) {
  return html`<details class="whatis" data-whatis=${props.term}>
    <summary><span aria-hidden="true">?</span><span class="visually-hidden">${t('help.whatIs', { term: t(`whatIs.${props.term}.name`) })}</span></summary>
    <span class="whatis-text" role="note"><strong>${t(`whatIs.${props.term}.name`)}</strong>: ${t(`whatIs.${props.term}.line`)}</span>
  </details>`;
}

/** The "what is this" of several metrics in one line (under a table whose headers name them). */
export function Glossary(props: { terms: string[] }) {
  return html`<div class="glossary muted small">${t('help.glossary')} ${props.terms.map((term) => html`<span class="glossary-term">${t(`whatIs.${term}.name`)} <${WhatIs} term=${term} /></span> `)}</div>`;
}
