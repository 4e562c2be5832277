import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, useParams } from 'react-router';
import { Layout } from './components/Layout';
import { PageError } from './components/PageError';
import { PageLoader } from './components/PageLoader';
import { AcknowledgePage } from './pages/AcknowledgePage';
import { InboxPage } from './pages/InboxPage';
import { SignInPage } from './pages/SignInPage';
import { RequireSession } from './session/session';

// Pages a clinician at 3 a.m. does not need load on demand; the link page and the inbox come first.
const AlertPage = lazy(() => import('./pages/AlertPage'));
const PatientPage = lazy(() => import('./pages/PatientPage'));
const OverviewPage = lazy(() => import('./pages/OverviewPage'));
const AdminPage = lazy(() => import('./pages/admin/AdminPage'));

function signedIn(page: ReactNode) {
  return (
    <RequireSession>
      <Layout>
        <Suspense fallback={<PageLoader />}>{page}</Suspense>
      </Layout>
    </RequireSession>
  );
}

/** `/alerts/:ref` keeps the path alert messages link to; the page takes a reference or an id. */
function AlertRoute() {
  const { ref } = useParams();
  return <AlertPage key={ref} alertRef={ref!} />;
}

export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage />, errorElement: <PageError /> },
  {
    errorElement: <PageError />,
    children: [
      { path: '/', element: signedIn(<InboxPage />) },
      { path: '/acknowledgements/:token', element: signedIn(<AcknowledgePage />) },
      { path: '/alerts/:ref', element: signedIn(<AlertRoute />) },
      { path: '/patients/:id', element: signedIn(<PatientPage />) },
      { path: '/overview', element: signedIn(<OverviewPage />) },
      { path: '/admin', element: <Navigate to="/admin/audit" replace /> },
      { path: '/admin/:section', element: signedIn(<AdminPage />) },
      { path: '*', element: signedIn(<PageError notFound />) },
    ],
  },
]);
