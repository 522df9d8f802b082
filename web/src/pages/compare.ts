import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num, int, pct } from '../format.ts';
import { href, navigate } from '../router.ts';
import { html, Plot, Show, useLoad, Chart, DataTable, Section, Glossary } from '../ui.ts';
import { reliabilityPoints } from '../stats.ts';
import type { RegisteredModel, ReliabilityBin, VersionSummary } from '../types.ts';

interface Bootstrap { mean: number; lo: number; hi: number; level: number; n: number }
interface CompareBody {
  games: number;
  gamesPerVersion: number[];
  versions: Array<{ model: string; version: number; featureNames: string[]; scores: Record<string, number>; calibration: { ece: number; bins: ReliabilityBin[] } }>;
  differences: Array<{ against: number; version: number; scores: Record<string, Bootstrap> }>;
  lineageDiff: Array<{ version: number; field: string; first: unknown; this: unknown }>;
  featureDiff: Array<{ version: number; added: string[]; removed: string[] }>;
  bootstrap: { resamples: number; level: number; seed: number };
}

const SCORES = ['logLoss', 'brier', 'rps'] as const;

function Picker(props: { model: string; versions: string[] }) {
  const models = useLoad(() => api<{ models: RegisteredModel[] }>('/v1/models').then((r) => r.models), []);
  const [model, setModel] = useState(props.model);
  const [chosen, setChosen] = useState<string[]>(props.versions);
  const [available, setAvailable] = useState<VersionSummary[]>([]);
  useEffect(() => {
    if (!model) return setAvailable([]);
    api<{ versions: VersionSummary[] }>(`/v1/models/${seg(model)}/versions?status=READY`).then((r) => setAvailable(r.versions), () => setAvailable([]));
  }, [model]);
  useEffect(() => {
    if (!model && models.state === 'ok' && models.value[0]) setModel(models.value[0].name);
  }, [models.state]);
  const toggle = (v: string) => setChosen((c) => (c.includes(v) ? c.filter((x) => x !== v) : [...c, v]));
  const submit = (e: Event) => {
    e.preventDefault();
    navigate(`#/compare?model=${encodeURIComponent(model)}&versions=${[...chosen].sort((a, b) => Number(a) - Number(b)).join(',')}`);
  };
  return html`<form class="stack" onSubmit=${submit} aria-describedby="compare-help">
    <p id="compare-help" class="muted">${t('compare.help')}</p>
    <label for="compare-model">${t('models.model')}</label>
    <select id="compare-model" value=${model} onChange=${(e: Event) => { setModel((e.target as HTMLSelectElement).value); setChosen([]); }}>
      ${models.state === 'ok' ? models.value.map((m) => html`<option value=${m.name}>${m.name}</option>`) : null}
    </select>
    <fieldset><legend>${t('compare.versions')}</legend>
      ${available.map((v) => html`<label class="check"><input type="checkbox" checked=${chosen.includes(String(v.version))} onChange=${() => toggle(String(v.version))} /> v${v.version} <span class="muted">(${num(v.metrics.logLoss)})</span></label> `)}
    </fieldset>
    <div><button type="submit" disabled=${chosen.length < 2}>${t('compare.submit')}</button></div>
  </form>`;
}

