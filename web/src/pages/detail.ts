import { del, runPath } from '../api';
import { errorBox } from '../components';
import { clear, h, Scope } from '../dom';
import { renderAnswer } from '../results';
import { forget } from '../store';
import { fetchRun } from './runs';

/** #/runs/<runId>: a stored answer, shown as its route shows a fresh one. */
export function detailPage(runId: string, scope: Scope): HTMLElement {
  const body = h('div', { class: 'page-body' }, h('p', { class: 'muted' }, 'loading…'));
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete this run');
  let armed = false;
  remove.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      remove.textContent = 'Click again to delete';
      return;
    }
    try {
      await del(runPath(runId));
      forget(runId);
      location.hash = '#/runs';
    } catch (e) {
      body.prepend(errorBox(e));
    }
  });
  const el = h('section', { class: 'page', id: 'page-detail', 'data-page': 'detail', 'data-run-id': runId }, h('div', { class: 'inline' }, h('a', { href: '#/runs' }, '← all runs'), remove), body);
  const controller = new AbortController();
  scope.add(() => controller.abort());
  fetchRun(runId, controller.signal)
    .then((answer) => {
      clear(body);
      body.append(renderAnswer(answer, scope));
    })
    .catch((e) => {
      if (controller.signal.aborted) return;
      clear(body);
      body.append(errorBox(e));
    });
  return el;
}
