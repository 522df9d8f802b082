import { t } from '../i18n.ts';
import { html } from '../ui.ts';

export function ComparePage(_props: { model: string; versions: string[] }) {
  return html`<h1>${t('nav.compare')}</h1>`;
}
