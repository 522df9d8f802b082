import { api, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num, int, dateTime } from '../format.ts';
import { href } from '../router.ts';
import { html, Plot, Show, useLoad, Chart } from '../ui.ts';
import type { RegisteredModel, VersionSummary } from '../types.ts';
import { Onboarding } from './onboarding.ts';

interface ModelRow {
  model: RegisteredModel;
  versions: VersionSummary[];
}

async function loadModels(): Promise<ModelRow[]> {
  const { models } = await api<{ models: RegisteredModel[] }>('/v1/models');
  return Promise.all(models.map(async (model) => {
    const { versions } = await api<{ versions: VersionSummary[] }>(`/v1/models/${seg(model.name)}/versions?limit=200`);
    return { model, versions };
  }));
}

/** Log loss of each READY version beside the markets' on the same games, oldest first. */
function Sparkline(props: { row: ModelRow }) {
  const ready = props.row.versions.filter((v) => v.status === 'READY' && Number.isFinite(v.metrics.logLoss)).sort((a, b) => a.version - b.version);
  if (ready.length === 0) return html`<span class="muted">${t('models.noReady')}</span>`;
  const points = ready.flatMap((v) => [
    { version: v.version, series: t('metric.model'), logLoss: v.metrics.logLoss },
    ...(Number.isFinite(v.metrics.closingLogLoss) ? [{ version: v.version, series: t('metric.closing'), logLoss: v.metrics.closingLogLoss }] : []),
  ]);
  return html`<${Chart}
    id=${`spark-${props.row.model.name}`}
    help="logLoss"
    title=${t('models.sparkTitle', { model: props.row.model.name })}
    plot=${() => ({
      width: 220, height: 70, marginLeft: 40, marginBottom: 20,
      x: { label: null, tickFormat: 'd', ticks: Math.min(ready.length, 4) },
      y: { label: null, ticks: 2 },
      color: { legend: false, domain: [t('metric.model'), t('metric.closing')], range: ['#1f5fa8', '#8a5a00'] },
      marks: [Plot.lineY(points, { x: 'version', y: 'logLoss', stroke: 'series', z: 'series' }), Plot.dot(points, { x: 'version', y: 'logLoss', fill: 'series', r: 2 })],
    })}
    table=${{ columns: [t('version.version'), t('metric.model'), t('metric.closing')], rows: ready.map((v) => [v.version, num(v.metrics.logLoss), num(v.metrics.closingLogLoss)]) }}
  />`;
}

export function ModelsPage() {
  const loaded = useLoad(loadModels, []);
  return html`<h1>${t('models.title')}</h1>
    <p class="muted">${t('models.intro')}</p>
    <${Show} loaded=${loaded}>${(rows: ModelRow[]) => rows.length === 0
      ? html`<p>${t('models.none')}</p><${Onboarding} />`
      : html`<div class="table-wrap"><table class="models" data-table="models">
        <caption class="visually-hidden">${t('models.title')}</caption>
        <thead><tr>
          <th scope="col">${t('models.model')}</th><th scope="col">${t('models.aliases')}</th><th scope="col">${t('models.latest')}</th>
          <th scope="col">${t('metric.logLoss')}</th><th scope="col">${t('metric.closing')}</th><th scope="col">${t('metric.preclosing')}</th>
          <th scope="col">${t('models.trend')}</th>
        </tr></thead>
        <tbody>${rows.map((row) => {
          const latest = row.versions.filter((v) => v.status === 'READY').sort((a, b) => b.version - a.version)[0];
          const m = latest?.metrics ?? {};
          return html`<tr>
            <th scope="row"><a href=${latest ? href('models', row.model.name, 'versions', latest.version) : href('models')}>${row.model.name}</a>
              <div class="muted small">${row.model.description}</div></th>
            <td>${Object.entries(row.model.aliases).map(([alias, v]) => html`<a class="badge" href=${href('models', row.model.name, 'versions', v)}>${alias} → v${v}</a> `)}</td>
            <td>${latest ? html`<a href=${href('models', row.model.name, 'versions', latest.version)}>v${latest.version}</a><div class="muted small">${dateTime(latest.createdAt)} · ${int(m.testGames)} ${t('models.games')}</div>` : '–'}</td>
            <td>${num(m.logLoss)}</td><td>${num(m.closingLogLoss)}</td><td>${num(m.preclosingLogLoss)}</td>
            <td><${Sparkline} row=${row} /></td>
          </tr>`;
        })}</tbody>
      </table></div>`}<//>`;
}
