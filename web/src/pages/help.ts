import MarkdownIt from 'markdown-it';
import { i18n, t } from '../i18n.ts';
import { href } from '../router.ts';
import { html } from '../ui.ts';
import importEn from '../../help/en/import.md?raw';
import trainEn from '../../help/en/train.md?raw';
import promoteEn from '../../help/en/promote.md?raw';
import exploreEn from '../../help/en/explore.md?raw';
import metricsEn from '../../help/en/metrics.md?raw';
import importEs from '../../help/es/import.md?raw';
import trainEs from '../../help/es/train.md?raw';
import promoteEs from '../../help/es/promote.md?raw';
import exploreEs from '../../help/es/explore.md?raw';
import metricsEs from '../../help/es/metrics.md?raw';

/** The help pages, in the console's languages: web/help/<lang>/<page>.md, bundled at build time. */
export const HELP_PAGES = ['import', 'train', 'promote', 'explore', 'metrics'] as const;
export type HelpPage = (typeof HELP_PAGES)[number];
const DOCS: Record<string, Record<HelpPage, string>> = {
  en: { import: importEn, train: trainEn, promote: promoteEn, explore: exploreEn, metrics: metricsEn },
  es: { import: importEs, train: trainEs, promote: promoteEs, explore: exploreEs, metrics: metricsEs },
};

// Raw HTML in the docs is not rendered (html: false): the page shows only what Markdown describes.
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** The help: an index of the pages, or one page rendered from its Markdown in the page's language. */
export function HelpPage(props: { page: string }) {
  const docs = DOCS[i18n.language] ?? DOCS.en!;
  const page = (HELP_PAGES as readonly string[]).includes(props.page) ? (props.page as HelpPage) : null;
  const nav = html`<nav aria-label=${t('help.pagesLabel')}><ul class="help-pages">${HELP_PAGES.map((p) => html`<li><a href=${href('help', p)} aria-current=${p === page ? 'page' : undefined}>${t(`help.page.${p}`)}</a></li>`)}</ul></nav>`;
  if (!page) return html`<h1>${t('help.title')}</h1><p>${t('help.intro')}</p>${nav}`;
  return html`<div class="help-doc" data-help=${page} lang=${i18n.language} dangerouslySetInnerHTML=${{ __html: markdown.render(docs[page]) }}></div>${nav}`;
}
