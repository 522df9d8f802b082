import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num, dateTime } from '../format.ts';
import { href, navigate } from '../router.ts';
import { html, Plot, Show, useLoad, Chart, DataTable, Problem } from '../ui.ts';
import { subscribe } from '../sse.ts';
import { can, type Principal } from '../session.ts';

interface Run {
  id: string;
  model: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  spec: Record<string, unknown>;
  progress: { phase?: string; epoch?: number; epochs?: number; loss?: number; valLoss?: number };
  result: { version?: number } | null;
  error: { code: string; message: string } | null;
  createdBy: string;
  createdAt: string;
  seconds: number | null;
  cancelRequested: boolean;
}

const status = (s: string) => t(`run.status.${s}`);

function LaunchForm() {
  const featureSets = useLoad(() => api<{ featureSets: Array<{ name: string; description: string }> }>('/v1/feature-sets').then((r) => r.featureSets), []);
  const [form, setForm] = useState({ model: '', featureSet: '', algo: 'logistic', trainTo: '', testFrom: '', testTo: '', competitions: '', params: '' });
  const [problems, setProblems] = useState<Array<{ path: string; message: string }>>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [checked, setChecked] = useState<string | null>(null);
  const timer = useRef<number>();
  const body = () => {
    const out: Record<string, unknown> = { model: form.model, featureSet: form.featureSet, algo: form.algo, trainTo: form.trainTo, testFrom: form.testFrom, testTo: form.testTo };
    if (form.competitions.trim()) out.competitions = form.competitions.split(',').map((c) => c.trim()).filter(Boolean);
    if (form.params.trim()) {
      try {
        out.params = JSON.parse(form.params);
      } catch {
        out.params = form.params;
      }
    }
    return out;
  };
  const explain = (e: unknown) => {
    const err = e as ApiError;
    const details = err.details as { problems?: Array<{ path?: string; field?: string; message: string }> } | Array<{ path: string; message: string }> | undefined;
    const list = Array.isArray(details) ? details : details?.problems?.map((p) => ({ path: p.path ?? p.field ?? '', message: p.message }));
    setProblems(list ?? []);
    setError(err);
  };
  // The same check a launch makes, as the user types (debounced): the form refuses what the API refuses.
  useEffect(() => {
    clearTimeout(timer.current);
    if (!form.model && !form.featureSet) return;
    timer.current = window.setTimeout(() => {
      api<{ runId: string }>('/v1/training-jobs/check', { method: 'POST', json: body() }).then((r) => {
        setProblems([]);
        setError(null);
        setChecked(r.runId);
      }, (e) => {
        setChecked(null);
        explain(e);
      });
    }, 400);
  }, [JSON.stringify(form)]);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const run = await api<Run>('/v1/training-jobs', { method: 'POST', json: body() });
      navigate(href('runs', run.id));
    } catch (err) {
      explain(err);
    }
  };
  const input = (name: keyof typeof form, label: string, attrs: Record<string, unknown> = {}) => html`<label>${label}<br /><input name=${name} value=${form[name]} onInput=${(ev: Event) => setForm({ ...form, [name]: (ev.target as HTMLInputElement).value })} aria-invalid=${problems.some((p) => p.path.includes(name)) ? 'true' : undefined} ...${attrs} /></label>`;
  return html`<form class="stack" onSubmit=${submit} aria-labelledby="launch-title">
    <h2 id="launch-title">${t('run.launch')}</h2>
    <p class="muted">${t('run.launchHelp')}</p>
    <div class="row">
      ${input('model', t('run.model'), { required: true, pattern: '[a-z0-9][a-z0-9._-]{0,63}' })}
      <label>${t('run.featureSet')}<br /><select name="featureSet" value=${form.featureSet} onChange=${(ev: Event) => setForm({ ...form, featureSet: (ev.target as HTMLSelectElement).value })} required>
        <option value="">${t('run.chooseFeatureSet')}</option>
        ${featureSets.state === 'ok' ? featureSets.value.map((f) => html`<option value=${f.name}>${f.name}</option>`) : null}
      </select></label>
      <label>${t('run.algo')}<br /><select name="algo" value=${form.algo} onChange=${(ev: Event) => setForm({ ...form, algo: (ev.target as HTMLSelectElement).value })}><option value="logistic">logistic</option><option value="mlp">mlp</option></select></label>
    </div>
    <div class="row">
      ${input('trainTo', t('run.trainTo'), { type: 'date', required: true })}
      ${input('testFrom', t('run.testFrom'), { type: 'date', required: true })}
      ${input('testTo', t('run.testTo'), { type: 'date', required: true })}
    </div>
    <div class="row">
      ${input('competitions', t('run.competitions'), { placeholder: 'E0, SP1' })}
      ${input('params', t('run.params'), { placeholder: '{"epochs": 60, "l2": 0.0001}', size: 40 })}
    </div>
    <div role="status" aria-live="polite">
      ${checked ? html`<p class="ok">${t('run.checked', { id: checked })}</p>` : null}
      ${error ? html`<${Problem} error=${error} />` : null}
      ${problems.length ? html`<ul class="problems">${problems.map((p) => html`<li><code>${p.path || '/'}</code> ${p.message}</li>`)}</ul>` : null}
    </div>
    <div><button type="submit" disabled=${!checked}>${t('run.submit')}</button></div>
  </form>`;
}