function Result(props: { body: CompareBody }) {
  const b = props.body;
  const first = b.versions[0]!;
  const label = (v: { model: string; version: number }) => (v.model === first.model ? `v${v.version}` : `${v.model} v${v.version}`);
  const points = b.versions.flatMap((v) => reliabilityPoints(label(v), v.calibration.bins));
  return html`
    <p>${t('compare.sameGames', { n: int(b.games), level: pct(b.bootstrap.level, 0).replace('+', ''), resamples: int(b.bootstrap.resamples) })}</p>
    <${Glossary} terms=${['logLoss', 'brier', 'ece']} />
    <${DataTable} id="compare-scores" caption=${t('compare.scores')} data=${{
      columns: [t('compare.version'), ...SCORES.map((s) => t(`metric.${s}`)), t('metric.ece')],
      rows: b.versions.map((v) => [label(v), ...SCORES.map((s) => num(v.scores[s])), num(v.calibration.ece)]),
    }} />
    <h3>${t('compare.differences')}</h3>
    <p class="muted">${t('compare.differencesHelp')}</p>
    <${DataTable} id="compare-differences" caption=${t('compare.differences')} data=${{
      columns: [t('compare.version'), t('compare.score'), t('compare.difference'), t('compare.interval'), t('compare.verdict')],
      rows: b.differences.flatMap((d) => SCORES.map((s) => {
        const x = d.scores[s]!;
        return [`v${d.version} − v${d.against}`, t(`metric.${s}`), num(x.mean, 5), `${num(x.lo, 5)} … ${num(x.hi, 5)}`, x.hi < 0 ? t('compare.better') : x.lo > 0 ? t('compare.worse') : t('compare.noise')];
      })),
    }} />
    <div class="charts">
      <${Chart} id="compare-calibration" help="calibration" title=${t('compare.calibrationTitle')} plot=${() => ({
        width: 460, height: 400, grid: true, color: { legend: true }, x: { domain: [0, 1], label: t('version.predicted') }, y: { domain: [0, 1], label: t('version.observed') },
        marks: [Plot.line([[0, 0], [1, 1]], { stroke: '#767676', strokeDasharray: '4 3' }), Plot.ruleX(points, { x: 'predicted', y1: 'lower', y2: 'upper', stroke: 'series', strokeOpacity: 0.5, strokeWidth: 3 }), Plot.line(points, { x: 'predicted', y: 'observed', stroke: 'series', z: 'series' }), Plot.dot(points, { x: 'predicted', y: 'observed', fill: 'series', r: 3 })],
      })} table=${{ columns: [t('version.series'), t('version.predicted'), t('version.observed'), t('version.band'), t('metric.games')], rows: points.map((p) => [p.series, num(p.predicted, 3), num(p.observed, 3), `${num(p.lower, 3)} – ${num(p.upper, 3)}`, int(p.count)]) }} />
    </div>
    <${Section} id="compare-lineage" title=${t('compare.lineageDiff')}>
      ${b.lineageDiff.length === 0 ? html`<p>${t('compare.sameLineage')}</p>` : html`<${DataTable} id="compare-lineage-table" caption=${t('compare.lineageDiff')} data=${{
        columns: [t('compare.field'), label(first), t('compare.version'), t('compare.value')],
        rows: b.lineageDiff.map((d) => [d.field, JSON.stringify(d.first), `v${d.version}`, JSON.stringify(d.this)]),
      }} />`}
      ${b.featureDiff.map((d) => html`<p><strong>v${d.version}</strong>: ${d.added.length || d.removed.length ? html`${t('compare.added')} ${d.added.join(', ') || '–'}; ${t('compare.removed')} ${d.removed.join(', ') || '–'}` : t('compare.sameFeatures')}</p>`)}
    <//>
    <p>${b.versions.map((v) => html`<a href=${href('models', v.model, 'versions', v.version)}>${t('compare.open', { version: label(v) })}</a> `)}</p>`;
}

export function ComparePage(props: { model: string; versions: string[] }) {
  const ready = props.model && props.versions.length >= 2;
  const loaded = useLoad(
    () => (ready ? api<CompareBody>(`/v1/compare?model=${encodeURIComponent(props.model)}&versions=${props.versions.map(encodeURIComponent).join(',')}`) : Promise.resolve(null)),
    [props.model, props.versions.join(',')],
  );
  return html`<h1>${t('compare.title')}</h1>
    <${Picker} model=${props.model} versions=${props.versions} key=${props.model} />
    ${ready ? html`<${Show} loaded=${loaded}>${(body: CompareBody | null) => (body ? html`<${Result} body=${body} />` : null)}<//>` : null}`;
}
