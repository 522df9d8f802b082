import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num, int, dateTime } from '../format.ts';
import { href } from '../router.ts';
import { html, Show, useLoad, DataTable, Problem, Section } from '../ui.ts';
import { can, type Principal } from '../session.ts';
import type { AliasEvent, RegisteredModel, VersionSummary } from '../types.ts';

interface Proposal {
  id: number;
  model: string;
  alias: string;
  version: number;
  fromVersion: number | null;
  note: string | null;
  proposedBy: string;
  proposedAt: string;
  status: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}
interface Bootstrap { mean: number; lo: number; hi: number }
interface Evidence {
  proposed: VersionSummary;
  current: VersionSummary | null;
  compare: { games: number; differences: Array<{ scores: Record<string, Bootstrap> }> } | null;
  compareError: ApiError | null;
}
interface ModelPromotions {
  model: RegisteredModel;
  proposals: Proposal[];
  history: AliasEvent[];
  available: boolean;
}

async function loadPromotions(): Promise<ModelPromotions[]> {
  const { models } = await api<{ models: RegisteredModel[] }>('/v1/models');
  return Promise.all(models.map(async (model) => {
    const [proposals, history] = await Promise.all([
      api<{ proposals: Proposal[] }>(`/v1/models/${seg(model.name)}/proposals?limit=50`).then((r) => ({ list: r.proposals, available: true }), (e: ApiError) => {
        // A server without the governance routes has no proposals to show (aliases move directly there).
        if (e.status === 404 && e.code === 'NOT_FOUND') return { list: [], available: false };
        throw e;
      }),
      api<{ events: AliasEvent[] }>(`/v1/models/${seg(model.name)}/aliases/champion/history?limit=20`).then((r) => r.events, () => []),
    ]);
    return { model, proposals: proposals.list, history, available: proposals.available };
  }));
}

async function loadEvidence(p: Proposal): Promise<Evidence> {
  const base = `/v1/models/${seg(p.model)}/versions`;
  const [proposed, current] = await Promise.all([
    api<VersionSummary>(`${base}/${p.version}`),
    p.fromVersion ? api<VersionSummary>(`${base}/${p.fromVersion}`) : Promise.resolve(null),
  ]);
  let compare: Evidence['compare'] = null;
  let compareError: ApiError | null = null;
  if (current && current.version !== proposed.version) {
    try {
      compare = await api(`/v1/compare?model=${encodeURIComponent(p.model)}&versions=${current.version},${proposed.version}&resamples=1000`);
    } catch (e) {
      compareError = e as ApiError;
    }
  }
  return { proposed, current, compare, compareError };
}

const METRICS = ['logLoss', 'closingLogLoss', 'preclosingLogLoss', 'brier', 'ece', 'testGames'] as const;

type Decision = 'approve' | 'reject';

/**
 * The confirmation of a decision, as a modal `<dialog>`: the browser keeps focus inside it, Escape
 * cancels, and focus returns to the button that opened it. Rejecting asks for the reason here.
 */
function DecisionDialog(props: { p: Proposal; action: Decision; onCancel: () => void; onDecided: (p: Proposal) => void }) {
  const { p, action } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.open && dialog.close();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const decided = action === 'approve'
        ? (await api<{ proposal: Proposal }>(`/v1/proposals/${p.id}/approve`, { method: 'POST', json: {} })).proposal
        : await api<Proposal>(`/v1/proposals/${p.id}/reject`, { method: 'POST', json: { reason: reason.trim() } });
      // Closed first: while the modal is open the rest of the page is inert and cannot take focus.
      ref.current?.close();
      props.onDecided(decided);
    } catch (err) {
      setError(err as ApiError);
      setBusy(false);
    }
  };
  const id = `decide-${p.id}`;
  const from = p.fromVersion === null ? t('promotions.noVersion') : `v${p.fromVersion}`;
  return html`<dialog ref=${ref} class="decision" aria-labelledby=${`${id}-title`} aria-describedby=${`${id}-body`} data-decision=${action} onClose=${props.onCancel}>
    <form class="stack" onSubmit=${submit}>
      <h2 id=${`${id}-title`}>${action === 'approve' ? t('promotions.approveTitle', { id: p.id }) : t('promotions.rejectTitle', { id: p.id })}</h2>
      <p id=${`${id}-body`}>${action === 'approve'
        ? t('promotions.approveBody', { alias: p.alias, model: p.model, from, version: p.version })
        : t('promotions.rejectBody', { alias: p.alias, model: p.model, from, version: p.version })}</p>
      ${action === 'reject' ? html`<label for=${`${id}-reason`}>${t('promotions.reason')}</label>
        <textarea id=${`${id}-reason`} rows="3" maxlength="2000" required value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLTextAreaElement).value)}></textarea>` : null}
      <div class="row">
        <button type="submit" disabled=${busy || (action === 'reject' && !reason.trim())}>${action === 'approve' ? t('promotions.confirmApprove') : t('promotions.confirmReject')}</button>
        <button type="button" class="secondary" onClick=${() => ref.current?.close()}>${t('promotions.cancel')}</button>
      </div>
      ${error ? html`<${Problem} error=${error} />` : null}
    </form>
  </dialog>`;
}

