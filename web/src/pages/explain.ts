import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num, pct, dateTime } from '../format.ts';
import { navigate } from '../router.ts';
import { html, Plot, Chart, DataTable, Problem, Loading } from '../ui.ts';
import type { RegisteredModel, VersionSummary } from '../types.ts';

interface Attribution { name: string; value: number | Record<string, number>; shap: number }
interface Explained {
  probabilities: Record<string, number>;
  game?: { gameId?: number; kickoff?: string; asOf?: string; missing?: string[] };
  market?: { bookmaker: string; kind: string; prices: Record<string, number>; probabilities: Record<string, number>; edge: Record<string, number>; kellyStake: Record<string, number>; caveat: string | null } | null;
  explanation: {
    engine: string;
    outputSpace: string;
    approximate: boolean;
    background: { rows: number; summary: boolean; storedRows: number; source: string };
    grouping: { by: string; groups: Array<{ name: string; features: string[] }> };
    classes: Record<string, { baseValue: number; prediction: number; residual: number; features: Attribution[] }>;
  };
}
interface PredictBody { model: string; version: number; classes: string[]; predictions: Explained[] }
interface GameOption { id: number; label: string }

async function gameOptions(model: string, version: string): Promise<{ test: GameOption[]; upcoming: GameOption[] }> {
  const [tested, upcoming] = await Promise.all([
    api<{ predictions: Array<{ gameId: number; kickoff: string; home: string; away: string; competition: string; outcome: string | null }> }>(`/v1/models/${seg(model)}/versions/${seg(version)}/predictions?limit=500`).catch(() => ({ predictions: [] })),
    api<{ items: Array<{ id: number; kickoff: string | null; home: { name: string }; away: { name: string }; competition: { code: string } }> }>('/v1/games?status=scheduled&limit=50').catch(() => ({ items: [] })),
  ]);
  return {
    test: [...tested.predictions].reverse().map((p) => ({ id: p.gameId, label: `${dateTime(p.kickoff)} · ${p.competition} · ${p.home} – ${p.away}${p.outcome ? ` (${p.outcome})` : ''}` })),
    upcoming: upcoming.items.map((g) => ({ id: g.id, label: `${dateTime(g.kickoff)} · ${g.competition.code} · ${g.home.name} – ${g.away.name}` })),
  };
}

/** Base value, then each attribution as a step, ending at the prediction: a waterfall drawn with Plot bars. */
function Waterfall(props: { cls: string; data: Explained['explanation']['classes'][string]; top: number }) {
  const shown = props.data.features.slice(0, props.top);
  const rest = props.data.features.slice(props.top).reduce((s, f) => s + f.shap, 0);
  const steps = [...shown.map((f) => ({ name: f.name, shap: f.shap })), ...(props.data.features.length > props.top ? [{ name: t('explain.others', { n: props.data.features.length - props.top }), shap: rest }] : [])];
  let at = props.data.baseValue;
  const bars = steps.map((s) => {
    const start = at;
    at += s.shap;
    return { name: s.name, start, end: at, shap: s.shap, sign: s.shap >= 0 ? t('explain.raises') : t('explain.lowers') };
  });
  const order = [t('explain.base'), ...bars.map((b) => b.name), t('explain.prediction')];
  const ends = [{ name: t('explain.base'), value: props.data.baseValue }, { name: t('explain.prediction'), value: props.data.prediction }];
  const title = t('explain.waterfallTitle', { cls: props.cls });
  return html`<${Chart} id=${`waterfall-${props.cls}`} help="shap" title=${title} description=${t('explain.waterfallHelp', { base: num(props.data.baseValue), prediction: num(props.data.prediction) })} plot=${() => ({
    width: 600, height: 40 + 26 * order.length, marginLeft: 150, marginRight: 70, grid: true,
    y: { domain: order, label: null }, x: { label: t('explain.probability') },
    color: { legend: true, domain: [t('explain.raises'), t('explain.lowers')], range: ['#1d6b2f', '#a1260d'] },
    marks: [
      Plot.barX(bars, { y: 'name', x1: 'start', x2: 'end', fill: 'sign' }),
      Plot.dot(ends, { y: 'name', x: 'value', r: 5, fill: '#1a1a1a' }),
      Plot.text(bars, { y: 'name', x: 'end', text: (d: { shap: number }) => `${d.shap >= 0 ? '+' : ''}${d.shap.toFixed(3)}`, dx: 22, fontSize: 11 }),
    ],
  })} table=${{ columns: [t('version.feature'), t('explain.value'), 'SHAP'], rows: [[t('explain.base'), '', num(props.data.baseValue)], ...props.data.features.map((f) => [f.name, typeof f.value === 'number' ? num(f.value, 3) : Object.entries(f.value).map(([k, v]) => `${k}=${num(v, 3)}`).join(', '), num(f.shap, 5)]), [t('explain.prediction'), '', num(props.data.prediction)]] }} />`;
}

