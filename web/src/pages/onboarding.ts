import { api } from '../api.ts';
import { t } from '../i18n.ts';
import { int } from '../format.ts';
import { href } from '../router.ts';
import { html, useLoad } from '../ui.ts';

/** The exact commands of the first run (the README's data-scientist walkthrough runs them in the tests). */
export const FIRST_RUN_STEPS = [
  { id: 'import', command: 'npx sharpline import football-data ../shared/data/football_data_co_uk/big5_2003_2024/E0_1[2-9]*.csv ../shared/data/football_data_co_uk/big5_2003_2024/E0_2*.csv' },
  { id: 'train', command: 'npx sharpline train --model epl --feature-set soccer-1x2-market --algo logistic --competitions E0 --train-to 2019-06-30 --test-from 2019-07-01 --test-to 2024-06-30 --wait' },
  { id: 'promote', command: 'npx sharpline models alias set epl champion 1' },
] as const;

/** An empty console (no models yet): the three steps that fill it, which are done, and their walkthroughs. */
export function Onboarding() {
  const games = useLoad(() => api<{ total: number }>('/v1/games?limit=1').then((r) => r.total, () => null), []);
  const imported = games.state === 'ok' && games.value !== null && games.value > 0;
  return html`<section class="onboarding" aria-labelledby="onboarding-title" data-onboarding>
    <h2 id="onboarding-title">${t('onboarding.title')}</h2>
    <p>${t('onboarding.intro')}</p>
    <ol class="steps">${FIRST_RUN_STEPS.map((step, i) => html`<li data-step=${step.id}>
      <strong>${t(`onboarding.step.${step.id}`)}</strong>
      ${i === 0 && imported ? html` <span class="badge" data-done>${t('onboarding.done', { games: int(games.state === 'ok' ? games.value : 0) })}</span>` : null}
      <p>${t(`onboarding.why.${step.id}`)}</p>
      <pre><code>${step.command}</code></pre>
      <a href=${href('help', step.id)}>${t('onboarding.walkthrough', { step: t(`onboarding.step.${step.id}`) })}</a>
    </li>`)}</ol>
  </section>`;
}
