import { useState } from 'preact/hooks';
import { api, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { int, pct } from '../format.ts';
import { href } from '../router.ts';
import { html, Plot, Show, useLoad, Chart, DataTable, Section } from '../ui.ts';

type Kind = 'opening' | 'preclosing' | 'closing' | 'snapshot';
const KINDS: Kind[] = ['opening', 'preclosing', 'closing', 'snapshot'];

interface SeasonCoverage {
  season: string; games: number; results: number; missingResults: number;
  gamesWithOdds: Record<Kind, number>; missingOdds: Record<Kind, number>;
  bookmakers: Array<{ bookmaker: string; kind: Kind; games: number; prices: number }>;
  forecasts: { games: number; predictors: Array<{ predictor: string; games: number }> };
  quarantined: { rows: number; values: number };
}
interface Coverage { competitions: Array<{ sport: string; competition: string; name: string; seasons: SeasonCoverage[] }> }
interface Quality {
  seasons: Array<{ source: string; competition: string; season: string; games: number; missingResults: number; missingOdds: { any: number; opening: number; preclosing: number; closing: number }; rejected: { rows: number; values: number; reasons: Array<{ reason: string; count: number }> }; duplicates: Array<{ firstId: number; secondId: number; firstDate: string; home: string; away: string }> }>;
  unattributed: Array<{ source: string; rows: number; values: number; reasons: Array<{ reason: string; count: number }> }>;
}
interface GamesPage { total: number; items: Array<{ id: number; gameDate: string; home: { id: number; name: string }; away: { id: number; name: string }; homeScore: number | null; awayScore: number | null }> }

const quarantineLink = (q: Record<string, string>) => `${href('quarantine')}?${new URLSearchParams(q).toString()}`;

function SeasonGames(props: { competition: string; season: string }) {
  const loaded = useLoad(() => api<GamesPage>(`/v1/games?competition=${seg(props.competition)}&season=${seg(props.season)}&limit=1000`), [props.competition, props.season]);
  const caption = t('explorer.gamesOf', { competition: props.competition, season: props.season });
  return html`<${Section} title=${caption} id="season-games"><${Show} loaded=${loaded}>${(p: GamesPage) => html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
    <table data-table="season-games"><caption class="visually-hidden">${caption}</caption>
    <thead><tr><th scope="col">${t('explorer.date')}</th><th scope="col">${t('explorer.home')}</th><th scope="col">${t('explorer.away')}</th><th scope="col">${t('explorer.score')}</th></tr></thead>
    <tbody>${p.items.map((g) => html`<tr><th scope="row"><a href=${href('games', g.id)}>${g.gameDate}</a></th>
      <td><a href=${href('teams', g.home.id)}>${g.home.name}</a></td><td><a href=${href('teams', g.away.id)}>${g.away.name}</a></td>
      <td>${g.homeScore === null ? '–' : `${g.homeScore}–${g.awayScore}`}</td></tr>`)}</tbody></table></div>`}<//><//>`;
}