function Result(props: { body: PredictBody }) {
  const item = props.body.predictions[0]!;
  const e = item.explanation;
  const [cls, setCls] = useState(props.body.classes[0]!);
  return html`<section aria-labelledby="explain-result" aria-live="polite">
    <h2 id="explain-result">${t('explain.result', { model: props.body.model, version: props.body.version })}</h2>
    <${DataTable} id="explain-probabilities" caption=${t('explain.probabilities')} data=${{
      columns: [t('explain.outcome'), t('explain.model'), t('explain.market'), t('explain.price'), t('explain.edge'), t('explain.kelly')],
      rows: props.body.classes.map((c) => [c, pct(item.probabilities[c], 1).replace('+', ''), item.market ? pct(item.market.probabilities[c], 1).replace('+', '') : '–', item.market ? num(item.market.prices[c], 2) : '–', item.market ? pct(item.market.edge[c], 1) : '–', item.market ? pct(item.market.kellyStake[c], 2).replace('+', '') : '–']),
    }} />
    <p class="muted">${item.market ? t('explain.marketFrom', { bookmaker: item.market.bookmaker, kind: item.market.kind }) : t('explain.noMarket')} ${item.market?.caveat ?? ''}</p>
    <p>${t('explain.engine', { engine: e.engine, space: e.outputSpace, by: e.grouping.by })} <strong>${t('explain.background')}</strong> ${e.background.source} (${t('explain.backgroundRows', { rows: e.background.rows })})</p>
    <div role="group" aria-label=${t('explain.classes')} class="row">
      ${props.body.classes.map((c) => html`<button type="button" class=${c === cls ? '' : 'secondary'} aria-pressed=${c === cls} onClick=${() => setCls(c)}>${c}</button>`)}
    </div>
    <${Waterfall} cls=${cls} data=${e.classes[cls]!} top=${12} key=${cls} />
  </section>`;
}

