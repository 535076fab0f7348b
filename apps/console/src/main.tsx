import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { DiffPage } from './pages/diff.js';
import { FolderPage } from './pages/folder.js';
import { Overview } from './pages/overview.js';
import { SnapshotPage } from './pages/snapshot.js';
import { link, type Route, routeOf } from './route.js';

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <Overview />;
    case 'folder':
      return <FolderPage folder={route.folder} />;
    case 'snapshot':
      return <SnapshotPage id={route.id} path={route.path} />;
    case 'diff':
      return <DiffPage from={route.from} to={route.to} />;
    default:
      return (
        <>
          <h1>No such page</h1>
          <p>
            The console has no page at <code>{route.hash}</code>.{' '}
            <a href={link.overview()}>See every folder</a>.
          </p>
        </>
      );
  }
}

function App() {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const follow = () => {
      setRoute(routeOf(location.hash));
      document.getElementById('main')?.focus();
    };
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => {
    document.title = `${route.page === 'overview' ? 'Folders' : route.page === 'folder' ? route.folder : route.page} · Strongbox console`;
  }, [route]);
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href={link.overview()}>
          Strongbox
        </a>
        <nav aria-label="Main">
          <a href={link.overview()} aria-current={route.page === 'overview' ? 'page' : undefined}>
            Folders
          </a>
          <a href="/admin/queues">Queues</a>
          <a href="/docs">API</a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
