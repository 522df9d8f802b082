import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, probe, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { dateTime, int, num } from '../format.ts';
import { html, Plot, Show, useLoad, Chart, DataTable, Problem, Section, Glossary } from '../ui.ts';
import type { RegisteredModel } from '../types.ts';

/** GET /v1/drift and GET /v1/models/:name/drift (src/http/routes/drift.routes.ts). */
interface DriftReport {
  model: string;
  version: number;
  aliases: string[];
  computedAt: string;
  window: { from: string; to: string; days: number };
  features: {
    reference: 'stored' | 'missing';
    referenceRows: number | null;
    rows: { log: number; stored: number; total: number; skipped: number; unreadable: number };
    judged: boolean;
    psi: Array<{ feature: string; psi: number }>;
    worst: { feature: string; psi: number } | null;
  };
  live: {
    games: number;
    judged: boolean;
    model: { logLoss: number; calibrationError: number } | null;
    market: { games: number; logLoss: number; modelLogLoss: number; gap: number } | null;
  };
  thresholds: { windowDays: number; psiWarn: number; minRows: number; logLossGapWarn: number; eceWarn: number; minGames: number; reportMaxAgeHours: number };
  warnings: string[];
}

/** GET /v1/live-evaluations: the evaluate step's latest score of a version. */
interface LiveEvaluation {
  model: string;
  version: number;
  asOf: string;
  games: number;
  since: string;
  aliases: string[];
  logLoss: number;
  calibrationError: number | null;
  market: { games: number; logLoss: number; modelLogLoss: number } | null;
  evaluatedAt: string;
}

interface Readiness {
  status: string;
  checks: Record<string, string>;
  warnings?: string[];
}

interface Served {
  model: string;
  version: number;
  aliases: string[];
  report: DriftReport | null;
  live: LiveEvaluation | null;
}

interface DriftView {
  served: Served[];
  readiness: { status: number; body: Readiness } | { error: ApiError };
  maxAgeHours: number | null;
}

const key = (model: string, version: number) => `${model} v${version}`;

/**
 * Every served version (an alias points at it), with its latest stored drift report and live
 * evaluation; versions with a report or evaluation but no alias any more come after.
 */
async function loadDrift(): Promise<DriftView> {
  const [{ models }, drift, live, readiness] = await Promise.all([
    api<{ models: RegisteredModel[] }>('/v1/models'),
    api<{ reports: DriftReport[]; warnings: string[] }>('/v1/drift'),
    api<{ evaluations: LiveEvaluation[] }>('/v1/live-evaluations'),
    probe<Readiness>('/readyz').catch((error: ApiError) => ({ error })),
  ]);
  const served = new Map<string, Served>();
  const entry = (model: string, version: number) => {
    const k = key(model, version);
    if (!served.has(k)) served.set(k, { model, version, aliases: [], report: null, live: null });
    return served.get(k)!;
  };
  for (const m of models) {
    const aliases = Object.entries(m.aliases).sort(([a], [b]) => (a === 'champion' ? -1 : b === 'champion' ? 1 : a.localeCompare(b)));
    for (const [alias, version] of aliases) entry(m.name, version).aliases.push(alias);
  }
  for (const r of drift.reports) entry(r.model, r.version).report = r;
  for (const e of live.evaluations) entry(e.model, e.version).live = e;
  const maxAgeHours = drift.reports[0]?.thresholds.reportMaxAgeHours ?? null;
  return { served: [...served.values()], readiness, maxAgeHours };
}

