import { useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num, int, pct, date, dateTime } from '../format.ts';
import { href } from '../router.ts';
import { html, Plot, Show, useLoad, Chart, DataTable, Section, Problem, Glossary } from '../ui.ts';
import { reliabilityPoints } from '../stats.ts';
import { downloadVerified } from '../download.ts';
import type { ArtifactInfo, BacktestSummary, Comparison, VersionDetail } from '../types.ts';

interface SeriesBody {
  pricing: { prices: string; description: string };
  bets: Array<{ kickoff: string; clv: number | null; flatProfit: number }>;
  equity: Array<{ kickoff: string; flatProfit: number; flatDrawdown: number; kellyBankroll: number; kellyDrawdownPct: number }>;
  months: Array<{ month: string; bets: number; flatProfit: number; turnover: number }>;
}

interface Importance {
  classes: string[];
  meanAbsShap: { features: Array<{ name: string; byClass: Record<string, number> }>; background?: { size: number; method: string }; rows: number };
  permutation: { repeats: number; features: Array<{ name: string; importance: number; std: number }> };
}

interface Breakdown {
  competitions: Record<string, { n: number; predictors: Record<string, { n: number; logLoss: number; brier: number; accuracy: number }> }>;
}

interface VersionData {
  version: VersionDetail;
  breakdown: Breakdown | null;
  importance: Importance | null;
  book: SeriesBody | null;
  best: SeriesBody | null;
  bestSummary: BacktestSummary | null;
  bookError: ApiError | null;
}

async function loadVersion(model: string, ref: string): Promise<VersionData> {
  const base = `/v1/models/${seg(model)}/versions/${seg(ref)}`;
  const version = await api<VersionDetail>(base);
  const vbase = `/v1/models/${seg(model)}/versions/${version.version}`;
  const optional = <T>(p: Promise<T>) => p.then((v) => [v, null] as const, (e: ApiError) => [null, e] as const);
  const ready = version.status === 'READY';
  const [[importance], [book, bookError], [best], [bestBacktest], [breakdown]] = await Promise.all([
    optional(api<{ importance: Importance }>(`${vbase}/importance`).then((r) => r.importance)),
    ready ? optional(api<SeriesBody>(`${vbase}/backtest/series?prices=book`)) : Promise.resolve([null, null] as const),
    ready ? optional(api<SeriesBody>(`${vbase}/backtest/series?prices=best`)) : Promise.resolve([null, null] as const),
    ready ? optional(api<{ summary: BacktestSummary }>(`${vbase}/backtest?prices=best`)) : Promise.resolve([null, null] as const),
    optional(api<Breakdown>(`${vbase}/competitions`)),
  ]);
  return { version, importance, book, best, bestSummary: bestBacktest?.summary ?? null, bookError, breakdown };
}

const PREDICTOR_ORDER = ['model', 'closing', 'preclosing'];
const predictorLabel = (name: string) => (['model', 'closing', 'preclosing'].includes(name) ? t(`metric.${name}`) : name);

