import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num, int, dateTime } from '../format.ts';
import { href } from '../router.ts';
import { html, Plot, Chart, DataTable, Problem, WhatIs, useLoad, Show } from '../ui.ts';

/** The query document of POST /v1/queries (history/explore/spec.ts), as the page builds it. */
interface QuerySpec {
  filters?: { competition?: string[]; season?: string[]; team?: string; from?: string; to?: string; odds?: Range; edge?: Range };
  groupBy?: string[];
  measures: Array<{ kind: string; column?: string; of?: string }>;
  selection?: string;
  book?: string;
  oddsKind?: string;
  model?: string;
}
interface Range { min?: number; max?: number }
interface QueryResult {
  columns: Array<{ name: string; role: 'group' | 'measure'; type: 'text' | 'number' }>;
  rows: Array<Record<string, string | number | null>>;
  truncated: boolean;
  limit: number;
  ms: number;
}
type ChartType = 'line' | 'bar' | 'scatter' | 'calibration';
interface ChartSettings { type: ChartType; x: string; y: string[] }
interface Saved { shareId: string; name: string; kind: 'query' | 'chart'; spec: QuerySpec; chart: ChartSettings | null; mine: boolean; link: string; updatedAt: string }

const GROUPS = ['season', 'competition', 'team', 'month', 'oddsBucket'];
const MEASURES = ['count', 'winRate', 'roi', 'logLoss:market', 'logLoss:model', 'mean:marketProb', 'mean:modelProb', 'mean:edge', 'mean:price', 'mean:homeScore', 'mean:awayScore', 'mean:totalScore', 'mean:goalDiff'];
const CHART_TYPES: ChartType[] = ['line', 'bar', 'scatter', 'calibration'];
const PALETTE = ['#1f5fa8', '#8a5a00', '#1d6b2f', '#a1260d', '#5b3a8c', '#00707a', '#555555', '#b3006b'];

/** The form's fields, all text (what inputs hold); empty means "not set". */
interface Form {
  competition: string; season: string; team: string; from: string; to: string;
  oddsMin: string; oddsMax: string; edgeMin: string; edgeMax: string;
  groupBy: string[]; measures: string[]; selection: string; book: string; oddsKind: string; model: string;
}
const EMPTY: Form = { competition: '', season: '', team: '', from: '', to: '', oddsMin: '', oddsMax: '', edgeMin: '', edgeMax: '', groupBy: ['season'], measures: ['count', 'winRate'], selection: 'home', book: '', oddsKind: '', model: '' };

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const range = (min: string, max: string): Range | undefined => (min === '' && max === '' ? undefined : { ...(min === '' ? {} : { min: Number(min) }), ...(max === '' ? {} : { max: Number(max) }) });
const measureOf = (m: string) => {
  const [kind, arg] = m.split(':');
  return kind === 'mean' ? { kind, column: arg } : kind === 'logLoss' ? { kind, of: arg } : { kind: kind! };
};
const measureKey = (m: { kind: string; column?: string; of?: string }) => (m.kind === 'mean' ? `mean:${m.column}` : m.kind === 'logLoss' ? `logLoss:${m.of}` : m.kind);
/** The result column a measure answers in (fixed by the server: mean_marketProb, logLoss_market). */
const columnOf = (m: string) => m.replace(':', '_');

export function specOf(f: Form): QuerySpec {
  const filters = {
    ...(f.competition.trim() ? { competition: list(f.competition) } : {}),
    ...(f.season.trim() ? { season: list(f.season) } : {}),
    ...(f.team.trim() ? { team: f.team.trim() } : {}),
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: f.to } : {}),
    ...(range(f.oddsMin, f.oddsMax) ? { odds: range(f.oddsMin, f.oddsMax) } : {}),
    ...(range(f.edgeMin, f.edgeMax) ? { edge: range(f.edgeMin, f.edgeMax) } : {}),
  };
  return {
    ...(Object.keys(filters).length ? { filters } : {}),
    ...(f.groupBy.length ? { groupBy: f.groupBy } : {}),
    measures: f.measures.map(measureOf),
    ...(f.selection && f.selection !== 'home' ? { selection: f.selection } : {}),
    ...(f.book.trim() ? { book: f.book.trim() } : {}),
    ...(f.oddsKind ? { oddsKind: f.oddsKind } : {}),
    ...(f.model.trim() ? { model: f.model.trim() } : {}),
  };
}

