import { api, ApiError } from '../api.ts';
import { t } from '../i18n.ts';
import { dateTime, int, num } from '../format.ts';
import { href } from '../router.ts';
import { html, Show, useLoad, Section } from '../ui.ts';

/** GET /v1/sweeps: a sweep's trial (src/http/routes/sweeps.routes.ts). */
interface SweepTrial {
  trial: number;
  params: Record<string, unknown>;
  runId: string;
  status: string;
  model: string | null;
  version: number | null;
  validationLogLoss: number | null;
  testLogLoss: number | null;
  error: { code: string; message: string } | null;
}

interface Sweep {
  id: string;
  model: string;
  status: 'running' | 'succeeded' | 'failed';
  search: 'grid' | 'random';
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  counts: { trials: number; queued: number; running: number; succeeded: number; failed: number; cancelled: number };
  trials: SweepTrial[];
  best: SweepTrial | null;
  alias: { name: string; version: number | null; error?: string } | null;
  error: { code: string; message: string } | null;
}

const params = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');

/** The counts of a sweep's trials by status, the ones there are only. */
function counts(s: Sweep): string {
  const parts = (['succeeded', 'failed', 'running', 'queued', 'cancelled'] as const).filter((k) => s.counts[k] > 0).map((k) => `${int(s.counts[k])} ${t(`run.status.${k}`)}`);
  return t('sweeps.trialsOf', { n: int(s.counts.trials), parts: parts.join(', ') || '–' });
}

function TrialsTable(props: { sweep: Sweep }) {
  const s = props.sweep;
  const caption = t('sweeps.trialsTitle', { id: s.id });
  return html`<details class="sweep-trials"><summary>${caption}</summary>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
      <table data-table=${`sweep-${s.id}-trials`}>
        <caption class="visually-hidden">${caption}</caption>
        <thead><tr>
          <th scope="col">${t('sweeps.trial')}</th><th scope="col">${t('sweeps.params')}</th><th scope="col">${t('run.statusLabel')}</th>
          <th scope="col">${t('sweeps.validation')}</th><th scope="col">${t('sweeps.test')}</th><th scope="col">${t('sweeps.run')}</th>
        </tr></thead>
        <tbody>${s.trials.map((x) => html`<tr data-trial=${x.trial}>
          <th scope="row">${x.trial}${s.best?.trial === x.trial ? html` <strong>${t('sweeps.bestMark')}</strong>` : null}</th>
          <td><code>${params(x.params)}</code></td>
          <td>${t(`run.status.${x.status}`)}${x.error ? html` <span class="neg" lang="en">${x.error.code}</span>` : null}</td>
          <td>${num(x.validationLogLoss)}</td>
          <td>${num(x.testLogLoss)}</td>
          <td><a href=${href('runs', x.runId)}>${x.runId.slice(0, 12)}</a></td>
        </tr>`)}</tbody>
      </table>
    </div>
  </details>`;
}

/**
 * Hyper-parameter sweeps as GET /v1/sweeps lists them: each one unit over its trials' training
 * runs, the best chosen on the validation slice only (its test log loss shown, never used).
 */
export function SweepsSection(props: { round: number }) {
  const loaded = useLoad(() => api<{ sweeps: Sweep[] }>('/v1/sweeps?limit=20').then((r) => r.sweeps, (e: ApiError) => {
    // A server without sweeps has none to show.
    if (e.status === 404 && e.code === 'NOT_FOUND') return [];
    throw e;
  }), [props.round]);
  return html`<${Section} id="sweeps-title" title=${t('sweeps.title')}>
    <p class="muted">${t('sweeps.intro')}</p>
    <${Show} loaded=${loaded}>${(sweeps: Sweep[]) => sweeps.length === 0
      ? html`<p>${t('sweeps.none')}</p>`
      : html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('sweeps.title')}>
          <table data-table="sweeps">
            <caption class="visually-hidden">${t('sweeps.title')}</caption>
            <thead><tr>
              <th scope="col">${t('sweeps.sweep')}</th><th scope="col">${t('run.model')}</th><th scope="col">${t('sweeps.search')}</th>
              <th scope="col">${t('run.statusLabel')}</th><th scope="col">${t('sweeps.trials')}</th><th scope="col">${t('sweeps.best')}</th>
              <th scope="col">${t('sweeps.validation')}</th><th scope="col">${t('sweeps.test')}</th><th scope="col">${t('run.by')}</th><th scope="col">${t('run.created')}</th>
            </tr></thead>
            <tbody>${sweeps.map((s) => html`<tr data-sweep=${s.id}>
              <th scope="row"><code>${s.id.slice(0, 12)}</code></th>
              <td>${s.model}${s.alias?.version ? html` <span class="badge">${s.alias.name} → v${s.alias.version}</span>` : null}</td>
              <td>${t(`sweeps.searchKind.${s.search}`)}</td>
              <td>${t(`run.status.${s.status}`)}${s.error ? html` <span class="neg" lang="en">${s.error.code}</span>` : null}</td>
              <td>${counts(s)}</td>
              <td>${s.best ? html`#${s.best.trial} <code>${params(s.best.params)}</code>${s.best.version ? html` <a href=${href('models', s.best.model ?? s.model, 'versions', s.best.version)}>v${s.best.version}</a>` : null}` : '–'}</td>
              <td>${num(s.best?.validationLogLoss)}</td>
              <td>${num(s.best?.testLogLoss)}</td>
              <td>${s.createdBy}</td>
              <td>${dateTime(s.createdAt)}</td>
            </tr>`)}</tbody>
          </table>
        </div>
        ${sweeps.map((s) => html`<${TrialsTable} sweep=${s} />`)}`}<//>
    <p class="muted small">${t('operations.cli')} <code>${'sharpline sweeps submit <spec.json> · sharpline sweeps list · sharpline sweeps show <id> · sharpline sweeps best <id>'}</code></p>
  <//>`;
}