function ProposalCard(props: { p: Proposal; principal: Principal; onDecided: (p: Proposal) => void }) {
  const p = props.p;
  const evidence = useLoad(() => loadEvidence(p), [p.id]);
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const headingId = `proposal-${p.id}`;
  return html`<article class="proposal" aria-labelledby=${headingId} data-proposal=${p.id}>
    <h3 id=${headingId}>${t('promotions.proposalTitle', { id: p.id, model: p.model, alias: p.alias, version: p.version })}</h3>
    <p>${t('promotions.proposedBy', { who: p.proposedBy, when: dateTime(p.proposedAt) })}${p.note ? html` — <q>${p.note}</q>` : null}</p>
    <${Show} loaded=${evidence}>${(ev: Evidence) => html`
      <${DataTable} id=${`proposal-${p.id}-metrics`} caption=${t('promotions.sideBySide')} data=${{
        columns: [t('promotions.metric'), ev.current ? t('promotions.current', { version: ev.current.version }) : t('promotions.noCurrent'), t('promotions.proposed', { version: ev.proposed.version })],
        rows: METRICS.map((m) => [t(`promotions.metrics.${m}`), ev.current ? (m === 'testGames' ? int(ev.current.metrics[m]) : num(ev.current.metrics[m])) : '–', m === 'testGames' ? int(ev.proposed.metrics[m]) : num(ev.proposed.metrics[m])]),
      }} />
      ${ev.compare ? html`<p>${t('promotions.bootstrap', {
        n: int(ev.compare.games),
        mean: num(ev.compare.differences[0]!.scores.logLoss!.mean, 5),
        lower: num(ev.compare.differences[0]!.scores.logLoss!.lo, 5),
        upper: num(ev.compare.differences[0]!.scores.logLoss!.hi, 5),
      })}</p>` : null}
      ${ev.compareError ? html`<${Problem} error=${ev.compareError} />` : null}
      <p><a href=${href('models', p.model, 'versions', p.version)}>${t('promotions.openProposed')}</a>
        ${ev.current ? html` · <a href=${`#/compare?model=${encodeURIComponent(p.model)}&versions=${ev.current.version},${p.version}`}>${t('promotions.openCompare')}</a>` : null}</p>`}<//>
    ${p.status === 'pending' && can.review(props.principal) ? html`<div class="row">
        <button type="button" aria-haspopup="dialog" data-action="approve" onClick=${() => setDeciding('approve')}>${t('promotions.approve')}</button>
        <button type="button" aria-haspopup="dialog" data-action="reject" class="secondary" onClick=${() => setDeciding('reject')}>${t('promotions.reject')}</button>
      </div>
      ${deciding ? html`<${DecisionDialog} p=${p} action=${deciding} onCancel=${() => setDeciding(null)} onDecided=${props.onDecided} />` : null}`
    : p.status === 'pending' ? html`<p class="muted">${t('promotions.reviewersDecide')}</p>` : html`<p>${t('promotions.decided', { status: t(`promotions.status.${p.status}`), who: p.decidedBy ?? '–', when: dateTime(p.decidedAt) })}${p.reason ? html` — <q>${p.reason}</q>` : null}</p>`}
  </article>`;
}

function ProposeForm(props: { model: RegisteredModel; onProposed: () => void }) {
  const versions = useLoad(() => api<{ versions: VersionSummary[] }>(`/v1/models/${seg(props.model.name)}/versions?status=READY`).then((r) => r.versions), [props.model.name]);
  const [version, setVersion] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api(`/v1/models/${seg(props.model.name)}/proposals`, { method: 'POST', json: { alias: 'champion', version: Number(version), ...(note.trim() ? { note } : {}) } });
      props.onProposed();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const id = `propose-${props.model.name}`;
  return html`<form class="stack" onSubmit=${submit} aria-labelledby=${`${id}-title`}>
    <h3 id=${`${id}-title`}>${t('promotions.propose', { model: props.model.name })}</h3>
    <label for=${`${id}-version`}>${t('compare.version')}</label>
    <select id=${`${id}-version`} value=${version} onChange=${(e: Event) => setVersion((e.target as HTMLSelectElement).value)} required>
      <option value="">${t('promotions.chooseVersion')}</option>
      ${versions.state === 'ok' ? versions.value.map((v) => html`<option value=${String(v.version)}>v${v.version} (${num(v.metrics.logLoss)})</option>`) : null}
    </select>
    <label for=${`${id}-note`}>${t('promotions.note')}</label>
    <input id=${`${id}-note`} value=${note} onInput=${(e: Event) => setNote((e.target as HTMLInputElement).value)} />
    <div><button type="submit" disabled=${!version}>${t('promotions.proposeSubmit')}</button></div>
    ${error ? html`<${Problem} error=${error} />` : null}
  </form>`;
}

export function PromotionsPage(props: { principal: Principal }) {
  const [round, setRound] = useState(0);
  const [notice, setNotice] = useState<Proposal | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const loaded = useLoad(loadPromotions, [round]);
  const again = () => setRound((r) => r + 1);
  const decided = (p: Proposal) => {
    setNotice(p);
    again();
  };
  // After a decision the card leaves the open list: focus moves to the line saying what happened.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);
  return html`<h1>${t('promotions.title')}</h1>
    <p class="muted">${t('promotions.intro')}</p>
    <p role="status" tabindex="-1" ref=${noticeRef} data-notice=${notice ? notice.status : ''}>${notice
      ? notice.status === 'approved'
        ? t('promotions.approvedNotice', { id: notice.id, alias: notice.alias, model: notice.model, version: notice.version })
        : t('promotions.rejectedNotice', { id: notice.id, alias: notice.alias, model: notice.model, version: notice.version })
      : ''}</p>
    <${Show} loaded=${loaded}>${(rows: ModelPromotions[]) => rows.map((row) => html`<${Section} id=${`promotions-${row.model.name}`} title=${row.model.name}>
      ${!row.available ? html`<p>${t('promotions.unavailable')}</p>` : null}
      <h3>${t('promotions.open')}</h3>
      ${row.proposals.filter((p) => p.status === 'pending').length === 0 ? html`<p>${t('promotions.none')}</p>` : null}
      ${row.proposals.filter((p) => p.status === 'pending').map((p) => html`<${ProposalCard} p=${p} principal=${props.principal} onDecided=${decided} key=${p.id} />`)}
      ${row.available && can.launch(props.principal) ? html`<${ProposeForm} model=${row.model} onProposed=${again} />` : null}
      ${row.proposals.some((p) => p.status !== 'pending') ? html`<details><summary>${t('promotions.decidedList')}</summary>
        ${row.proposals.filter((p) => p.status !== 'pending').map((p) => html`<${ProposalCard} p=${p} principal=${props.principal} onDecided=${decided} key=${p.id} />`)}</details>` : null}
      <h3>${t('promotions.history')}</h3>
      <${DataTable} id=${`alias-history-${row.model.name}`} caption=${t('promotions.history')} data=${{
        columns: [t('promotions.when'), t('promotions.from'), t('promotions.to'), t('promotions.actor')],
        rows: row.history.map((e) => [dateTime(e.at), e.fromVersion === null ? '–' : `v${e.fromVersion}`, e.toVersion === null ? '–' : `v${e.toVersion}`, e.actor]),
      }} />
    <//>`)}<//>`;
}