function formOf(spec: QuerySpec): Form {
  const fl = spec.filters ?? {};
  const s = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    competition: (fl.competition ?? []).join(', '), season: (fl.season ?? []).join(', '), team: fl.team ?? '', from: fl.from ?? '', to: fl.to ?? '',
    oddsMin: s(fl.odds?.min), oddsMax: s(fl.odds?.max), edgeMin: s(fl.edge?.min), edgeMax: s(fl.edge?.max),
    groupBy: spec.groupBy ?? [], measures: spec.measures.map(measureKey), selection: spec.selection ?? 'home', book: spec.book ?? '', oddsKind: spec.oddsKind ?? '', model: spec.model ?? '',
  };
}

/** RFC 4180 CSV of the result (what `sharpline query --csv` prints). */
export function resultCsv(result: QueryResult): string {
  const cell = (v: unknown) => {
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const names = result.columns.map((c) => c.name);
  return [names.map(cell).join(','), ...result.rows.map((r) => names.map((n) => cell(r[n])).join(','))].join('\n') + '\n';
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The drawn chart (Observable Plot's SVG) as a PNG: drawn on a canvas through a data: image (the CSP allows img-src data:). */
async function chartPng(figure: Element): Promise<Blob> {
  const svg = figure.querySelector('svg[data-plot]') as SVGSVGElement | null;
  if (!svg) throw new ApiError(0, 'NO_CHART', t('explore.noChart'));
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('width', String(Math.ceil(width)));
  clone.setAttribute('height', String(Math.ceil(height)));
  const img = new Image();
  await new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new ApiError(0, 'PNG_FAILED', t('explore.pngFailed')));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
  });
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.scale(scale, scale);
  g.drawImage(img, 0, 0, width, height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new ApiError(0, 'PNG_FAILED', t('explore.pngFailed')))), 'image/png'));
}

const label = (name: string) => {
  const key = name.replace(/^(mean|logLoss)_/, (m) => m.replace('_', ':'));
  return MEASURES.includes(key) || GROUPS.includes(name) ? t(`explore.col.${key.replace(':', '_')}`) : name;
};
const cellText = (v: string | number | null, type: 'text' | 'number', name: string) => (v === null ? '–' : type === 'number' ? (name === 'count' ? int(Number(v)) : num(Number(v))) : String(v));

function defaultChart(result: QueryResult, type: ChartType = 'line'): ChartSettings {
  const groups = result.columns.filter((c) => c.role === 'group').map((c) => c.name);
  const measures = result.columns.filter((c) => c.role === 'measure').map((c) => c.name);
  if (type === 'calibration') {
    const x = measures.find((m) => /Prob$/.test(m)) ?? measures[0]!;
    return { type, x, y: [measures.find((m) => m === 'winRate') ?? measures.find((m) => m !== x) ?? x] };
  }
  const y = measures.filter((m) => m !== 'count');
  return { type, x: groups[0] ?? measures[0]!, y: y.length ? y : measures };
}

function ResultChart(props: { result: QueryResult; settings: ChartSettings }) {
  const { result, settings } = props;
  const xCol = result.columns.find((c) => c.name === settings.x);
  const ys = settings.y.filter((y) => result.columns.some((c) => c.name === y));
  if (!xCol || ys.length === 0) return html`<p class="muted">${t('explore.pickColumns')}</p>`;
  const rows = result.rows.filter((r) => r[settings.x] !== null);
  const long = rows.flatMap((r) => ys.filter((y) => r[y] !== null).map((y) => ({ x: r[settings.x]!, series: label(y), value: Number(r[y]) })));
  const title = t('explore.chartTitle', { y: ys.map(label).join(', '), x: label(settings.x) });
  const ordinal = xCol.type === 'text';
  const color = { legend: ys.length > 1 || settings.type === 'bar', domain: ys.map(label), range: PALETTE.slice(0, ys.length) };
  const plot = (): Plot.PlotOptions => {
    switch (settings.type) {
      case 'bar':
        return { width: 760, height: 380, marginBottom: 50, color, x: { axis: null }, fx: { label: label(settings.x), tickRotate: rows.length > 8 ? -40 : 0 }, y: { grid: true, label: null }, marks: [Plot.barY(long, { fx: 'x', x: 'series', y: 'value', fill: 'series' }), Plot.ruleY([0])] };
      case 'scatter':
        return { width: 760, height: 380, grid: true, color, x: { label: label(settings.x), ...(ordinal ? { type: 'point' as const } : {}) }, y: { label: null }, marks: [Plot.dot(long, { x: 'x', y: 'value', fill: 'series', r: 4 })] };
      case 'calibration': {
        const y = ys[0]!;
        const points = rows.filter((r) => r[y] !== null).map((r) => ({ predicted: Number(r[settings.x]), observed: Number(r[y]) }));
        return { width: 460, height: 420, grid: true, x: { domain: [0, 1], label: label(settings.x) }, y: { domain: [0, 1], label: label(y) }, marks: [Plot.line([[0, 0], [1, 1]], { stroke: '#767676', strokeDasharray: '4 3' }), Plot.dot(points, { x: 'predicted', y: 'observed', fill: PALETTE[0], r: 4 })] };
      }
      default:
        return { width: 760, height: 380, grid: true, marginBottom: 50, color, x: { label: label(settings.x), ...(ordinal ? { type: 'point' as const, tickRotate: rows.length > 8 ? -40 : 0 } : {}) }, y: { label: null }, marks: [Plot.line(long, { x: 'x', y: 'value', stroke: 'series', z: 'series' }), Plot.dot(long, { x: 'x', y: 'value', fill: 'series', r: 3 })] };
    }
  };
  const table = { columns: [label(settings.x), ...ys.map(label)], rows: rows.map((r) => [cellText(r[settings.x]!, xCol.type, settings.x), ...ys.map((y) => cellText(r[y] ?? null, 'number', y))]) };
  return html`<${Chart} id="explore-chart" title=${title} help=${settings.type === 'calibration' ? 'calibration' : undefined} plot=${plot} table=${table} />`;
}