export function RunsPage(props: { principal: Principal }) {
  const loaded = useLoad(() => api<{ runs: Run[] }>('/v1/training-jobs?limit=100').then((r) => r.runs), []);
  // The BullMQ dashboard (server side, admin keys only): signed in there once, its cookie is its own.
  const queues = props.principal.role === 'admin' ? html`<p><a href=${props.principal.keyPrefix === null ? '/ui/queues/' : '/ui/queues/sign-in'}>${t('run.queues')}</a></p>` : null;
  return html`<h1>${t('run.title')}</h1>
    ${queues}
    <${Show} loaded=${loaded}>${(runs: Run[]) => runs.length === 0 ? html`<p>${t('run.none')}</p>` : html`<div class="table-wrap"><table data-table="runs">
      <caption class="visually-hidden">${t('run.title')}</caption>
      <thead><tr><th scope="col">${t('run.id')}</th><th scope="col">${t('run.model')}</th><th scope="col">${t('run.statusLabel')}</th><th scope="col">${t('run.phase')}</th><th scope="col">${t('run.by')}</th><th scope="col">${t('run.created')}</th><th scope="col">${t('run.seconds')}</th></tr></thead>
      <tbody>${runs.map((r) => html`<tr><th scope="row"><a href=${href('runs', r.id)}>${r.id}</a></th><td>${r.model}</td><td>${status(r.status)}</td><td>${r.progress.phase ?? '–'}</td><td>${r.createdBy}</td><td>${dateTime(r.createdAt)}</td><td>${num(r.seconds, 1)}</td></tr>`)}</tbody>
    </table></div>`}<//>
    ${can.launch(props.principal) ? html`<${LaunchForm} />` : null}`;
}

