import { t } from '../i18n.ts';
import { html } from '../ui.ts';

export function ExplainPage(_props: { model: string; version: string; game: string }) {
  return html`<h1>${t('nav.explain')}</h1>`;
}