/** Competitions and seasons: what is stored, what is missing (pre-closing odds ...), what was quarantined. */
export function CoveragePage(props: { competition: string; season: string }) {
  const loaded = useLoad(() => Promise.all([api<Coverage>('/v1/explorer/coverage'), api<Quality>('/v1/explorer/quality')]), []);
  const [chosen, setChosen] = useState(props.competition);
  return html`<h1>${t('explorer.coverageTitle')}</h1><p class="muted">${t('explorer.coverageIntro')}</p>
    <${Show} loaded=${loaded}>${([coverage, quality]: [Coverage, Quality]) => {
      if (coverage.competitions.length === 0) return html`<p>${t('explorer.noData')}</p>`;
      const comp = coverage.competitions.find((c) => c.competition === chosen) ?? coverage.competitions[0]!;
      const missing = comp.seasons.filter((s) => s.missingOdds.preclosing > 0);
      const points = comp.seasons.flatMap((s) => KINDS.filter((k) => k !== 'snapshot').map((k) => ({ season: s.season, kind: t(`explorer.kind.${k}`), share: s.games ? s.gamesWithOdds[k] / s.games : 0 })));
      return html`
        <label for="competition">${t('explorer.competition')}</label>
        <select id="competition" value=${comp.competition} onChange=${(e: Event) => setChosen((e.target as HTMLSelectElement).value)}>
          ${coverage.competitions.map((c) => html`<option value=${c.competition}>${c.competition} · ${c.name} (${c.sport})</option>`)}
        </select>
        <p data-missing-preclosing>${missing.length
          ? t('explorer.missingPreclosing', { competition: comp.competition, seasons: missing.map((s) => s.season).join(', ') })
          : t('explorer.nonePreclosingMissing', { competition: comp.competition })}</p>
        <${Chart} id="coverage" title=${t('explorer.coverageChart', { competition: comp.competition })}
          plot=${() => ({ width: 900, height: 260, marginLeft: 50, x: { label: null, tickRotate: -45 }, y: { label: t('explorer.share'), domain: [0, 1], tickFormat: '%' },
            color: { legend: true, domain: KINDS.filter((k) => k !== 'snapshot').map((k) => t(`explorer.kind.${k}`)), range: ['#8a5a00', '#1f5fa8', '#1d6b2f'] },
            marks: [Plot.lineY(points, { x: 'season', y: 'share', stroke: 'kind', z: 'kind' }), Plot.dot(points, { x: 'season', y: 'share', fill: 'kind', r: 3 })] })}
          table=${{ columns: [t('explorer.season'), ...KINDS.filter((k) => k !== 'snapshot').map((k) => t(`explorer.kind.${k}`))], rows: comp.seasons.map((s) => [s.season, ...KINDS.filter((k) => k !== 'snapshot').map((k) => pct(s.games ? s.gamesWithOdds[k] / s.games : 0, 1).replace('+', ''))]) }} />
        <${DataTable} id="coverage-seasons" caption=${t('explorer.coverageTable', { competition: comp.competition })} data=${{
          columns: [t('explorer.season'), t('explorer.games'), t('explorer.results'), ...KINDS.map((k) => t('explorer.missingKind', { kind: t(`explorer.kind.${k}`) })), t('explorer.books'), t('explorer.forecasts'), t('explorer.quarantined')],
          rows: comp.seasons.map((s) => [s.season, int(s.games), int(s.results), ...KINDS.map((k) => int(s.missingOdds[k])),
            [...new Set(s.bookmakers.map((b) => b.bookmaker))].join(', ') || '–', int(s.forecasts.games), int(s.quarantined.rows + s.quarantined.values)]),
        }} />
        <${Section} title=${t('explorer.qualityTitle')} id="quality">
          <div class="table-wrap" tabindex="0" role="region" aria-label=${t('explorer.qualityTitle')}>
          <table data-table="quality"><caption class="visually-hidden">${t('explorer.qualityTitle')}</caption>
          <thead><tr>${[t('explorer.source'), t('explorer.competition'), t('explorer.season'), t('explorer.games'), t('explorer.missingResults'), t('explorer.missingKind', { kind: t('explorer.kind.preclosing') }), t('explorer.missingKind', { kind: t('explorer.kind.closing') }), t('explorer.rejected'), t('explorer.duplicates')].map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
          <tbody>${quality.seasons.filter((s) => s.competition === comp.competition).map((s) => html`<tr>
            <th scope="row">${s.source}</th><td>${s.competition}</td><td>${s.season}</td><td>${int(s.games)}</td><td>${int(s.missingResults)}</td>
            <td>${int(s.missingOdds.preclosing)}</td><td>${int(s.missingOdds.closing)}</td>
            <td>${s.rejected.rows + s.rejected.values === 0 ? '0' : html`<a href=${quarantineLink({ source: s.source, competition: s.competition, season: s.season })}>${t('explorer.rejectedCount', { rows: s.rejected.rows, values: s.rejected.values })}</a>
              <div class="small muted">${s.rejected.reasons.map((r) => `${r.reason} ×${r.count}`).join(', ')}</div>`}</td>
            <td>${s.duplicates.length === 0 ? '0' : s.duplicates.map((d) => html`<a href=${href('games', d.firstId)}>${d.firstDate} ${d.home}–${d.away}</a> / <a href=${href('games', d.secondId)}>#${d.secondId}</a> `)}</td>
          </tr>`)}</tbody></table></div>
          ${quality.unattributed.length ? html`<p>${quality.unattributed.map((u) => html`<a href=${quarantineLink({ source: u.source, season: 'none' })}>${t('explorer.unattributed', { source: u.source, n: u.rows + u.values })}</a> `)}</p>` : null}
        <//>
        <label for="season">${t('explorer.season')}</label>
        <select id="season" value=${props.season} onChange=${(e: Event) => { location.hash = `${href('coverage')}?${new URLSearchParams({ competition: comp.competition, season: (e.target as HTMLSelectElement).value })}`; }}>
          <option value="">${t('explorer.chooseSeason')}</option>
          ${comp.seasons.map((s) => html`<option value=${s.season}>${s.season}</option>`)}
        </select>
        ${props.season && comp.seasons.some((s) => s.season === props.season) ? html`<${SeasonGames} competition=${comp.competition} season=${props.season} />` : null}`;
    }}<//>`;
}

interface QuarantineBody { total: number; items: Array<{ id: number; runId: number; source: string; file: string; lineNo: number; raw: string; reasons: string[]; field: string | null; competition: string | null; season: string | null }> }

/** The rejected raw lines behind the quality report. */
export function QuarantinePage(props: { query: URLSearchParams }) {
  const qs = props.query.toString();
  const loaded = useLoad(() => api<QuarantineBody>(`/v1/explorer/quarantine?${qs}`), [qs]);
  const caption = t('explorer.quarantineTitle');
  return html`<h1>${caption}</h1><p><a href=${href('coverage')}>${t('explorer.backToCoverage')}</a></p>
    <${Show} loaded=${loaded}>${(b: QuarantineBody) => html`<p>${t('explorer.quarantineTotal', { n: b.total })}</p>
      <div class="table-wrap" tabindex="0" role="region" aria-label=${caption}><table data-table="quarantine"><caption class="visually-hidden">${caption}</caption>
      <thead><tr>${[t('explorer.file'), t('explorer.line'), t('explorer.reasons'), t('explorer.field'), t('explorer.season'), t('explorer.raw'), t('explorer.run')].map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${b.items.map((r) => html`<tr><th scope="row">${r.file}</th><td>${r.lineNo}</td><td>${r.reasons.join(', ')}</td><td>${r.field ?? t('explorer.wholeRow')}</td>
        <td>${r.competition ?? '–'} ${r.season ?? ''}</td><td><code class="raw">${r.raw}</code></td><td>${r.runId}</td></tr>`)}</tbody></table></div>`}<//>`;
}
