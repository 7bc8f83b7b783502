/** Dependencies of the auth services (database, clock, the config values they read). */
export type { AuthDeps, AuthConfig, KeyDeps } from './auth.deps.ts';
/** Auth error codes (documented per code). */
export { AuthErrorCodes, type AuthErrorCode } from './auth.errors.ts';
/** Token signing keys: create once across nodes, rotate with overlap, retire, load for the provider and verifiers. */
export {
  ensureSigningKeys,
  rotateSigningKey,
  retireSigningKey,
  listSigningKeys,
  loadSigningKeys,
  loadPublicJwks,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningKeySet,
  type SigningKeyInfo,
} from './keys.service.ts';
/** The OAuth 2.0 / OIDC authorization server to mount as a raw Node handler, with its routes and interaction hooks. */
export { createOAuthServer, type OAuthServer, type OAuthServerDeps } from './oauth-provider.ts';
/** Paths of the authorization server (token, keys, device code, authorize, discovery) and of the interaction page. */
export { OAUTH_ROUTES, DISCOVERY_PATH, INTERACTION_PATH } from './oauth-routes.ts';
/** What the interaction page shows about a pending OAuth sign-in. */
export type { FinishInteractionInput, InteractionView } from './oauth-interactions.ts';
/** HTML renderers of the provider's own pages (device code entry/confirm/success, errors) and their defaults. */
export { defaultViews, escapeHtml, type OAuthViews } from './oauth-views.ts';
/** The built-in public client of the `gatehouse` CLI. */
export { GATEHOUSE_CLI_CLIENT_ID } from './oauth-clients.ts';
/** Resource identifiers access tokens are issued for (`https://graph.microsoft.com` and publicUrl). */
export { GRAPH_RESOURCE, apiResources } from './oauth-resources.ts';
/** Verify /v1.0 bearer tokens locally and resolve the calling app or user with live permissions. */
export { createAccessTokenVerifier, type AccessTokenVerifier, type AccessTokenVerifierDeps, type Principal } from './access-tokens.ts';
/** Local password sign-in to the portal, with per-account and per-address lockout. */
export {
  signInWithPassword,
  INVALID_CREDENTIALS_MESSAGE,
  type PasswordSignInInput,
  type PasswordSignInResult,
  type PasswordSignInDeps,
} from './password-sign-in.service.ts';
/** Sign-in throttling limits (defaults: 5 per account, 20 per address, 15-minute window and lock). */
export { defaultThrottlePolicy, type ThrottlePolicy } from './sign-in-throttle.ts';
/** Portal browser sessions: validate (idle/absolute timeouts, instant revocation), CSRF, sign-out, cookie settings. */
export {
  validateSession,
  revokeSession,
  csrfTokenMatches,
  assertCsrf,
  sessionCookie,
  type SessionInfo,
  type NewSession,
} from './sessions.service.ts';
/** One-time set-password links: issue (audited), consume once. */
export {
  issueSetPasswordLink,
  consumeSetPasswordToken,
  SET_PASSWORD_PATH,
  INVALID_SETUP_LINK_MESSAGE,
  type SetPasswordLink,
} from './one-time-tokens.service.ts';
/** Scheduled cleanup of expired auth state (provider payloads, sessions, links, throttle counters). */
export { sweepAuthState } from './sweep.ts';
/** Redeeming an invitation in the browser: open the link, prove the address (partner provider or email code), consent, finish. */
export {
  startRedemption,
  currentRedemption,
  sendRedemptionOtp,
  verifyRedemptionOtp,
  finishRedemption,
  type RedemptionDeps,
  type RedemptionView,
} from './redemption.service.ts';
/** The cookie that carries a redemption or guest sign-in flow. */
export { FLOW_COOKIE, FLOW_COOKIE_PATH } from './external-flows.ts';
/** Partner sign-in (OIDC) for redemption and guest sign-in: where to send the browser, and the callback. */
export { beginFederation, completeFederation, completeSamlFederation, continueSamlFederation, SAML_CONTINUE_PATH, FEDERATION_CALLBACK_PATH, type FederationDeps, type FederationOutcome } from './federation.service.ts';
/** The SAML service provider for partner IdPs (@node-saml/node-saml), and IdP metadata parsing. */
export { createUpstreamSaml, samlIdentity, SAML_ACS_PATH, type UpstreamSaml } from './upstream-saml.ts';
/** Reading SAML IdP metadata (entity id, sign-in URL, signing certificates). */
export { parseSamlMetadata } from './saml-metadata.ts';
/** The OpenID Connect client for partner providers (openid-client), with its discovery cache. */
export { createUpstreamOidc, mapClaims, type UpstreamOidc, type UpstreamIdentity } from './upstream-oidc.ts';
/** Guests signing in again with the identity that redeemed (their provider, or a code by email). */
export { startGuestSignIn, verifyGuestOtp, GATEHOUSE_PORTAL_APP_ID, type GuestSignInStart } from './guest-sign-in.service.ts';
/** Partner identity providers (OIDC and SAML) in Graph's shapes; secrets sealed and never returned. */
export {
  createIdentityProvider,
  updateIdentityProvider,
  deleteIdentityProvider,
  listIdentityProviders,
  getIdentityProviderRow,
  toGraphIdentityProvider,
  providerForEmail,
  providerForIssuer,
  type GraphIdentityProvider,
  type IdentityProviderDeps,
} from './identity-providers.service.ts';
/** What the MFA services need: AuthDeps plus the master key (and an optional throttle policy). */
export type { MfaDeps } from './mfa-deps.ts';
/** A user's second factors for the sign-in pipeline: which ones exist, recovery codes left, the per-user MFA state. */
export { mfaMethodSummary, type MfaMethodSummary } from './mfa-methods.service.ts';
/** Authentication methods in Graph's shapes (password, authenticator apps, passkeys, recovery codes); removal is audited. */
export { listAuthenticationMethods, getAuthenticationMethod, deleteAuthenticationMethod, PASSWORD_METHOD_ID, type GraphAuthenticationMethod, type MethodKind, type MethodChangeOptions } from './mfa-methods.service.ts';
/** Per-user MFA state (Graph beta strongAuthenticationRequirements): 'enforced' means the user must do (and register) MFA. */
export { getPerUserMfaState, setPerUserMfaState, PER_USER_MFA_STATES, type PerUserMfaState } from './mfa-methods.service.ts';
/** Authenticator apps (TOTP): enrol with a QR code, verify with ±1 step, replayed steps refused, throttled per user. */
export { beginTotpEnrolment, finishTotpEnrolment, verifyTotp, type TotpEnrolment, type RegisteredMethod } from './mfa-totp.service.ts';
/** One-time recovery codes: a set of 10 shown once (only keyed hashes stored), each spent on use, throttled per user. */
export { generateRecoveryCodes, verifyRecoveryCode, RECOVERY_CODE_COUNT } from './mfa-recovery-codes.service.ts';
/** Passkeys (WebAuthn): registration and sign-in ceremonies bound to publicUrl's origin and host, counters checked. */
export { webauthnRegistrationOptions, verifyWebAuthnRegistration, webauthnAuthenticationOptions, verifyWebAuthnAuthentication, relyingParty } from './webauthn.service.ts';
/** Sign-in risk of an attempt from the sign-in log's recent history (new country, travel, spray, brute force). */
export { gatherSignInRisk, type SignInRiskRequest } from './sign-in-risk.service.ts';
/** The one sign-in pipeline: Conditional Access, second factors, session, sign-in log, for every way in. */
export {
  accessApplication,
  beginPendingTotpEnrolment,
  cancelPendingSignIn,
  completeSignIn,
  currentPendingSignIn,
  evaluateTokenRefresh,
  partnerTrustOf,
  pendingWebAuthnOptions,
  requireSecondFactor,
  satisfiedBy,
  settleSignIn,
  signInWithin,
  sweepPendingSignIns,
  verifyPendingSignIn,
  PENDING_COOKIE,
  PENDING_COOKIE_PATH,
  PORTAL_APPLICATION,
  type ApplicationAccess,
  type PendingView,
  type SignInApplication,
  type SignInOutcome,
  type SignInPipelineDeps,
  type SignInRequest,
  type SignInStep,
  type TokenRefreshOutcome,
  type TokenRefreshRequest,
} from './sign-in-pipeline.ts';
/** Emergency-access (break-glass) accounts: marking, alert settings, alerts (webhook with HMAC, mail, banner), validation reminders. */
export {
  acknowledgeEmergencyAccessAlert,
  addEmergencyAccessAccount,
  deliverEmergencyAccessAlerts,
  emergencyAccessUserIds,
  getEmergencyAccessSettings,
  listEmergencyAccessAccounts,
  listEmergencyAccessAlerts,
  remindEmergencyAccessValidation,
  removeEmergencyAccessAccount,
  signWebhook,
  updateEmergencyAccessAccount,
  updateEmergencyAccessSettings,
  VALIDATION_DAYS,
  type EmergencyAccessAccount,
  type EmergencyAccessAlert,
  type EmergencyAccessSettings,
} from './emergency-access.service.ts';
/** Conditional Access policies in Graph's shape: validated, audited (GH22xx), guarded against locking every admin out. */
export {
  listConditionalAccessPolicies,
  getConditionalAccessPolicy,
  allConditionalAccessPolicies,
  createConditionalAccessPolicy,
  updateConditionalAccessPolicy,
  deleteConditionalAccessPolicy,
  loadConditionalAccessPolicies,
  toGraphPolicy,
  type GraphConditionalAccessPolicy,
  type PolicyChangeOptions,
} from './conditional-access.service.ts';
/** Gatehouse's own applications Conditional Access can name (portal, API, CLI). */
export { BUILT_IN_APPLICATIONS, PORTAL_APP_ID, type KnownApplication } from './conditional-access.applications.ts';
/** Named locations (IP ranges, countries): CRUD in Graph's shape, and the cached set the sign-in pipeline matches. */
export {
  listNamedLocations,
  getNamedLocation,
  createNamedLocation,
  updateNamedLocation,
  deleteNamedLocation,
  loadNamedLocations,
  loadCompiledNamedLocations,
  type ConditionalAccessDeps,
} from './named-locations.service.ts';
/** Country and city of a public IP address from the offline GeoIP database (loaded on first use). */
export { lookupIp, isPublicIp, type GeoLocation } from './geoip.ts';
/** The facts of a sign-in for Conditional Access, gathered once for the pipeline and for what-if. */
export { gatherSignInFacts, externalUserKindOf, type SignInFactsDeps, type SignInFactsInput, type GatheredSignInFacts, type SignInLocationFacts } from './sign-in-facts.ts';
/** Conditional Access what-if (Graph evaluate): the policies that would apply and Gatehouse's final decision. */
export { evaluateWhatIf, type WhatIfAnswer } from './conditional-access.what-if.ts';
