import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { dateTime, duration } from '../format.ts';
import { html, Show, useLoad, DataTable, Problem, Section } from '../ui.ts';
import { can, type Principal } from '../session.ts';
import { SweepsSection } from './sweeps.ts';

/** GET /v1/schedules: one scheduled step (src/http/routes/schedules.routes.ts). */
interface Schedule {
  name: string;
  summary: string;
  everyMs: number;
  paused: boolean;
  lastRunAt: string | null;
  lastResult: Record<string, unknown> | null;
  lastError: string | null;
  next: string | null;
  updatedBy: string | null;
}

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

interface Notice {
  name: string;
  paused: boolean;
}

/** The schedules' audit trail (`schedule.paused`, `schedule.resumed`), for the roles that read the audit log. */
function ScheduleAudit(props: { round: number }) {
  const loaded = useLoad(() => api<{ entries: AuditEntry[] }>('/v1/audit?action=schedule&limit=20').then((r) => r.entries), [props.round]);
  return html`<${Section} id="schedule-audit-title" title=${t('operations.auditTitle')}>
    <p class="muted">${t('operations.auditIntro')}</p>
    <${Show} loaded=${loaded}>${(entries: AuditEntry[]) => entries.length === 0
      ? html`<p>${t('operations.auditNone')}</p>`
      : html`<${DataTable} id="schedule-audit" caption=${t('operations.auditTitle')} data=${{
        columns: [t('operations.when'), t('operations.who'), t('operations.change'), t('operations.step')],
        rows: entries.map((e) => [dateTime(e.at), e.actor, t(`operations.audit.${e.action === 'schedule.paused' ? 'paused' : e.action === 'schedule.resumed' ? 'resumed' : 'other'}`, { action: e.action }), e.target ?? '–']),
      }} />`}<//>
  <//>`;
}

