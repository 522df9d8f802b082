import { t } from '../i18n.ts';
import { html } from '../ui.ts';
import type { Principal } from '../session.ts';

export function PromotionsPage(_props: { principal: Principal }) {
  return html`<h1>${t('nav.promotions')}</h1>`;
}