export function RunPage(props: { id: string; principal: Principal }) {
  const [run, setRun] = useState<Run | null>(null);
  const [curve, setCurve] = useState<Array<{ epoch: number; loss?: number; valLoss?: number }>>([]);
  const [log, setLog] = useState<Array<{ at: string; line: string }>>([]);
  const [stream, setStream] = useState<'open' | 'retrying' | 'closed'>('closed');
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    setCurve([]);
    setLog([]);
    return subscribe(`/v1/training-jobs/${seg(props.id)}/events`, (e) => {
      if (e.event === 'run' || e.event === 'end') setRun(e.data as Run);
      if (e.event === 'progress') {
        const p = e.data as { status: Run['status']; progress: Run['progress']; seconds: number | null };
        setRun((r) => (r ? { ...r, status: p.status, progress: p.progress, seconds: p.seconds } : r));
        if (p.progress.epoch !== undefined) setCurve((c) => (c.some((x) => x.epoch === p.progress.epoch) ? c : [...c, { epoch: p.progress.epoch!, loss: p.progress.loss, valLoss: p.progress.valLoss }]));
      }
      if (e.event === 'log') setLog((l) => [...l, e.data as { at: string; line: string }]);
      if (e.event === 'error') {
        const body = e.data as { error?: { code: string; message: string }; message?: string };
        setError(new ApiError(0, body.error?.code ?? 'STREAM', body.error?.message ?? body.message ?? ''));
      }
    }, setStream);
  }, [props.id]);
  const cancel = async () => {
    try {
      setRun(await api<Run>(`/v1/training-jobs/${seg(props.id)}`, { method: 'DELETE' }));
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const points = curve.flatMap((c) => [
    ...(c.loss !== undefined ? [{ epoch: c.epoch, series: t('run.loss'), value: c.loss }] : []),
    ...(c.valLoss !== undefined ? [{ epoch: c.epoch, series: t('run.valLoss'), value: c.valLoss }] : []),
  ]);
  return html`<h1>${t('run.runTitle', { id: props.id })}</h1>
    <p><a href=${href('runs')}>${t('run.back')}</a></p>
    ${error ? html`<${Problem} error=${error} />` : null}
    ${run ? html`
      <dl class="lineage">
        <dt>${t('run.statusLabel')}</dt><dd data-run-status=${run.status}>${status(run.status)}${run.cancelRequested && run.status === 'running' ? ` (${t('run.cancelRequested')})` : ''}</dd>
        <dt>${t('run.phase')}</dt><dd>${run.progress.phase ?? '–'}${run.progress.epoch !== undefined ? ` · ${t('run.epoch')} ${run.progress.epoch}${run.progress.epochs ? `/${run.progress.epochs}` : ''}` : ''}</dd>
        <dt>${t('run.model')}</dt><dd>${run.result?.version ? html`<a href=${href('models', run.model, 'versions', run.result.version)}>${run.model} v${run.result.version}</a>` : run.model}</dd>
        <dt>${t('run.by')}</dt><dd>${run.createdBy}</dd>
        <dt>${t('run.seconds')}</dt><dd>${num(run.seconds, 1)}</dd>
        <dt>${t('run.live')}</dt><dd>${t(`run.stream.${stream}`)}</dd>
        ${run.error ? html`<dt>${t('run.error')}</dt><dd>${run.error.code}: ${run.error.message}</dd>` : null}
      </dl>
      ${can.launch(props.principal) && (run.status === 'queued' || run.status === 'running') ? html`<p><button type="button" class="secondary" onClick=${cancel}>${t('run.cancel')}</button></p>` : null}
      <details><summary>${t('run.spec')}</summary><pre>${JSON.stringify(run.spec, null, 2)}</pre></details>` : null}
    ${points.length ? html`<${Chart} id="run-loss" help="trainingLoss" title=${t('run.curve')} plot=${() => ({
      width: 520, height: 260, grid: true, color: { legend: true, range: ['#1f5fa8', '#8a5a00'] }, x: { label: t('run.epoch') }, y: { label: t('run.lossAxis') },
      marks: [Plot.line(points, { x: 'epoch', y: 'value', stroke: 'series', z: 'series' }), Plot.dot(points, { x: 'epoch', y: 'value', fill: 'series', r: 2 })],
    })} table=${{ columns: [t('run.epoch'), t('run.loss'), t('run.valLoss')], rows: curve.map((c) => [c.epoch, num(c.loss ?? null), num(c.valLoss ?? null)]) }} />` : null}
    <h2>${t('run.log')}</h2>
    <${DataTable} id="run-log" caption=${t('run.log')} data=${{ columns: [t('run.time'), t('run.line')], rows: log.map((l) => [dateTime(l.at), l.line]) }} />`;
}
