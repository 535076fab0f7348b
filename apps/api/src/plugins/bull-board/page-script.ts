/**
 * A script the dashboard's pages load before Bull Board's own (Bull Board has no option for any
 * of this). It is served from this server, as the Content Security Policy requires.
 *
 * 1. A link with the credentials in it (`http://user:token@host/admin/queues`) loads the page, but
 *    the browser then refuses the page's own requests under such an address, and the page stayed on
 *    "Loading". The script sends the browser to the same address without them: the browser keeps
 *    the credentials it was given and loads the board, or, if it did not keep them, asks for a user
 *    name and a password (a token), as on any first visit.
 * 2. Bull Board's icon buttons have no accessible name (only a tooltip on hover): each gets one,
 *    by its icon.
 * 3. The actions the API's rules can never allow are hidden (the API refuses them anyway, with
 *    `409 ACTION_REFUSED`): duplicating a job, editing its data, adding a job, emptying or
 *    obliterating a queue, cleaning jobs that have not ended, editing or removing a schedule's job
 *    scheduler. Those that are allowed for some jobs (retry, remove) stay.
 */
export const PAGE_SCRIPT_PATH = '/strongbox-page.js';

/** Names of Bull Board's icon buttons, by the icon's class. */
export const ICON_NAMES: Readonly<Record<string, string>> = {
  'lucide-refresh-cw': 'Retry',
  'lucide-trash-2': 'Remove',
  'lucide-corner-up-left': 'Promote',
  'lucide-clock': 'Reschedule',
  'lucide-arrow-up-down': 'Change priority',
  'lucide-list-x': 'Remove unprocessed children',
  'lucide-files': 'Duplicate',
  'lucide-pencil': 'Update data',
  'lucide-copy': 'Copy',
  'lucide-play': 'Run now',
  'lucide-maximize': 'Full screen',
  'lucide-minimize': 'Leave full screen',
  'lucide-settings': 'Settings',
  'lucide-ellipsis-vertical': 'Queue actions',
};

// Bull Board's Redis button draws its own logo, not a lucide icon.
const REDIS_ICON = 'path.rds-b1';
const REDIS_NAME = 'Redis details';

export const PAGE_SCRIPT = `(() => {
  const address = new URL(document.URL); // location.href never shows credentials; document.URL does
  if (address.username !== '' || address.password !== '') {
    address.username = '';
    address.password = '';
    location.replace(address.href);
    return;
  }
  const names = ${JSON.stringify(ICON_NAMES)};
  const endedStates = ['completed', 'failed'];
  const neverAllowed = (svg, control) => {
    const is = (icon) => svg.classList.contains(icon);
    if (is('lucide-files') || is('lucide-pencil')) return true;
    if (control.getAttribute('role') === 'menuitem') {
      return is('lucide-plus') || is('lucide-ban') || is('lucide-trash-2');
    }
    if (!is('lucide-trash-2')) return false;
    if (location.pathname.endsWith('/job-schedulers')) return true;
    const cleansAll = control.innerText.trim() !== '';
    return cleansAll && !endedStates.includes(new URLSearchParams(location.search).get('status'));
  };
  const nameOf = (svg) => {
    if (svg.querySelector('${REDIS_ICON}')) return '${REDIS_NAME}';
    return Object.keys(names).filter((icon) => svg.classList.contains(icon)).map((icon) => names[icon])[0];
  };
  const tidy = () => {
    for (const svg of document.querySelectorAll('svg')) {
      const control = svg.closest('button, a, [role="menuitem"]');
      if (!control) continue;
      const hide = neverAllowed(svg, control);
      const item = control.closest('li') ?? control;
      if (item.style.display !== (hide ? 'none' : '')) item.style.display = hide ? 'none' : '';
      if (control.innerText.trim() !== '' || control.hasAttribute('aria-label')) continue;
      const name = nameOf(svg);
      if (name !== undefined) control.setAttribute('aria-label', name);
    }
  };
  new MutationObserver(tidy).observe(document.documentElement, { childList: true, subtree: true });
  addEventListener('popstate', tidy);
})();
`;

/** The page's HTML with the script as the first thing its head runs. */
export function withPageScript(html: string, basePath: string): string {
  return html.replace('<head>', `<head>\n<script src="${basePath}${PAGE_SCRIPT_PATH}"></script>`);
}