function Lineage(props: { v: VersionDetail }) {
  const l = props.v.lineage;
  const windowText = (w?: { from: string; to: string } | null) => (w ? `${date(w.from)} – ${date(w.to)}` : '–');
  const items: Array<[string, unknown]> = [
    [t('lineage.featureSet'), l.featureSet ? html`${l.featureSet.name} <span class="hash">${l.featureSet.hash.slice(0, 16)}…</span>` : '–'],
    [t('lineage.trainWindow'), windowText(l.trainWindow)],
    [t('lineage.testWindow'), windowText(l.testWindow)],
    [t('lineage.competitions'), l.competitions?.join(', ') ?? '–'],
    [t('lineage.algorithm'), `${l.algorithm ?? '–'} ${l.params ? JSON.stringify(l.params) : ''}`],
    [t('lineage.datasetHash'), html`<span class="hash">${l.datasetHash ?? '–'}</span>`],
    [t('lineage.testDatasetHash'), html`<span class="hash">${l.testDatasetHash ?? '–'}</span>`],
    [t('lineage.codeVersion'), html`<span class="hash">${l.codeVersion ?? '–'}</span>`],
    [t('lineage.createdBy'), l.createdBy ?? '–'],
    [t('lineage.run'), html`<a href=${href('runs', props.v.runId)}>${props.v.runId}</a>`],
    [t('lineage.registered'), dateTime(props.v.createdAt)],
  ];
  return html`<dl class="lineage">${items.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function ScoreTable(props: { id: string; caption: string; predictors: Record<string, { n: number; logLoss: number; brier: number; accuracy: number; rps?: number; calibration?: { ece: number }; ece?: number }> }) {
  const names = Object.keys(props.predictors).sort((a, b) => (PREDICTOR_ORDER.indexOf(a) + 99) % 100 - (PREDICTOR_ORDER.indexOf(b) + 99) % 100);
  return html`<${DataTable} id=${props.id} caption=${props.caption} data=${{
    columns: [t('metric.predictor'), t('metric.games'), t('metric.logLoss'), t('metric.brier'), t('metric.rps'), t('metric.accuracy'), t('metric.ece')],
    rows: names.map((n) => {
      const s = props.predictors[n]!;
      return [predictorLabel(n), int(s.n), num(s.logLoss), num(s.brier), num(s.rps), pct(s.accuracy, 1).replace('+', ''), num(s.calibration?.ece ?? s.ece)];
    }),
  }} />`;
}

function Metrics(props: { v: VersionDetail }) {
  const comparisons = props.v.evaluation.comparisons ?? {};
  const names = Object.keys(comparisons).filter((n) => n !== 'all');
  if (names.length === 0) return html`<p>${t('version.noComparisons')}</p>`;
  return html`${names.map((name) => {
    const c = comparisons[name] as Comparison;
    const seasons = Object.entries(c.seasons ?? {});
    const caption = t('version.sameGames', { against: predictorLabel(name), n: int(c.n) });
    return html`<h3>${caption}</h3>
      <${ScoreTable} id=${`scores-${name}`} caption=${caption} predictors=${c.predictors} />
      ${seasons.length > 1 ? html`<${DataTable} id=${`seasons-${name}`} caption=${t('version.perSeason', { against: predictorLabel(name) })} data=${{
        columns: [t('version.season'), t('metric.games'), ...Object.keys(c.predictors).map((p) => `${predictorLabel(p)} · ${t('metric.logLoss')}`)],
        rows: seasons.map(([season, s]) => [season, int(s.n), ...Object.keys(c.predictors).map((p) => num(s.predictors[p]?.logLoss))]),
      }} />` : null}`;
  })}`;
}

function PerCompetition(props: { breakdown: Breakdown | null }) {
  const entries = Object.entries(props.breakdown?.competitions ?? {});
  if (entries.length === 0) return null;
  const names = [...new Set(entries.flatMap(([, c]) => Object.keys(c.predictors)))].sort((a, b) => (PREDICTOR_ORDER.indexOf(a) + 99) % 100 - (PREDICTOR_ORDER.indexOf(b) + 99) % 100);
  const caption = t('version.perCompetition');
  return html`<h3>${caption}</h3><${DataTable} id="per-competition" caption=${caption} data=${{
    columns: [t('lineage.competitions'), t('metric.games'), ...names.map((p) => `${predictorLabel(p)} · ${t('metric.logLoss')}`)],
    rows: entries.map(([code, c]) => [code, int(c.n), ...names.map((p) => num(c.predictors[p]?.logLoss))]),
  }} />`;
}

function Reliability(props: { v: VersionDetail }) {
  const comparisons = props.v.evaluation.comparisons ?? {};
  const model = comparisons.all?.predictors.model ?? comparisons.closing?.predictors.model;
  if (!model) return html`<p>${t('version.noCalibration')}</p>`;
  const points = [
    ...reliabilityPoints(t('metric.model'), model.calibration.bins),
    ...(comparisons.closing?.predictors.closing ? reliabilityPoints(t('metric.closing'), comparisons.closing.predictors.closing.calibration.bins) : []),
  ];
  return html`<${Chart}
    id="reliability"
    help="calibration"
    title=${t('version.reliabilityTitle')}
    description=${t('version.reliabilityHelp', { ece: num(model.calibration.ece) })}
    plot=${() => ({
      width: 460, height: 400, grid: true,
      x: { domain: [0, 1], label: t('version.predicted') }, y: { domain: [0, 1], label: t('version.observed') },
      color: { legend: true, range: ['#1f5fa8', '#8a5a00'] },
      marks: [
        Plot.line([[0, 0], [1, 1]], { stroke: '#767676', strokeDasharray: '4 3' }),
        Plot.ruleX(points, { x: 'predicted', y1: 'lower', y2: 'upper', stroke: 'series', strokeOpacity: 0.6, strokeWidth: 3 }),
        Plot.line(points, { x: 'predicted', y: 'observed', stroke: 'series', z: 'series' }),
        Plot.dot(points, { x: 'predicted', y: 'observed', fill: 'series', r: 4, title: (d: { count: number }) => `n=${d.count}` }),
      ],
    })}
    table=${{ columns: [t('version.series'), t('version.predicted'), t('version.observed'), t('version.band'), t('metric.games')], rows: points.map((p) => [p.series, num(p.predicted, 3), num(p.observed, 3), `${num(p.lower, 3)} – ${num(p.upper, 3)}`, int(p.count)]) }}
  />`;
}

function BacktestSection(props: { data: VersionData }) {
  const { version, book, best, bestSummary, bookError } = props.data;
  if (!version.backtest) return html`<p>${t('version.noBacktest')}</p>`;
  const summaries: Array<[string, BacktestSummary]> = [[t('backtest.book'), version.backtest], ...(bestSummary ? [[t('backtest.best'), bestSummary] as [string, BacktestSummary]] : [])];
  const curve = [
    ...(book?.equity ?? []).map((e) => ({ ...e, prices: t('backtest.book'), at: new Date(e.kickoff) })),
    ...(best?.equity ?? []).map((e) => ({ ...e, prices: t('backtest.best'), at: new Date(e.kickoff) })),
  ];
  const clv = (book?.bets ?? []).filter((b) => b.clv !== null).map((b) => ({ clv: b.clv! }));
  const months = (book?.months ?? []).map((m) => ({ ...m, at: new Date(`${m.month}-01T00:00:00Z`) }));
  const colours = { legend: true, domain: [t('backtest.book'), t('backtest.best')], range: ['#1f5fa8', '#8a5a00'] };
  const sample = <T,>(xs: T[], max = 60) => (xs.length <= max ? xs : xs.filter((_, i) => i % Math.ceil(xs.length / max) === 0 || i === xs.length - 1));
  return html`
    <p class="muted">${t('backtest.pricesNote', { book: version.backtest.pricesDescription })}</p>
    <${Glossary} terms=${['yield', 'kelly', 'drawdown', 'clv']} />
    <${DataTable} id="backtest-summary" caption=${t('backtest.summary')} data=${{
      columns: [t('backtest.prices'), t('backtest.bets'), t('backtest.flatYield'), t('backtest.kellyYield'), t('backtest.flatMaxDrawdown'), t('backtest.clv'), t('backtest.everyOutcome'), t('backtest.random')],
      rows: summaries.map(([label, s]) => [label, int(s.bets), pct(s.flatYield), pct(s.kellyYield), num(s.flatMaxDrawdown, 2), pct(s.clv), pct(s.everyOutcomeYield), pct(s.randomYield)]),
    }} />
    ${bookError ? html`<${Problem} error=${bookError} />` : null}
    ${curve.length ? html`<div class="charts">
      <${Chart} id="equity" help="kelly" title=${t('backtest.equityTitle')} plot=${() => ({
        width: 560, height: 300, grid: true, color: colours,
        x: { type: 'utc', label: null }, y: { label: t('backtest.units') },
        marks: [Plot.ruleY([0]), Plot.line(curve, { x: 'at', y: 'flatProfit', stroke: 'prices', z: 'prices' })],
      })} table=${{ columns: [t('backtest.prices'), t('backtest.date'), t('backtest.flatProfit'), t('backtest.kellyBankroll')], rows: sample(curve).map((e) => [e.prices, date(e.kickoff), num(e.flatProfit, 2), num(e.kellyBankroll, 2)]) }} />
      <${Chart} id="drawdown" help="drawdown" title=${t('backtest.drawdownTitle')} plot=${() => ({
        width: 560, height: 220, grid: true, color: colours,
        x: { type: 'utc', label: null }, y: { label: t('backtest.units'), reverse: true },
        marks: [Plot.ruleY([0]), Plot.line(curve, { x: 'at', y: 'flatDrawdown', stroke: 'prices', z: 'prices' })],
      })} table=${{ columns: [t('backtest.prices'), t('backtest.date'), t('backtest.flatDrawdown')], rows: sample(curve).map((e) => [e.prices, date(e.kickoff), num(e.flatDrawdown, 2)]) }} />
      ${clv.length ? html`<${Chart} id="clv" help="clv" title=${t('backtest.clvTitle')} plot=${() => ({
        width: 460, height: 260, grid: true,
        x: { label: t('backtest.clvAxis'), tickFormat: '+%' }, y: { label: t('backtest.bets') },
        marks: [Plot.rectY(clv, { ...Plot.binX({ y: 'count' }, { x: 'clv', thresholds: 30 }), fill: '#1f5fa8' }), Plot.ruleX([0], { stroke: '#1a1a1a' })],
      })} table=${{ columns: [t('backtest.clvBin'), t('backtest.bets')], rows: clvHistogram(clv.map((c) => c.clv)) }} />` : null}
      <${Chart} id="months" help="yield" title=${t('backtest.monthsTitle')} plot=${() => ({
        width: 560, height: 240, grid: true,
        x: { type: 'band', label: null, tickFormat: (d: Date) => d.toISOString().slice(0, 7), ticks: 8 }, y: { label: t('backtest.bets') },
        marks: [Plot.barY(months, { x: 'at', y: 'bets', fill: '#1f5fa8' }), Plot.ruleY([0])],
      })} table=${{ columns: [t('backtest.month'), t('backtest.bets'), t('backtest.flatProfit'), t('backtest.turnover')], rows: months.map((m) => [m.month, int(m.bets), num(m.flatProfit, 2), num(m.turnover, 2)]) }} />
    </div>` : null}`;
}

function clvHistogram(values: number[], bins = 10): Array<[string, string]> {
  if (values.length === 0) return [];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  return counts.map((c, i) => [`${pct(lo + i * width, 1)} … ${pct(lo + (i + 1) * width, 1)}`, int(c)]);
}

function TrainingCurve(props: { v: VersionDetail }) {
  const history = props.v.evaluation.training?.history ?? [];
  if (history.length === 0) return null;
  const points = history.flatMap((h) => [
    { epoch: h.epoch, series: t('run.loss'), value: h.loss },
    ...(h.valLoss !== undefined && h.valLoss !== null ? [{ epoch: h.epoch, series: t('run.valLoss'), value: h.valLoss }] : []),
  ]);
  return html`<${Chart} id="training-curve" help="trainingLoss" title=${t('version.trainingCurve')} plot=${() => ({
    width: 460, height: 240, grid: true, color: { legend: true, range: ['#1f5fa8', '#8a5a00'] }, x: { label: t('run.epoch') }, y: { label: t('run.lossAxis') },
    marks: [Plot.line(points, { x: 'epoch', y: 'value', stroke: 'series', z: 'series' })],
  })} table=${{ columns: [t('run.epoch'), t('run.loss'), t('run.valLoss')], rows: history.map((h) => [h.epoch, num(h.loss), num(h.valLoss ?? null)]) }} />`;
}

function ImportanceSection(props: { importance: Importance | null }) {
  const imp = props.importance;
  if (!imp) return html`<p>${t('version.noImportance')}</p>`;
  const shap = imp.meanAbsShap.features.flatMap((f) => imp.classes.map((c) => ({ feature: f.name, cls: c, value: f.byClass[c] ?? 0 })));
  const totals = new Map(imp.meanAbsShap.features.map((f) => [f.name, Object.values(f.byClass).reduce((a, b) => a + b, 0)]));
  const order = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  const perm = [...imp.permutation.features].sort((a, b) => b.importance - a.importance);
  return html`<div class="charts">
    <${Chart} id="shap-importance" help="shap" title=${t('version.shapTitle')} description=${t('version.shapHelp', { rows: imp.meanAbsShap.rows })} plot=${() => ({
      width: 520, height: 30 + 22 * order.length, marginLeft: 130, grid: true, color: { legend: true, range: ['#1f5fa8', '#767676', '#8a5a00'] },
      y: { domain: order, label: null }, x: { label: t('version.meanAbsShap') },
      marks: [Plot.barX(shap, { y: 'feature', x: 'value', fill: 'cls' }), Plot.ruleX([0])],
    })} table=${{ columns: [t('version.feature'), ...imp.classes], rows: order.map((n) => [n, ...imp.classes.map((c) => num(imp.meanAbsShap.features.find((f) => f.name === n)!.byClass[c] ?? 0))]) }} />
    <${Chart} id="permutation-importance" help="permutation" title=${t('version.permutationTitle')} description=${t('version.permutationHelp', { repeats: imp.permutation.repeats })} plot=${() => ({
      width: 520, height: 30 + 22 * perm.length, marginLeft: 130, grid: true,
      y: { domain: perm.map((p) => p.name), label: null }, x: { label: t('version.logLossIncrease') },
      marks: [Plot.barX(perm, { y: 'name', x: 'importance', fill: '#1f5fa8' }), Plot.ruleY(perm, { y: 'name', x1: (d: { importance: number; std: number }) => d.importance - d.std, x2: (d: { importance: number; std: number }) => d.importance + d.std, stroke: '#1a1a1a' }), Plot.ruleX([0])],
    })} table=${{ columns: [t('version.feature'), t('version.logLossIncrease'), t('version.std')], rows: perm.map((p) => [p.name, num(p.importance), num(p.std)]) }} />
  </div>`;
}

function Artifacts(props: { v: VersionDetail }) {
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const base = `/v1/models/${seg(props.v.model)}/versions/${props.v.version}`;
  const get = async (path: string, label: string) => {
    setError(null);
    try {
      const digest = await downloadVerified(path);
      setStatus(t('version.downloaded', { name: label, sha: digest.slice(0, 16) }));
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const size = (bytes: number) => `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(bytes / 1024)} KiB`;
  return html`<div class="table-wrap"><table data-table="artifacts">
    <caption class="visually-hidden">${t('version.artifacts')}</caption>
    <thead><tr><th scope="col">${t('version.kind')}</th><th scope="col">${t('version.size')}</th><th scope="col">sha256</th><th scope="col"><span class="visually-hidden">${t('version.download')}</span></th></tr></thead>
    <tbody>
      ${props.v.artifacts.map((a: ArtifactInfo) => html`<tr><th scope="row">${a.kind}${a.name !== 'main' ? ` / ${a.name}` : ''}</th><td>${size(a.size)}</td><td class="hash">${a.sha256.slice(0, 20)}…</td>
        <td><button type="button" class="secondary" onClick=${() => get(`${base}/artifacts/${seg(a.kind)}${a.name !== 'main' ? `?part=${encodeURIComponent(a.name)}` : ''}`, a.kind)}>${t('version.downloadKind', { kind: a.kind })}</button></td></tr>`)}
      <tr><th scope="row">${t('version.modelCard')}</th><td>–</td><td>–</td><td><button type="button" class="secondary" onClick=${() => get(`${base}/card`, t('version.modelCard'))}>${t('version.downloadKind', { kind: t('version.modelCard') })}</button></td></tr>
    </tbody></table></div>
    <p role="status" class="muted">${status ?? ''}</p>
    ${error ? html`<${Problem} error=${error} />` : null}`;
}

export function VersionPage(props: { model: string; version: string }) {
  const loaded = useLoad(() => loadVersion(props.model, props.version), [props.model, props.version]);
  return html`<${Show} loaded=${loaded}>${(data: VersionData) => {
    const v = data.version;
    return html`<h1>${t('version.title', { model: v.model, version: v.version })}</h1>
      <p>
        <span class="badge">${v.status}</span> ${v.aliases.map((a) => html`<span class="badge">${a}</span> `)}
        ${v.statusMessage ? html`<span class="muted">${v.statusMessage}</span>` : null}
      </p>
      <p class="row">
        <a href=${href('models')}>${t('version.back')}</a>
        ${v.version > 1 ? html`<a href=${`#/compare?model=${encodeURIComponent(v.model)}&versions=${v.version - 1},${v.version}`}>${t('version.comparePrevious', { previous: v.version - 1 })}</a>` : null}
        <a href=${`#/explain?model=${encodeURIComponent(v.model)}&version=${v.version}`}>${t('version.explainGame')}</a>
      </p>
      <${Section} id="lineage" title=${t('version.lineage')}><${Lineage} v=${v} /><//>
      <${Section} id="metrics" title=${t('version.metrics')}><p class="muted">${t('version.metricsHelp')}</p><${Glossary} terms=${['logLoss', 'brier', 'rps', 'accuracy', 'ece']} /><${Metrics} v=${v} /><${PerCompetition} breakdown=${data.breakdown} /><//>
      <${Section} id="calibration" title=${t('version.calibration')}><div class="charts"><${Reliability} v=${v} /><${TrainingCurve} v=${v} /></div><//>
      <${Section} id="backtest" title=${t('version.backtest')}><${BacktestSection} data=${data} /><//>
      <${Section} id="importance" title=${t('version.importance')}><${ImportanceSection} importance=${data.importance} /><//>
      <${Section} id="artifacts" title=${t('version.artifacts')}><${Artifacts} v=${v} /><//>`;
  }}<//>`;
}