export function ExplainPage(props: { model: string; version: string; game: string }) {
  const [models, setModels] = useState<RegisteredModel[]>([]);
  const [model, setModel] = useState(props.model);
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [version, setVersion] = useState(props.version);
  const [options, setOptions] = useState<{ test: GameOption[]; upcoming: GameOption[] } | null>(null);
  const [game, setGame] = useState(props.game);
  const [mode, setMode] = useState<'game' | 'matchup'>('game');
  const [matchup, setMatchup] = useState({ competition: '', home: '', away: '', kickoff: '', oddsHome: '', oddsDraw: '', oddsAway: '' });
  const [groupBy, setGroupBy] = useState<'feature' | 'prefix'>('feature');
  const [result, setResult] = useState<PredictBody | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<{ models: RegisteredModel[] }>('/v1/models').then((r) => {
      setModels(r.models);
      if (!model && r.models[0]) setModel(r.models[0].name);
    }, setError);
  }, []);
  useEffect(() => {
    if (!model) return;
    api<{ versions: VersionSummary[] }>(`/v1/models/${seg(model)}/versions?status=READY`).then((r) => {
      setVersions(r.versions);
      if (!version && r.versions[0]) setVersion(String(r.versions[0].version));
    }, setError);
  }, [model]);
  useEffect(() => {
    if (model && version) gameOptions(model, version).then(setOptions);
  }, [model, version]);

  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const odds = matchup.oddsHome && matchup.oddsAway ? [{ bookmaker: 'typed', home: Number(matchup.oddsHome), ...(matchup.oddsDraw ? { draw: Number(matchup.oddsDraw) } : {}), away: Number(matchup.oddsAway) }] : undefined;
      const body = mode === 'game'
        ? { games: [{ gameId: Number(game) }] }
        : { games: [{ competition: matchup.competition, home: matchup.home, away: matchup.away, kickoff: matchup.kickoff ? new Date(matchup.kickoff).toISOString() : undefined, ...(odds ? { odds } : {}) }] };
      const res = await api<PredictBody>(`/v1/models/${seg(model)}/predict?version=${encodeURIComponent(version)}&explain=true&groupBy=${groupBy}`, { method: 'POST', json: body });
      setResult(res);
      if (mode === 'game') history.replaceState(null, '', `#/explain?model=${encodeURIComponent(model)}&version=${version}&game=${game}`);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const field = (name: keyof typeof matchup, label: string, type = 'text') => html`<label>${label}<br /><input type=${type} value=${matchup[name]} onInput=${(ev: Event) => setMatchup({ ...matchup, [name]: (ev.target as HTMLInputElement).value })} required=${['competition', 'home', 'away'].includes(name)} step=${type === 'number' ? '0.01' : undefined} min=${type === 'number' ? '1.01' : undefined} /></label>`;
  return html`<h1>${t('explain.title')}</h1>
    <p class="muted">${t('explain.help')}</p>
    <form class="stack" onSubmit=${run}>
      <div class="row">
        <label>${t('models.model')}<br /><select value=${model} onChange=${(ev: Event) => { setModel((ev.target as HTMLSelectElement).value); setVersion(''); }}>${models.map((m) => html`<option value=${m.name}>${m.name}</option>`)}</select></label>
        <label>${t('compare.version')}<br /><select value=${version} onChange=${(ev: Event) => setVersion((ev.target as HTMLSelectElement).value)}>${versions.map((v) => html`<option value=${String(v.version)}>v${v.version}${v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}</option>`)}</select></label>
        <label>${t('explain.groupBy')}<br /><select value=${groupBy} onChange=${(ev: Event) => setGroupBy((ev.target as HTMLSelectElement).value as 'feature' | 'prefix')}>
          <option value="feature">${t('explain.byFeature')}</option><option value="prefix">${t('explain.byPrefix')}</option></select></label>
      </div>
      <fieldset><legend>${t('explain.which')}</legend>
        <label class="check"><input type="radio" name="mode" checked=${mode === 'game'} onChange=${() => setMode('game')} /> ${t('explain.pickGame')}</label>
        <label class="check"><input type="radio" name="mode" checked=${mode === 'matchup'} onChange=${() => setMode('matchup')} /> ${t('explain.typeMatchup')}</label>
      </fieldset>
      ${mode === 'game'
        ? html`<label for="explain-game">${t('explain.game')}</label>
          ${options ? html`<select id="explain-game" value=${game} onChange=${(ev: Event) => setGame((ev.target as HTMLSelectElement).value)} required>
            <option value="">${t('explain.chooseGame')}</option>
            ${options.upcoming.length ? html`<optgroup label=${t('explain.upcoming')}>${options.upcoming.map((o) => html`<option value=${String(o.id)}>${o.label}</option>`)}</optgroup>` : null}
            <optgroup label=${t('explain.testGames')}>${options.test.map((o) => html`<option value=${String(o.id)}>${o.label}</option>`)}</optgroup>
          </select>` : html`<${Loading} />`}`
        : html`<div class="row">${field('competition', t('explain.competition'))}${field('home', t('explain.home'))}${field('away', t('explain.away'))}${field('kickoff', t('explain.kickoff'), 'datetime-local')}</div>
          <div class="row">${field('oddsHome', t('explain.oddsHome'), 'number')}${field('oddsDraw', t('explain.oddsDraw'), 'number')}${field('oddsAway', t('explain.oddsAway'), 'number')}</div>`}
      <div><button type="submit" disabled=${busy || !model || !version}>${t('explain.submit')}</button></div>
    </form>
    ${busy ? html`<${Loading} />` : null}
    ${error ? html`<${Problem} error=${error} />` : null}
    ${result ? html`<${Result} body=${result} key=${JSON.stringify(result.predictions[0]?.game ?? {})} />` : null}`;
}