function SchedulesTable(props: { schedules: Schedule[]; principal: Principal; busy: string | null; onSet: (name: string, paused: boolean) => void }) {
  const operate = can.operate(props.principal);
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('operations.schedulesTitle')}>
    <table data-table="schedules">
      <caption class="visually-hidden">${t('operations.schedulesTitle')}</caption>
      <thead><tr>
        <th scope="col">${t('operations.step')}</th>
        <th scope="col">${t('operations.cadence')}</th>
        <th scope="col">${t('operations.state')}</th>
        <th scope="col">${t('operations.lastRun')}</th>
        <th scope="col">${t('operations.next')}</th>
        <th scope="col">${t('operations.lastError')}</th>
        <th scope="col">${t('operations.lastResult')}</th>
        <th scope="col">${t('operations.changedBy')}</th>
        ${operate ? html`<th scope="col">${t('operations.actions')}</th>` : null}
      </tr></thead>
      <tbody>${props.schedules.map((s) => html`<tr data-schedule=${s.name} data-paused=${String(s.paused)}>
        <th scope="row"><code>${s.name}</code><div class="muted small schedule-summary" lang="en">${s.summary}</div></th>
        <td>${t('operations.every', { duration: duration(s.everyMs) })}</td>
        <td>${s.paused ? html`<strong class="neg">${t('operations.paused')}</strong>` : t('operations.active')}</td>
        <td>${s.lastRunAt ? dateTime(s.lastRunAt) : t('operations.never')}</td>
        <td>${s.next ? dateTime(s.next) : '–'}</td>
        <td>${s.lastError ? html`<span class="neg" lang="en">${s.lastError}</span>` : '–'}</td>
        <td>${s.lastResult ? html`<details class="result"><summary>${t('operations.showResult')}<span class="visually-hidden"> ${s.name}</span></summary><pre tabindex="0">${JSON.stringify(s.lastResult, null, 1)}</pre></details>` : '–'}</td>
        <td>${s.updatedBy ?? '–'}</td>
        ${operate ? html`<td>${s.paused
          ? html`<button type="button" data-action="resume" disabled=${props.busy !== null} aria-label=${t('operations.resumeStep', { step: s.name })} onClick=${() => props.onSet(s.name, false)}>${t('operations.resume')}</button>`
          : html`<button type="button" class="secondary" data-action="pause" disabled=${props.busy !== null} aria-label=${t('operations.pauseStep', { step: s.name })} onClick=${() => props.onSet(s.name, true)}>${t('operations.pause')}</button>`}</td>` : null}
      </tr>`)}</tbody>
    </table>
  </div>`;
}

/**
 * Operations: the declarative schedules as GET /v1/schedules lists them, paused and resumed by the
 * same API calls as `sharpline schedules pause|resume` (audited there); the audit trail beside.
 */
export function OperationsPage(props: { principal: Principal }) {
  const [round, setRound] = useState(0);
  const [schedules, setSchedules] = useState<Schedule[] | null>(null);
  const loaded = useLoad(() => api<{ schedules: Schedule[] }>('/v1/schedules').then((r) => r.schedules), [round]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (loaded.state === 'ok') setSchedules(loaded.value);
  }, [loaded]);
  const set = async (name: string, paused: boolean) => {
    setBusy(name);
    setError(null);
    try {
      const changed = (await api<{ schedules: Schedule[] }>(`/v1/schedules/${seg(name)}/${paused ? 'pause' : 'resume'}`, { method: 'POST' })).schedules;
      const byName = new Map(changed.map((s) => [s.name, s]));
      setSchedules((list) => (list ?? []).map((s) => byName.get(s.name) ?? s));
      setNotice({ name, paused });
      setRound((r) => r + 1);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
    } finally {
      setBusy(null);
    }
  };
  // The button pressed has changed (pause became resume): focus goes to the line saying what happened.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);
  const operate = can.operate(props.principal);
  const list = schedules ?? (loaded.state === 'ok' ? loaded.value : null);
  return html`<h1>${t('operations.title')}</h1>
    <p class="muted">${t('operations.intro')}</p>
    <p role="status" tabindex="-1" ref=${noticeRef} data-notice=${notice ? (notice.paused ? 'paused' : 'resumed') : ''}>${notice
      ? notice.paused
        ? t('operations.pausedNotice', { step: notice.name === 'all' ? t('operations.allSteps') : notice.name })
        : t('operations.resumedNotice', { step: notice.name === 'all' ? t('operations.allSteps') : notice.name })
      : ''}</p>
    ${error ? html`<${Problem} error=${error} />` : null}
    <${Section} id="schedules-title" title=${t('operations.schedulesTitle')}>
      <p><button type="button" class="secondary" data-action="refresh" onClick=${() => setRound((r) => r + 1)}>${t('operations.refresh')}</button></p>
      ${loaded.state === 'error' && schedules ? html`<${Problem} error=${loaded.error} />` : null}
      ${list ? html`
        ${list.every((s) => s.next === null) ? html`<p class="muted" data-no-scheduler>${t('operations.noScheduler')}</p>` : null}
        <${SchedulesTable} schedules=${list} principal=${props.principal} busy=${busy} onSet=${set} />
        ${operate
          ? html`<div class="row">
              <button type="button" class="secondary" data-action="pause-all" disabled=${busy !== null || list.every((s) => s.paused)} onClick=${() => set('all', true)}>${t('operations.pauseAll')}</button>
              <button type="button" class="secondary" data-action="resume-all" disabled=${busy !== null || list.every((s) => !s.paused)} onClick=${() => set('all', false)}>${t('operations.resumeAll')}</button>
            </div>`
          : html`<p class="muted" data-refused="operate">${t('operations.readOnly', { role: t(`role.${props.principal.role}`) })}</p>`}
        <p class="muted small">${t('operations.cli')} <code>${'sharpline schedules list | pause <step|all> | resume <step|all>'}</code></p>`
      : html`<${Show} loaded=${loaded}>${() => null}<//>`}
    <//>
    <${SweepsSection} round=${round} />
    ${can.audit(props.principal) ? html`<${ScheduleAudit} round=${round} />` : html`<p class="muted small" data-refused="audit">${t('operations.auditReaders')}</p>`}`;
}