function ReadinessPanel(props: { readiness: DriftView['readiness'] }) {
  const r = props.readiness;
  if ('error' in r) return html`<${Problem} error=${r.error} />`;
  const check = r.body.checks?.drift ?? 'unknown';
  const warns = check.startsWith('warn');
  return html`<div class=${warns ? 'problem' : 'ok'} data-readiness=${warns ? 'warn' : 'ok'}>
    <p><strong>${warns ? t('drift.readyWarns') : t('drift.readyQuiet')}</strong> ${t('drift.readyCheck', { status: r.status })} <code data-readyz-drift>${check}</code></p>
    ${r.body.warnings?.length ? html`<ul lang="en">${r.body.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : null}
  </div>`;
}

function PsiChart(props: { id: string; report: DriftReport }) {
  const { psi } = props.report.features;
  const warn = props.report.thresholds.psiWarn;
  const rows = [...psi].sort((a, b) => b.psi - a.psi).map((p) => ({ ...p, above: p.psi >= warn }));
  const above = rows.filter((r) => r.above);
  const aboveLabel = t('drift.aboveThreshold', { threshold: num(warn, 2) });
  const belowLabel = t('drift.belowThreshold', { threshold: num(warn, 2) });
  return html`
    <${Chart} id=${props.id} help="psi" title=${t('drift.psiTitle')} description=${t('drift.psiHelp', { threshold: num(warn, 2) })} plot=${() => ({
      width: 560, height: 56 + 22 * rows.length, marginLeft: 140, marginTop: 28, grid: true,
      color: { legend: true, domain: [aboveLabel, belowLabel], range: ['#a1260d', '#1f5fa8'] },
      y: { domain: rows.map((r) => r.feature), label: null },
      x: { type: 'sqrt', label: t('drift.psiAxis') },
      marks: [
        Plot.barX(rows, { y: 'feature', x: 'psi', fill: (d: { above: boolean }) => (d.above ? aboveLabel : belowLabel) }),
        Plot.ruleX([warn], { stroke: '#1a1a1a', strokeDasharray: '4 3', strokeWidth: 2 }),
        Plot.text([warn], { x: (d: number) => d, frameAnchor: 'top', dy: -12, text: () => t('drift.thresholdMark', { threshold: num(warn, 2) }), textAnchor: 'start', dx: 4 }),
        Plot.ruleX([0]),
      ],
    })} table=${{
      columns: [t('drift.feature'), t('drift.psi'), t('drift.verdict')],
      rows: rows.map((r) => [r.feature, num(r.psi, 3), r.above ? aboveLabel : belowLabel]),
    }} />
    <p data-psi-above=${above.length}>${above.length
      ? html`<strong class="neg">${t('drift.featuresAbove', { n: above.length, threshold: num(warn, 2) })}</strong> ${above.map((r, i) => html`${i ? ', ' : ''}<span data-feature-above=${r.feature}><code>${r.feature}</code> (${num(r.psi, 3)})</span>`)}`
      : t('drift.noFeatureAbove', { threshold: num(warn, 2) })}</p>`;
}

function ReportView(props: { s: Served; report: DriftReport }) {
  const r = props.report;
  const id = `${r.model}-v${r.version}`;
  const th = r.thresholds;
  const gapWarns = r.live.judged && r.live.market && r.live.market.gap > th.logLossGapWarn;
  const eceWarns = r.live.judged && r.live.model && r.live.model.calibrationError >= th.eceWarn;
  return html`<div data-report=${id}>
    <p>${t('drift.computed', { when: dateTime(r.computedAt), days: r.window.days })}
      ${' '}${t('drift.rows', { total: int(r.features.rows.total), log: int(r.features.rows.log), stored: int(r.features.rows.stored) })}
      ${r.features.referenceRows !== null ? html` ${t('drift.reference', { rows: int(r.features.referenceRows) })}` : null}</p>
    ${r.features.reference === 'missing'
      ? html`<p>${t('drift.noReference')}</p>`
      : html`${r.features.judged ? null : html`<p class="muted">${t('drift.notJudgedRows', { min: int(th.minRows) })}</p>`}
        <${PsiChart} id=${`psi-${id}`} report=${r} />`}
    <h3>${t('drift.liveWindowTitle', { days: r.window.days })}</h3>
    ${r.live.games === 0 || !r.live.model
      ? html`<p>${t('drift.noLiveGames')}</p>`
      : html`${r.live.judged ? null : html`<p class="muted">${t('drift.notJudgedGames', { min: int(th.minGames) })}</p>`}
        <${DataTable} id=${`drift-live-${id}`} caption=${t('drift.liveWindowTitle', { days: r.window.days })} data=${{
          columns: [t('drift.measure'), t('drift.value'), t('drift.threshold')],
          rows: [
            [t('drift.games'), int(r.live.games), `≥ ${int(th.minGames)}`],
            [t('drift.modelLogLoss'), num(r.live.model.logLoss), '–'],
            [t('drift.marketGames'), r.live.market ? int(r.live.market.games) : '–', '–'],
            [t('drift.modelLogLossSame'), r.live.market ? num(r.live.market.modelLogLoss) : '–', '–'],
            [t('drift.marketLogLoss'), r.live.market ? num(r.live.market.logLoss) : '–', '–'],
            [t('drift.gap'), r.live.market ? `${num(r.live.market.gap)}${gapWarns ? ` — ${t('drift.warns')}` : ''}` : '–', `> ${num(th.logLossGapWarn, 2)}`],
            [t('drift.ece'), `${num(r.live.model.calibrationError)}${eceWarns ? ` — ${t('drift.warns')}` : ''}`, `≥ ${num(th.eceWarn, 2)}`],
          ],
        }} />`}
    ${r.warnings.length
      ? html`<div class="problem" data-warnings=${r.warnings.length}><strong>${t('drift.warningsTitle', { n: r.warnings.length })}</strong><ul lang="en">${r.warnings.map((w) => html`<li>${w}</li>`)}</ul></div>`
      : html`<p class="ok" data-warnings="0">${t('drift.noWarnings')}</p>`}
  </div>`;
}

function LiveEvaluationView(props: { live: LiveEvaluation | null; id: string }) {
  const e = props.live;
  if (!e) return html`<p>${t('drift.noEvaluation')}</p>`;
  return html`<p>${t('drift.evaluated', { games: int(e.games), since: dateTime(e.since), asOf: dateTime(e.asOf), when: dateTime(e.evaluatedAt) })}</p>
    <${DataTable} id=${`live-${props.id}`} caption=${t('drift.evaluationTitle')} data=${{
      columns: [t('drift.measure'), t('drift.model'), t('drift.market')],
      rows: [
        [t('drift.logLossAll', { games: int(e.games) }), num(e.logLoss), '–'],
        [t('drift.logLossSame', { games: e.market ? int(e.market.games) : '0' }), e.market ? num(e.market.modelLogLoss) : '–', e.market ? num(e.market.logLoss) : '–'],
        [t('drift.ece'), num(e.calibrationError), '–'],
      ],
    }} />`;
}

/** Live log loss of each evaluated version beside the market's on the same finished games. */
function LiveChart(props: { served: Served[] }) {
  const rows = props.served.filter((s) => s.live?.market).map((s) => ({ label: key(s.model, s.version), e: s.live! }));
  if (rows.length === 0) return null;
  const modelLabel = t('drift.model');
  const marketLabel = t('drift.market');
  const points = rows.flatMap((r) => [
    { version: r.label, predictor: modelLabel, logLoss: r.e.market!.modelLogLoss },
    { version: r.label, predictor: marketLabel, logLoss: r.e.market!.logLoss },
  ]);
  return html`<${Chart} id="live-vs-market" help="logLoss" title=${t('drift.liveChartTitle')} description=${t('drift.liveChartHelp')} plot=${() => ({
    width: 560, height: 40 + 44 * rows.length, marginLeft: 110, grid: true,
    color: { legend: true, domain: [modelLabel, marketLabel], range: ['#1f5fa8', '#8a5a00'] },
    fy: { label: null }, y: { axis: null, domain: [modelLabel, marketLabel] }, x: { label: t('drift.logLossAxis') },
    marks: [Plot.barX(points, { fy: 'version', y: 'predictor', x: 'logLoss', fill: 'predictor' }), Plot.ruleX([0])],
  })} table=${{
    columns: [t('drift.version'), t('drift.marketGames'), t('drift.model'), t('drift.market'), t('drift.gap'), t('drift.ece')],
    rows: rows.map((r) => [r.label, int(r.e.market!.games), num(r.e.market!.modelLogLoss), num(r.e.market!.logLoss), num(r.e.market!.modelLogLoss - r.e.market!.logLoss), num(r.e.calibrationError)]),
  }} />`;
}

function ServedSection(props: { s: Served; maxAgeHours: number | null; onChecked: (report: DriftReport) => void }) {
  const { s } = props;
  const id = `${s.model}-v${s.version}`;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const check = async () => {
    setBusy(true);
    setError(null);
    try {
      // Computes and stores the report (the same use case as `sharpline drift check`).
      props.onChecked(await api<DriftReport>(`/v1/models/${seg(s.model)}/drift?version=${s.version}`));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
      setBusy(false);
    }
  };
  const title = s.aliases.length ? t('drift.servedTitle', { model: s.model, version: s.version, aliases: s.aliases.join(', ') }) : t('drift.unservedTitle', { model: s.model, version: s.version });
  return html`<${Section} id=${`drift-${id}`} title=${title}>
    <div data-served=${id}>
      ${s.report ? html`<${ReportView} s=${s} report=${s.report} />` : html`<p data-no-report>${props.maxAgeHours === null ? t('drift.noReport') : t('drift.noRecentReport', { hours: props.maxAgeHours })}</p>`}
      <p><button type="button" class="secondary" data-action="check" disabled=${busy} onClick=${check}>${busy ? t('drift.checking') : t('drift.checkNow', { model: s.model, version: s.version })}</button></p>
      ${error ? html`<${Problem} error=${error} />` : null}
      <h3>${t('drift.evaluationTitle')}</h3>
      <${LiveEvaluationView} live=${s.live} id=${id} />
    </div>
  <//>`;
}