function Field(props: { id: string; label: string; value: string; onInput: (v: string) => void; type?: string; placeholder?: string; help?: string; step?: string }) {
  return html`<label for=${props.id}>${props.label}${props.help ? html` <${WhatIs} term=${props.help} />` : null}
    <input id=${props.id} type=${props.type ?? 'text'} step=${props.step} value=${props.value} placeholder=${props.placeholder} onInput=${(e: Event) => props.onInput((e.target as HTMLInputElement).value)} />
  </label>`;
}

function Checks(props: { legend: string; name: string; options: string[]; chosen: string[]; onChange: (v: string[]) => void; labelOf: (o: string) => string }) {
  return html`<fieldset><legend>${props.legend}</legend><div class="checks">${props.options.map((o) => html`<label>
    <input type="checkbox" name=${props.name} value=${o} checked=${props.chosen.includes(o)} onChange=${(e: Event) => {
      const on = (e.target as HTMLInputElement).checked;
      props.onChange(on ? [...props.chosen.filter((c) => c !== o), o] : props.chosen.filter((c) => c !== o));
    }} />${props.labelOf(o)}</label>`)}</div></fieldset>`;
}

function SavedList(props: { version: number; onChange: () => void; onError: (e: ApiError) => void }) {
  const loaded = useLoad(() => api<{ saved: Saved[] }>('/v1/saved-queries'), [props.version]);
  const remove = (s: Saved) => api(`/v1/saved-queries/${seg(s.shareId)}`, { method: 'DELETE' }).then(props.onChange, props.onError);
  return html`<section aria-labelledby="saved-title"><h2 id="saved-title">${t('explore.savedTitle')}</h2>
    <${Show} loaded=${loaded}>${(body: { saved: Saved[] }) => body.saved.length === 0 ? html`<p class="muted">${t('explore.noneSaved')}</p>` : html`<ul data-list="saved">${body.saved.map((s) => html`<li>
      <a href=${`#/explore?share=${s.shareId}`}>${s.name}</a> <span class="muted small">${t(`explore.kind.${s.kind}`)} · ${dateTime(s.updatedAt)}</span>
      <button type="button" class="link" data-delete=${s.shareId} aria-label=${t('explore.deleteNamed', { name: s.name })} onClick=${() => { void remove(s); }}>${t('explore.delete')}</button></li>`)}</ul>`}<//>
  </section>`;
}

/** The data explorer: build a query, read it as a table and a chart, save it, share it by link, export it. */
export function ExplorePage(props: { share: string }) {
  const [form, setForm] = useState<Form>(EMPTY);
  const [result, setResult] = useState<QueryResult | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [chart, setChart] = useState<ChartSettings | null>(null);
  const [name, setName] = useState('');
  const [saved, setSaved] = useState<Saved | null>(null);
  const [opened, setOpened] = useState<Saved | null>(null);
  const [savedVersion, setSavedVersion] = useState(0);
  const set = <K extends keyof Form>(key: K) => (value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const run = async (spec: QuerySpec, settings?: ChartSettings | null) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<QueryResult>('/v1/queries', { method: 'POST', json: spec });
      setResult(r);
      setChart((c) => settings ?? (c && r.columns.some((col) => col.name === c.x) ? { ...c, y: c.y.filter((y) => r.columns.some((col) => col.name === y)) } : defaultChart(r)));
    } catch (e) {
      setResult(null);
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
    } finally {
      setBusy(false);
    }
  };

  // A share link (#/explore?share=<id>) opens the saved query or chart and runs it.
  useEffect(() => {
    if (!props.share) return;
    let live = true;
    setOpened(null);
    api<Saved>(`/v1/saved-queries/${seg(props.share)}`).then((s) => {
      if (!live) return;
      setOpened(s);
      setForm(formOf(s.spec));
      setName(s.name);
      setChart(s.chart);
      void run(s.spec, s.chart);
    }, (e: ApiError) => live && setError(e));
    return () => {
      live = false;
    };
  }, [props.share]);

  const save = async (asChart: boolean) => {
    setError(null);
    try {
      const body = { name: name.trim(), spec: specOf(form), ...(asChart && chart ? { chart } : {}) };
      const s = await api<Saved>('/v1/saved-queries', { method: 'POST', json: body });
      setSaved(s);
      setSavedVersion((n) => n + 1);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
    }
  };

  const exportPng = async () => {
    try {
      const figure = document.querySelector('[data-chart="explore-chart"]');
      if (!figure) throw new ApiError(0, 'NO_CHART', t('explore.noChart'));
      saveBlob(await chartPng(figure), `${(name.trim() || 'sharpline-chart').replace(/[^\w.-]+/g, '_')}.png`);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
    }
  };

  const columns = result?.columns ?? [];
  const measureCols = columns.filter((c) => c.role === 'measure').map((c) => c.name);
  const shareUrl = (s: Saved) => `${location.origin}${s.link}`;
  return html`<h1>${t('explore.title')}</h1>
    <p class="muted">${t('explore.intro')} <a href=${href('help', 'explore')}>${t('explore.helpLink')}</a></p>
    ${opened ? html`<p class="ok" role="status" data-opened=${opened.shareId}>${opened.mine ? t('explore.openedMine', { name: opened.name, kind: t(`explore.kind.${opened.kind}`) }) : t('explore.openedShared', { name: opened.name, kind: t(`explore.kind.${opened.kind}`) })}</p>` : null}
    <form class="explore-form" aria-labelledby="explore-build" onSubmit=${(e: Event) => { e.preventDefault(); void run(specOf(form)); }}>
      <h2 id="explore-build">${t('explore.build')}</h2>
      <fieldset><legend>${t('explore.filters')}</legend><div class="grid">
        <${Field} id="q-competition" label=${t('explore.competition')} placeholder="E0, SP1" value=${form.competition} onInput=${set('competition')} />
        <${Field} id="q-season" label=${t('explore.season')} placeholder="2018/19, 2019/20" value=${form.season} onInput=${set('season')} />
        <${Field} id="q-team" label=${t('explore.team')} value=${form.team} onInput=${set('team')} />
        <${Field} id="q-from" type="date" label=${t('explore.from')} value=${form.from} onInput=${set('from')} />
        <${Field} id="q-to" type="date" label=${t('explore.to')} value=${form.to} onInput=${set('to')} />
        <${Field} id="q-odds-min" type="number" step="any" label=${t('explore.oddsMin')} value=${form.oddsMin} onInput=${set('oddsMin')} />
        <${Field} id="q-odds-max" type="number" step="any" label=${t('explore.oddsMax')} value=${form.oddsMax} onInput=${set('oddsMax')} />
        <${Field} id="q-edge-min" type="number" step="any" label=${t('explore.edgeMin')} help="edge" value=${form.edgeMin} onInput=${set('edgeMin')} />
        <${Field} id="q-edge-max" type="number" step="any" label=${t('explore.edgeMax')} value=${form.edgeMax} onInput=${set('edgeMax')} />
      </div></fieldset>
      <fieldset><legend>${t('explore.prices')}</legend><div class="grid">
        <label for="q-selection">${t('explore.selection')}<select id="q-selection" value=${form.selection} onChange=${(e: Event) => set('selection')((e.target as HTMLSelectElement).value)}>
          ${['home', 'draw', 'away'].map((s) => html`<option value=${s}>${t(`explore.side.${s}`)}</option>`)}</select></label>
        <${Field} id="q-book" label=${t('explore.book')} placeholder="market_avg" value=${form.book} onInput=${set('book')} />
        <label for="q-kind">${t('explore.oddsKind')}<select id="q-kind" value=${form.oddsKind} onChange=${(e: Event) => set('oddsKind')((e.target as HTMLSelectElement).value)}>
          ${['', 'opening', 'preclosing', 'closing'].map((k) => html`<option value=${k}>${t(`explore.kinds.${k || 'default'}`)}</option>`)}</select></label>
        <${Field} id="q-model" label=${t('explore.model')} placeholder="epl@champion" value=${form.model} onInput=${set('model')} />
      </div></fieldset>
      <${Checks} legend=${t('explore.groupBy')} name="group" options=${GROUPS} chosen=${form.groupBy} onChange=${set('groupBy')} labelOf=${(g: string) => t(`explore.col.${g}`)} />
      <${Checks} legend=${t('explore.measures')} name="measure" options=${MEASURES} chosen=${form.measures} onChange=${set('measures')} labelOf=${(m: string) => t(`explore.col.${m.replace(':', '_')}`)} />
      <div class="glossary muted small">${t('help.glossary')} ${['winRate', 'roi', 'logLoss', 'marketProb', 'edge'].map((term) => html`<span class="glossary-term">${t(`whatIs.${term}.name`)} <${WhatIs} term=${term} /></span> `)}</div>
      <p><button type="submit" disabled=${busy}>${t('explore.run')}</button> ${busy ? html`<span role="status" class="muted">${t('explore.running')}</span>` : null}</p>
    </form>
    ${error ? html`<div data-error=${error.code}><${Problem} error=${error} /></div>` : null}
    ${result ? html`<section aria-labelledby="explore-result"><h2 id="explore-result">${t('explore.result')}</h2>
      <p class="muted" role="status">${t('explore.rows', { n: int(result.rows.length), ms: int(result.ms) })}${result.truncated ? ` ${t('explore.truncated', { limit: int(result.limit) })}` : ''}</p>
      <${DataTable} id="explore-rows" caption=${t('explore.result')} data=${{ columns: columns.map((c) => label(c.name)), rows: result.rows.map((r) => columns.map((c) => cellText(r[c.name] ?? null, c.type, c.name))) }} />
      <p><button type="button" class="secondary" data-export="csv" onClick=${() => saveBlob(new Blob([resultCsv(result)], { type: 'text/csv' }), `${(name.trim() || 'sharpline-query').replace(/[^\w.-]+/g, '_')}.csv`)}>${t('explore.exportCsv')}</button></p>
      ${chart ? html`<div class="chart-controls row">
        <label for="c-type">${t('explore.chartType')}<select id="c-type" value=${chart.type} onChange=${(e: Event) => setChart(defaultChart(result, (e.target as HTMLSelectElement).value as ChartType))}>
          ${CHART_TYPES.map((c) => html`<option value=${c}>${t(`explore.chart.${c}`)}</option>`)}</select></label>
        <label for="c-x">${t('explore.chartX')}<select id="c-x" value=${chart.x} onChange=${(e: Event) => setChart({ ...chart, x: (e.target as HTMLSelectElement).value })}>
          ${columns.map((c) => html`<option value=${c.name}>${label(c.name)}</option>`)}</select></label>
        <${Checks} legend=${t('explore.chartY')} name="y" options=${measureCols} chosen=${chart.y} onChange=${(y: string[]) => setChart({ ...chart, y })} labelOf=${label} />
      </div>
      <${ResultChart} result=${result} settings=${chart} />
      <p><button type="button" class="secondary" data-export="png" onClick=${exportPng}>${t('explore.exportPng')}</button></p>` : null}
      <form class="row" aria-labelledby="save-title" onSubmit=${(e: Event) => { e.preventDefault(); void save(true); }}>
        <h3 id="save-title" class="visually-hidden">${t('explore.saveTitle')}</h3>
        <label for="save-name">${t('explore.saveName')}<input id="save-name" value=${name} maxlength="100" required onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} /></label>
        <button type="submit" data-save="chart" disabled=${!chart}>${t('explore.saveChart')}</button>
        <button type="button" class="secondary" data-save="query" onClick=${() => { void save(false); }}>${t('explore.saveQuery')}</button>
      </form>
      ${saved ? html`<div class="ok" role="status" data-saved=${saved.shareId}>${t('explore.savedAs', { name: saved.name, kind: t(`explore.kind.${saved.kind}`) })}
        <label for="share-link">${t('explore.shareLink')}</label> <input id="share-link" class="share-link" readonly value=${shareUrl(saved)} onFocus=${(e: Event) => (e.target as HTMLInputElement).select()} />
        <a href=${`#/explore?share=${saved.shareId}`} data-share-link>${t('explore.openLink')}</a></div>` : null}
    </section>` : null}
    <${SavedList} version=${savedVersion} onChange=${() => setSavedVersion((n) => n + 1)} onError=${setError} />`;
}
