import { api, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num, dateTime } from '../format.ts';
import { href } from '../router.ts';
import { html, Plot, Show, useLoad, Chart, DataTable, Section } from '../ui.ts';

interface OddsGroup { bookmaker: string; market: string; kind: string; capturedAt: string | null; prices: Array<{ selection: string; line: number; price: number }> }
interface GameRecord {
  id: number; sport: string; competition: { code: string; name: string }; season: string; gameDate: string; kickoff: string; status: string;
  home: { id: number; name: string }; away: { id: number; name: string };
  result: { homeScore: number; awayScore: number; outcome: string; homeScoreHt: number | null; awayScoreHt: number | null } | null;
  odds: OddsGroup[];
  forecasts: Array<{ predictor: string; pHome: number; pDraw: number | null; pAway: number }>;
  features: Array<{ featureSet: string; hash: string; kickoff: string; builtAt: string; values: Array<{ name: string; value: number | null }> }>;
  predictions: Array<{ model: string; version: number; aliases: string[]; classes: string[]; probabilities: number[]; outcome: string | null }>;
  providerOdds: Array<{ provider: string; bookmaker: string; market: string; selection: string; line: number; kind: string; capturedAt: string | null; price: number }>;
}

const KIND_ORDER = ['opening', 'preclosing', 'closing', 'snapshot'];

/** One game: result, every price by bookmaker and kind, line movement, forecasts, feature rows, every version's prediction. */
export function GamePage(props: { id: string }) {
  const loaded = useLoad(() => api<GameRecord>(`/v1/explorer/games/${seg(props.id)}`), [props.id]);
  return html`<${Show} loaded=${loaded}>${(g: GameRecord) => {
    const title = t('explorer.gameTitle', { home: g.home.name, away: g.away.name, date: g.gameDate });
    const odds = [...g.odds].sort((a, b) => a.market.localeCompare(b.market) || a.bookmaker.localeCompare(b.bookmaker) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || String(a.capturedAt).localeCompare(String(b.capturedAt)));
    const moves = [
      ...g.odds.filter((o) => o.capturedAt !== null).flatMap((o) => o.prices.map((p) => ({ at: new Date(o.capturedAt!), series: `${o.bookmaker} · ${o.market} ${p.selection}${p.line ? ` ${p.line}` : ''}`, price: p.price }))),
      ...g.providerOdds.filter((o) => o.capturedAt !== null).map((o) => ({ at: new Date(o.capturedAt!), series: `${o.provider} ${o.bookmaker} · ${o.market} ${o.selection}${o.line ? ` ${o.line}` : ''}`, price: o.price })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime());
    return html`<h1>${title}</h1>
      <p><a href=${`${href('coverage')}?${new URLSearchParams({ competition: g.competition.code, season: g.season })}`}>${g.competition.name} ${g.season}</a> ·
        <a href=${href('teams', g.home.id)}>${g.home.name}</a> · <a href=${href('teams', g.away.id)}>${g.away.name}</a> · ${dateTime(g.kickoff)}</p>
      <p data-result>${g.result ? t('explorer.resultLine', { home: g.result.homeScore, away: g.result.awayScore, ht: g.result.homeScoreHt === null ? '–' : `${g.result.homeScoreHt}–${g.result.awayScoreHt}` }) : t('explorer.noResult', { status: g.status })}</p>
      <${Section} title=${t('explorer.movementTitle')} id="movement">
        ${moves.length === 0 ? html`<p data-no-movement>${t('explorer.noMovement')}</p>` : html`<${Chart} id="movement" title=${t('explorer.movementTitle')}
          plot=${() => ({ width: 900, height: 300, marginLeft: 50, x: { label: null, type: 'time' }, y: { label: t('explorer.price') }, color: { legend: true },
            marks: [Plot.lineY(moves, { x: 'at', y: 'price', stroke: 'series', z: 'series' }), Plot.dot(moves, { x: 'at', y: 'price', fill: 'series', r: 3 })] })}
          table=${{ columns: [t('explorer.captured'), t('explorer.series'), t('explorer.price')], rows: moves.map((m) => [dateTime(m.at), m.series, num(m.price, 2)]) }} />`}
      <//>
      <${Section} title=${t('explorer.pricesTitle')} id="prices">
        <${DataTable} id="prices" caption=${t('explorer.pricesTitle')} data=${{
          columns: [t('explorer.bookmaker'), t('explorer.market'), t('explorer.kindLabel'), t('explorer.captured'), t('explorer.prices')],
          rows: odds.map((o) => [o.bookmaker, o.market, t(`explorer.kind.${o.kind}`), o.capturedAt ? dateTime(o.capturedAt) : '–', o.prices.map((p) => `${p.selection}${p.line ? ` ${p.line}` : ''} ${num(p.price, 2)}`).join(' · ')]),
        }} />
      <//>
      <${Section} title=${t('explorer.forecastsTitle')} id="forecasts">
        ${g.forecasts.length === 0 ? html`<p>${t('explorer.noForecasts')}</p>` : html`<${DataTable} id="forecasts" caption=${t('explorer.forecastsTitle')} data=${{
          columns: [t('explorer.predictor'), t('explorer.home'), t('explorer.draw'), t('explorer.away')],
          rows: g.forecasts.map((f) => [f.predictor, num(f.pHome, 3), num(f.pDraw, 3), num(f.pAway, 3)]) }} />`}
      <//>
      <${Section} title=${t('explorer.predictionsTitle')} id="predictions">
        ${g.predictions.length === 0 ? html`<p>${t('explorer.noPredictions')}</p>` : html`<${DataTable} id="predictions" caption=${t('explorer.predictionsTitle')} data=${{
          columns: [t('explorer.modelVersion'), t('explorer.probabilities'), t('explorer.outcome')],
          rows: g.predictions.map((p) => [`${p.model} v${p.version}${p.aliases.length ? ` (${p.aliases.join(', ')})` : ''}`, p.classes.map((c, i) => `${c} ${num(p.probabilities[i], 3)}`).join(' · '), p.outcome ?? '–']) }} />
          <p>${g.predictions.map((p) => html`<a class="badge" href=${href('models', p.model, 'versions', p.version)}>${p.model} v${p.version}</a> `)}</p>`}
      <//>
      <${Section} title=${t('explorer.featuresTitle')} id="features">
        <p class="muted">${t('explorer.featuresIntro')}</p>
        ${g.features.length === 0 ? html`<p>${t('explorer.noFeatures')}</p>` : g.features.map((f) => html`<${DataTable} id=${`features-${f.featureSet}`} caption=${t('explorer.featureRow', { set: f.featureSet, hash: f.hash.slice(0, 12) })} data=${{
          columns: [t('explorer.feature'), t('explorer.value')], rows: f.values.map((v) => [v.name, num(v.value, 4)]) }} />`)}
      <//>`;
  }}<//>`;
}
