import { api, seg } from '../api.ts';
import { t } from '../i18n.ts';
import { num } from '../format.ts';
import { href } from '../router.ts';
import { html, Plot, Show, useLoad, Chart, Section } from '../ui.ts';

interface Timeline {
  team: { id: number; sport: string; key: string; name: string; aliases: Array<{ source: string; alias: string }>; names: Array<{ name: string; validFrom: string; validTo: string | null }> };
  renames: Array<{ date: string; from: string; to: string; gameId: number | null }>;
  featureSet: { name: string; hash: string; ratings: Array<{ name: string }> } | null;
  featureSets: Array<{ name: string; hash: string; rows: number }>;
  games: Array<{ id: number; gameDate: string; kickoff: string; competition: string; season: string; venue: 'home' | 'away'; opponent: { id: number; name: string }; nameThen: string | null;
    goalsFor: number | null; goalsAgainst: number | null; result: 'win' | 'draw' | 'loss' | null; ratings: Record<string, number | null>; market: { win: number; bookmaker: string; kind: string } | null }>;
}

/** A team over time: results, ratings of a feature set, the market's implied strength, renames marked. */
export function TeamPage(props: { id: string; set: string }) {
  const loaded = useLoad(() => api<Timeline>(`/v1/explorer/teams/${seg(props.id)}${props.set ? `?set=${encodeURIComponent(props.set)}` : ''}`), [props.id, props.set]);
  return html`<${Show} loaded=${loaded}>${(tl: Timeline) => {
    const ratings = tl.featureSet?.ratings.map((r) => r.name) ?? [];
    const first = ratings[0];
    const market = tl.games.filter((g) => g.market).map((g) => ({ date: new Date(g.kickoff), value: g.market!.win }));
    const rating = first ? tl.games.filter((g) => g.ratings[first] !== null && g.ratings[first] !== undefined).map((g) => ({ date: new Date(g.kickoff), value: g.ratings[first]! })) : [];
    const renameDates = tl.renames.map((r) => ({ date: new Date(r.date), label: r.to }));
    const renameAt = new Map(tl.renames.filter((r) => r.gameId !== null).map((r) => [r.gameId!, r]));
    const caption = t('explorer.timelineTable', { team: tl.team.name });
    return html`<h1>${t('explorer.teamTitle', { team: tl.team.name })}</h1>
      <p class="muted">${tl.team.sport} · ${tl.team.key} · ${t('explorer.aliases')}: ${tl.team.aliases.map((a) => `${a.alias} (${a.source})`).join(', ') || '–'}</p>
      ${tl.renames.length ? html`<${Section} title=${t('explorer.renamesTitle')} id="renames"><ul data-renames>${tl.renames.map((r) => html`<li>${t('explorer.renamed', { date: r.date, from: r.from, to: r.to })}${r.gameId ? html` · <a href=${href('games', r.gameId)}>${t('explorer.firstGame')}</a>` : null}</li>`)}</ul><//>` : null}
      ${tl.featureSets.length > 1 ? html`<label for="feature-set">${t('explorer.featureSet')}</label>
        <select id="feature-set" value=${tl.featureSet?.hash ?? ''} onChange=${(e: Event) => { location.hash = `${href('teams', tl.team.id)}?set=${(e.target as HTMLSelectElement).value}`; }}>
          ${tl.featureSets.map((s) => html`<option value=${s.hash}>${s.name} (${s.hash.slice(0, 8)})</option>`)}</select>` : null}
      <div class="charts">
        <${Chart} id="market-strength" title=${t('explorer.marketChart', { team: tl.team.name })}
          plot=${() => ({ width: 560, height: 240, marginLeft: 45, x: { label: null, type: 'time' }, y: { label: t('explorer.winProb'), domain: [0, 1] },
            marks: [Plot.lineY(market, { x: 'date', y: 'value', stroke: '#1f5fa8' }), Plot.ruleX(renameDates, { x: 'date', stroke: '#a1260d', strokeDasharray: '4,3' })] })}
          table=${{ columns: [t('explorer.date'), t('explorer.winProb')], rows: tl.games.filter((g) => g.market).map((g) => [g.gameDate, num(g.market!.win, 3)]) }} />
        ${first ? html`<${Chart} id="rating" title=${t('explorer.ratingChart', { rating: first, set: tl.featureSet!.name })}
          plot=${() => ({ width: 560, height: 240, marginLeft: 50, x: { label: null, type: 'time' }, y: { label: first },
            marks: [Plot.lineY(rating, { x: 'date', y: 'value', stroke: '#1d6b2f' }), Plot.ruleX(renameDates, { x: 'date', stroke: '#a1260d', strokeDasharray: '4,3' })] })}
          table=${{ columns: [t('explorer.date'), first], rows: rating.map((r, i) => [tl.games.filter((g) => g.ratings[first] !== null && g.ratings[first] !== undefined)[i]!.gameDate, num(r.value, 2)]) }} />` : html`<p>${t('explorer.noRatings')}</p>`}
      </div>
      <${Section} title=${caption} id="timeline">
        <div class="table-wrap" tabindex="0" role="region" aria-label=${caption}><table data-table="timeline"><caption class="visually-hidden">${caption}</caption>
        <thead><tr>${[t('explorer.date'), t('explorer.competition'), t('explorer.venue'), t('explorer.opponent'), t('explorer.score'), t('explorer.resultCol'), t('explorer.winProb'), ...ratings].map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
        <tbody>${tl.games.map((g) => html`<tr data-rename=${renameAt.has(g.id) ? 'yes' : undefined}>
          <th scope="row"><a href=${href('games', g.id)}>${g.gameDate}</a>${renameAt.has(g.id) ? html` <span class="badge">${t('explorer.renamedBadge', { name: renameAt.get(g.id)!.to })}</span>` : null}</th>
          <td>${g.competition} ${g.season}</td><td>${t(`explorer.venueOf.${g.venue}`)}</td><td><a href=${href('teams', g.opponent.id)}>${g.opponent.name}</a></td>
          <td>${g.goalsFor === null ? '–' : `${g.goalsFor}–${g.goalsAgainst}`}</td><td>${g.result ? t(`explorer.outcomeOf.${g.result}`) : '–'}</td>
          <td>${g.market ? num(g.market.win, 3) : '–'}</td>${ratings.map((r) => html`<td>${num(g.ratings[r], 2)}</td>`)}</tr>`)}</tbody></table></div>
      <//>`;
  }}<//>`;
}
