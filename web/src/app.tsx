import { Navigate, Route, Routes } from 'react-router';
import { AppLayout } from './components/app-layout.tsx';
import { RequireAuth } from './components/require-auth.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { CrossTenantAccessPage } from './pages/cross-tenant-access-page.tsx';
import { ConditionalAccessPage } from './pages/conditional-access-page.tsx';
import { NamedLocationsPage } from './pages/named-locations-page.tsx';
import { WhatIfPage } from './pages/what-if-page.tsx';
import { ExternalCollaborationPage } from './pages/external-collaboration-page.tsx';
import { GroupDetailPage } from './pages/group-detail-page.tsx';
import { GroupsPage } from './pages/groups-page.tsx';
import { IdentityProvidersPage } from './pages/identity-providers-page.tsx';
import { InvitationsPage } from './pages/invitations-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { PartnerDetailPage } from './pages/partner-detail-page.tsx';
import { PartnersPage } from './pages/partners-page.tsx';
import { RedeemPage } from './pages/redeem-page.tsx';
import { GuestSignInPage } from './pages/guest-signin-page.tsx';
import { MyAccountPage } from './pages/my-account-page.tsx';
import { SecurityInfoPage } from './pages/security-info-page.tsx';
import { SetupPage } from './pages/setup-page.tsx';
import { SignInPage } from './pages/signin-page.tsx';
import { SignInBlockedPage } from './pages/signin-blocked-page.tsx';
import { SignInMfaPage } from './pages/signin-mfa-page.tsx';
import { EmergencyAccessPage } from './pages/emergency-access-page.tsx';
import { SignInsPage } from './pages/sign-ins-page.tsx';
import { UserDetailPage } from './pages/user-detail-page.tsx';
import { UsersPage } from './pages/users-page.tsx';

/** Route table. Everything except sign-in, first-start setup and invitation redemption requires a session. */
export function App() {
  return (
    <Routes>
      <Route path="/signin" element={<SignInPage />} />
      <Route path="/signin/mfa" element={<SignInMfaPage />} />
      <Route path="/signin/blocked" element={<SignInBlockedPage />} />
      <Route path="/setup" element={<SetupPage />} />
      {/* The server prints one-time links as /set-password?token=… */}
      <Route path="/set-password" element={<SetupPage />} />
      <Route path="/redeem" element={<RedeemPage />} />
      <Route path="/signin/guest" element={<GuestSignInPage />} />
      <Route
        path="/my-account"
        element={
          <RequireAuth>
            <MyAccountPage />
          </RequireAuth>
        }
      />
      <Route
        path="/security-info"
        element={
          <RequireAuth>
            <SecurityInfoPage />
          </RequireAuth>
        }
      />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/users" replace />} />
        <Route path="/users" element={<UsersPage />} />
        <Route path="/users/:id" element={<UserDetailPage />} />
        <Route path="/groups" element={<GroupsPage />} />
        <Route path="/groups/:id" element={<GroupDetailPage />} />
        <Route path="/invitations" element={<InvitationsPage />} />
        <Route path="/partners" element={<PartnersPage />} />
        <Route path="/partners/:id" element={<PartnerDetailPage />} />
        <Route path="/identity-providers" element={<IdentityProvidersPage />} />
        <Route path="/external-collaboration" element={<ExternalCollaborationPage />} />
        <Route path="/cross-tenant-access" element={<CrossTenantAccessPage />} />
        <Route path="/conditional-access" element={<ConditionalAccessPage />} />
        <Route path="/named-locations" element={<NamedLocationsPage />} />
        <Route path="/what-if" element={<WhatIfPage />} />
        <Route path="/audit" element={<AuditPage />} />
        <Route path="/emergency-access" element={<EmergencyAccessPage />} />
        <Route path="/sign-ins" element={<SignInsPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
