import { t } from '../i18n.ts';
import { html } from '../ui.ts';

export function VersionPage(props: { model: string; version: string }) {
  return html`<h1>${t('version.title', { model: props.model, version: props.version })}</h1>`;
}
