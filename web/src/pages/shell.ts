import { errorBox } from '../components';
import { clear, h } from '../dom';

/** A page: its title, and a body filled by `build` (which may need the API first). */
export function pageShell(id: string, title: string, build: (body: HTMLElement) => Promise<void>): HTMLElement {
  const body = h('div', { class: 'page-body' }, h('p', { class: 'muted' }, 'loading…'));
  const el = h('section', { class: 'page', id: `page-${id}`, 'data-page': id }, h('h1', null, title), body);
  const load = () => {
    clear(body);
    build(body).catch((e) => {
      clear(body);
      body.append(errorBox(e), h('button', { type: 'button', onclick: load }, 'retry'));
    });
  };
  load();
  return el;
}