/**
 * Drift: per served version, PSI per feature of the rows it served against its training
 * distribution (threshold marked), the live score beside the market on the same finished games
 * (the drift report's window and the evaluate step's latest), and what /readyz says now.
 */
export function DriftPage() {
  const [round, setRound] = useState(0);
  const loaded = useLoad(loadDrift, [round]);
  const [last, setLast] = useState<DriftView | null>(null);
  const [checked, setChecked] = useState<DriftReport | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (loaded.state === 'ok') setLast(loaded.value);
  }, [loaded]);
  // The button pressed is re-drawn with the new report: focus goes to the line saying what happened.
  useEffect(() => {
    if (checked) noticeRef.current?.focus();
  }, [checked]);
  const onChecked = (report: DriftReport) => {
    setChecked(report);
    setRound((r) => r + 1);
  };
  // While a reload runs, or when it fails, the page keeps what it showed (no flash of "loading" after a check).
  const shown = loaded.state !== 'ok' && last ? { state: 'ok' as const, value: last } : loaded;
  return html`<h1>${t('drift.title')}</h1>
    <p class="muted">${t('drift.intro')}</p>
    <p role="status" tabindex="-1" ref=${noticeRef} data-notice=${checked ? key(checked.model, checked.version) : ''}>${checked
      ? t('drift.checkedNotice', { model: checked.model, version: checked.version, n: checked.warnings.length })
      : ''}</p>
    <p><button type="button" class="secondary" data-action="refresh" onClick=${() => setRound((r) => r + 1)}>${t('drift.refresh')}</button></p>
    ${loaded.state === 'error' && last ? html`<${Problem} error=${loaded.error} />` : null}
    <${Show} loaded=${shown}>${(view: DriftView) => html`
      <${Section} id="drift-readiness" title=${t('drift.readinessTitle')}><${ReadinessPanel} readiness=${view.readiness} /><//>
      ${view.served.length === 0 ? html`<p>${t('drift.noneServed')}</p>` : null}
      ${view.served.some((s) => s.live?.market) ? html`<${Section} id="drift-live" title=${t('drift.liveTitle')}><${LiveChart} served=${view.served} /><//>` : null}
      ${view.served.map((s) => html`<${ServedSection} key=${`${key(s.model, s.version)} ${s.report?.computedAt ?? ''}`} s=${s} maxAgeHours=${view.maxAgeHours} onChecked=${onChecked} />`)}
      <${Glossary} terms=${['psi', 'logLoss', 'ece']} />
      <p class="muted small">${t('drift.cli')} <code>${'sharpline drift check <model> · sharpline drift run · sharpline drift live'}</code></p>`}<//>`;
}
