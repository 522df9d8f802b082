import { t } from '../i18n.ts';
import { html } from '../ui.ts';
import type { Principal } from '../session.ts';

export function RunsPage(_props: { principal: Principal }) {
  return html`<h1>${t('nav.runs')}</h1>`;
}
export function RunPage(_props: { id: string; principal: Principal }) {
  return html`<h1>${t('nav.runs')}</h1>`;
}
