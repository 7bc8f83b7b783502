import { newId, randomToken, sha256Hex } from '#src/core/crypto.ts';
import { appendAudit, appendSignInLog, SIGN_IN_ERROR_CODES, type Actor, type SignInLogEntry } from '#src/audit/index.ts';
import { effectiveCrossTenant, findUserRow, getTenant, GRAPH_APP_ID, recordSignIn, setPasswordHash, type DirDb, type UserRow } from '#src/directory/index.ts';
import type { FederatedClaims } from './auth.tables.ts';
import { combineDecisions, evaluateConditionalAccess, type ConditionalAccessDecision, type Requirement } from '#src/policy/index.ts';
import { inTransaction, type Db } from '#src/store/index.ts';
import type { AuthDeps } from './auth.deps.ts';
import { AppError } from '#src/core/errors.ts';
import { AuthErrorCodes, authError } from './auth.errors.ts';
import { loadConditionalAccessPolicies } from './conditional-access.service.ts';
import { alertIfEmergencyAccess, emergencyAccessOf, raiseEmergencyAccessAlert, type AlertEffects } from './emergency-access.service.ts';
import { PORTAL_APP_ID, PORTAL_APP_ID as GATEHOUSE_PORTAL_APP_ID } from './conditional-access.applications.ts';
import { GATEHOUSE_CLI_CLIENT_ID } from './oauth-clients.ts';
import { gatherSignInFacts } from './sign-in-facts.ts';
import { gatherSignInRisk } from './sign-in-risk.service.ts';
import { AMR_OF_PROOF, secondFactors, type SecondFactorProof, type SecondFactorSummary } from './sign-in-factors.ts';
import type { PendingSignInState, PipelineDb } from './sign-in-pipeline.tables.ts';
import { createSession, type NewSession } from './sessions.service.ts';
import type { AuthDb } from './auth.tables.ts';

/**
 * The one sign-in pipeline every way into Gatehouse goes through: identify (the caller proved who the user is:
 * password, partner IdP or email code) → evaluate Conditional Access (facts gathered once: groups, roles, guest
 * kind, named locations, platform, risk) → satisfy the required controls (a second factor, or registering one) →
 * issue the session → write the sign-in log. A block is logged and refused; an interrupt parks the sign-in as a
 * pending one (cookie `gatehouse_signin`) until the user completes the factor; emergency-access accounts raise a
 * critical alert on every attempt.
 *
 * Authentication method references (amr): `pwd` password, `fed` partner identity provider, `email` email one-time
 * passcode (first factors); `otp` authenticator app (TOTP), `hwk` passkey (WebAuthn with user verification),
 * `rc` recovery code (second factors); `mfa` once multifactor is satisfied (a first plus a second factor, a
 * passkey alone, or a partner's MFA the cross-tenant settings trust).
 */
export const PENDING_COOKIE = 'gatehouse_signin';
export const PENDING_COOKIE_PATH = '/portal/api/sign-in';
const PENDING_MINUTES = 10;
const PENDING_MAX_FAILURES = 5;
/** `everyTime` sign-in frequency: Entra allows five minutes of clock skew. */
const EVERY_TIME_MINUTES = 5;

export interface SignInPipelineDeps extends AuthDeps {
  masterKey: Buffer;
  /** After commit: deliver mail and emergency-access alerts now (does not wait). */
  notify?: (effects: { mailIds: string[]; alertIds: string[] }) => void;
}

export type FirstFactor = 'password' | 'federated' | 'emailOtp';

export interface SignInApplication {
  id: string;
  displayName: string;
  clientAppType: 'browser' | 'mobileAppsAndDesktopClients';
}

export const PORTAL_APPLICATION: SignInApplication = { id: GATEHOUSE_PORTAL_APP_ID, displayName: 'Gatehouse portal', clientAppType: 'browser' };

export interface SignInRequest {
  userId: string;
  method: FirstFactor;
  /** Partner claims Conditional Access may trust (from cross-tenant inboundTrust and the partner token's amr). */
  partner?: PendingSignInState['partner'];
  application?: SignInApplication;
  ipAddress: string | null;
  userAgent: string | null;
  returnTo?: string | null;
  /** A forced password change made at this sign-in: applied only when the sign-in completes. */
  newPasswordHash?: string;
}

export interface PendingView {
  user: { id: string; displayName: string; userPrincipalName: string };
  required: Requirement[];
  methods: SecondFactorSummary;
  /** The user has no usable factor for what is required and may register one now (TOTP, or a passkey). */
  registration: { totp: boolean; passkey: boolean };
  applicationDisplayName: string;
  expiresDateTime: string;
}

export type SignInOutcome =
  | { status: 'signedIn'; userId: string; session: NewSession; persistent: boolean; returnTo: string | null }
  | { status: 'mfaRequired'; cookieValue: string; view: PendingView; returnTo: string | null };

/** What a sign-in run inside the caller's transaction leaves for after commit (settleSignIn). */
export type SignInStep = { outcome: SignInOutcome; effects: Effects } | { blocked: BlockedSignIn; effects: Effects };

type Effects = AlertEffects;

interface BlockedSignIn {
  entry: SignInLogEntry;
  user: UserRow;
  emergency: boolean;
  errorCode: number;
  message: string;
  policies: string[];
  state: PendingSignInState;
}

const FIRST_FACTORS: Record<FirstFactor, string> = { password: 'pwd', federated: 'fed', emailOtp: 'email' };
const SECOND_FACTORS = new Set(['otp', 'hwk', 'rc']);
const METHOD_NAMES: Record<string, string> = {
  pwd: 'Password',
  fed: 'Federated identity provider',
  email: 'Email OTP',
  otp: 'Authenticator app (TOTP)',
  hwk: 'Passkey',
  rc: 'Recovery code',
};

/** The applications a client reaches through: Gatehouse's portal and CLI call the Graph-compatible API. */
function resourcesOf(applicationId: string): string[] {
  return applicationId === PORTAL_APP_ID || applicationId === GATEHOUSE_CLI_CLIENT_ID ? [GRAPH_APP_ID] : [];
}

/** What the amr so far satisfies of Conditional Access's grant controls. */
export function satisfiedBy(amr: readonly string[], partner: PendingSignInState['partner']): { mfa: boolean; phishingResistant: boolean; compliantDevice: boolean; termsOfUse: string[] } {
  const first = amr.some((value) => value === 'pwd' || value === 'fed' || value === 'email');
  const second = amr.some((value) => SECOND_FACTORS.has(value));
  const phishingResistant = amr.includes('hwk');
  return { mfa: (first && second) || phishingResistant || partner?.mfa === true, phishingResistant, compliantDevice: partner?.compliantDevice === true, termsOfUse: [] };
}

const withMfa = (amr: readonly string[], partner: PendingSignInState['partner']): string[] =>
  satisfiedBy(amr, partner).mfa && !amr.includes('mfa') ? [...amr, 'mfa'] : [...amr];

const hashOf = (cookieValue: string): string => sha256Hex(cookieValue);
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;
const userActor = (user: UserRow, ipAddress: string | null): Actor => ({ kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress });
const userTarget = (user: UserRow) => ({ id: user.id, type: 'User', displayName: user.display_name, userPrincipalName: user.user_principal_name });

interface Evaluation {
  user: UserRow;
  decision: ConditionalAccessDecision;
  /** Requirements after the per-user MFA state and what cannot be satisfied here. */
  required: Requirement[];
  blocked: { errorCode: number; message: string } | null;
  emergency: { excludeFromConditionalAccess: boolean } | undefined;
  /** The user's second factors (read once per evaluation; the pending view shows them). */
  methods: SecondFactorSummary;
  entryBase: Omit<SignInLogEntry, 'status' | 'conditionalAccessStatus' | 'authenticationRequirement'>;
  signInFrequencyMinutes: number | null;
  persistent: boolean;
}

function signInFrequencyMinutes(decision: ConditionalAccessDecision): number | null {
  const frequency = decision.sessionControls.signInFrequency;
  if (!frequency) return null;
  return frequency.frequencyInterval === 'everyTime' ? EVERY_TIME_MINUTES : frequency.minutes;
}

/** Gather the facts, assess risk, and decide; reads only. */
async function evaluate(db: Db, deps: SignInPipelineDeps, state: PendingSignInState, userId: string, lastSignInAgeMinutes: number | null): Promise<Evaluation> {
  const user = await findUserRow(db as DirDb, userId);
  if (!user || !user.account_enabled || user.deleted_at) throw authError('INVALID_CREDENTIALS', 'This account cannot sign in.');
  const now = deps.clock.now();
  const satisfied = satisfiedBy(state.amr, state.partner);
  const gathered = await gatherSignInFacts(
    { ...deps, db },
    {
      userId,
      applicationId: state.applicationId,
      clientAppType: state.clientAppType,
      userAgent: state.userAgent,
      ipAddress: state.ipAddress,
      signInRiskLevel: 'none',
      userRiskLevel: 'none',
      satisfied,
      lastSignInAgeMinutes,
      homeTenantId: state.partner?.tenantId ?? null,
    },
  );
  const risk = await gatherSignInRisk({ ...deps, db }, { userId, ipAddress: state.ipAddress, location: gathered.location, now });
  const facts = { ...gathered.facts, signInRiskLevel: risk.level };
  const emergency = await emergencyAccessOf(db, userId);
  const policies = await loadConditionalAccessPolicies(db);
  // The portal and the CLI act through the Graph-compatible API: a policy on the API applies to them too.
  const applicationIds = [state.applicationId, ...resourcesOf(state.applicationId)];
  let decision = combineDecisions(applicationIds.map((applicationId) => evaluateConditionalAccess(policies, { ...facts, applicationId })));
  if (emergency?.excludeFromConditionalAccess) {
    // Left out of Conditional Access on purpose: evaluated for the log, never enforced.
    decision = {
      ...decision,
      outcome: 'allow',
      required: [],
      conditionalAccessStatus: 'notApplied',
      sessionControls: { signInFrequency: null, persistentBrowser: null, reauthenticationRequired: false },
      appliedPolicies: decision.appliedPolicies.map((policy) => ({
        ...policy,
        result: policy.result.startsWith('reportOnly') || policy.result === 'notEnabled' ? policy.result : 'notApplied',
        reasons: ['emergency-access account: excluded from Conditional Access', ...policy.reasons],
      })),
    };
  }
  const required = [...decision.required];
  const methods = await secondFactors.summary(db, userId);
  const mfaDemanded = methods.perUserMfaState === 'enforced' || state.forceMfa === true;
  if (mfaDemanded && !satisfied.mfa && decision.outcome !== 'block' && !required.includes('mfa')) required.push('mfa');
  let blocked: Evaluation['blocked'] = null;
  if (decision.outcome === 'block') {
    blocked = { errorCode: SIGN_IN_ERROR_CODES.blockedByConditionalAccess.code, message: 'Your organization\'s access policy does not allow this sign-in.' };
  } else if (required.includes('compliantDevice')) {
    blocked = { errorCode: SIGN_IN_ERROR_CODES.deviceNotCompliant.code, message: 'Your organization\'s access policy requires a compliant device, and your organization has not vouched for this device.' };
  } else if (required.some((requirement) => requirement.startsWith('termsOfUse:'))) {
    blocked = { errorCode: SIGN_IN_ERROR_CODES.blockedByConditionalAccess.code, message: 'Your organization\'s access policy requires accepting terms of use that Gatehouse cannot present yet.' };
  }
  const entryBase: Evaluation['entryBase'] = {
    userId: user.id,
    userPrincipalName: user.user_principal_name,
    userDisplayName: user.display_name,
    userType: user.user_type === 'Guest' ? 'guest' : 'member',
    appId: state.applicationId,
    appDisplayName: state.applicationDisplayName,
    ipAddress: state.ipAddress,
    clientAppUsed: state.clientAppType === 'browser' ? 'Browser' : 'Mobile Apps and Desktop clients',
    isInteractive: true,
    homeTenantId: facts.user.homeTenantId,
    resourceTenantId: (await getTenant(db as DirDb))?.id ?? null,
    correlationId: state.correlationId,
    appliedConditionalAccessPolicies: decision.appliedPolicies,
    deviceDetail: { ...gathered.deviceDetail, isCompliant: satisfied.compliantDevice },
    location: gathered.location,
    risk,
  };
  return {
    user,
    decision,
    required,
    blocked,
    emergency,
    methods,
    entryBase,
    signInFrequencyMinutes: signInFrequencyMinutes(decision),
    persistent: decision.sessionControls.persistentBrowser !== 'never',
  };
}

const authDetails = (amr: readonly string[], at: Date, failed?: string) => [
  ...amr.filter((value) => METHOD_NAMES[value]).map((value) => ({ authenticationMethod: METHOD_NAMES[value] as string, succeeded: true, authenticationStepDateTime: at })),
  ...(failed ? [{ authenticationMethod: METHOD_NAMES[failed] ?? failed, succeeded: false, authenticationStepDateTime: at }] : []),
];

const requirementOf = (amr: readonly string[], partner: PendingSignInState['partner']) => (satisfiedBy(amr, partner).mfa ? 'multiFactorAuthentication' : 'singleFactorAuthentication') as SignInLogEntry['authenticationRequirement'];

function pendingView(user: UserRow, required: Requirement[], methods: SecondFactorSummary, state: PendingSignInState, expiresAt: Date): PendingView {
  const hasSecond = state.amr.some((value) => SECOND_FACTORS.has(value));
  const needsPasskey = required.includes('phishingResistant') && !methods.webauthn;
  // Recovery codes count: someone holding only the password must not add a factor to an account that has any.
  const hasAnyFactor = methods.totp || methods.webauthn || methods.recoveryCodesLeft > 0;
  return {
    user: { id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name },
    required,
    methods,
    registration: {
      totp: required.includes('mfa') && !hasAnyFactor,
      // A passkey can be added during sign-in by someone who has no factor yet, or who just proved a second one.
      passkey: needsPasskey && (hasSecond || !hasAnyFactor),
    },
    applicationDisplayName: state.applicationDisplayName,
    expiresDateTime: expiresAt.toISOString(),
  };
}

/**
 * Run the pipeline for a user whose first factor (or a further factor, for a pending sign-in) was just proven,
 * inside the caller's transaction. Never throws for a block: the caller commits, then `settleSignIn` records the
 * refusal in its own transaction and throws SIGN_IN_BLOCKED (so a refused sign-in is logged even though the
 * caller's changes roll back or commit independently).
 */
async function run(trx: Db, deps: SignInPipelineDeps, userId: string, state: PendingSignInState, previousPendingHash?: string): Promise<SignInStep> {
  const now = deps.clock.now();
  const evaluation = await evaluate(trx, deps, state, userId, 0);
  const { user } = evaluation;
  const effects: Effects = { mailIds: [], alertIds: [] };
  if (evaluation.blocked) {
    if (previousPendingHash) await (trx as PipelineDb).deleteFrom('pending_sign_ins').where('id_hash', '=', previousPendingHash).execute();
    const entry: SignInLogEntry = {
      ...evaluation.entryBase,
      status: { errorCode: evaluation.blocked.errorCode },
      conditionalAccessStatus: 'failure',
      authenticationRequirement: requirementOf(state.amr, state.partner),
      authenticationDetails: authDetails(state.amr, now),
    };
    const policies = evaluation.decision.appliedPolicies.filter((p) => p.result === 'failure').map((p) => p.displayName);
    return { blocked: { entry, user, emergency: Boolean(evaluation.emergency), errorCode: evaluation.blocked.errorCode, message: evaluation.blocked.message, policies, state }, effects };
  }
  const pendingRequired = evaluation.required.filter((requirement) => requirement !== 'reauthentication');
  if (pendingRequired.length > 0) {
    const { methods } = evaluation;
    const cookieValue = randomToken(32);
    const expiresAt = new Date(now.getTime() + PENDING_MINUTES * 60_000);
    if (previousPendingHash) await (trx as PipelineDb).deleteFrom('pending_sign_ins').where('id_hash', '=', previousPendingHash).execute();
    await (trx as PipelineDb).insertInto('pending_sign_ins').values({ id_hash: hashOf(cookieValue), user_id: userId, state, failures: 0, created_at: now, expires_at: expiresAt }).execute();
    // Entra logs the interrupted first leg too: a sign-in that stopped for MFA shows as 50074 until completed.
    await appendSignInLog(trx, deps.clock, {
      ...evaluation.entryBase,
      status: { errorCode: methods.totp || methods.webauthn ? SIGN_IN_ERROR_CODES.mfaRequired.code : SIGN_IN_ERROR_CODES.mfaRegistrationRequired.code },
      conditionalAccessStatus: evaluation.decision.conditionalAccessStatus === 'notApplied' ? 'notApplied' : 'failure',
      authenticationRequirement: 'multiFactorAuthentication',
      authenticationDetails: authDetails(state.amr, now),
    });
    if (evaluation.emergency) {
      // The first factor was right: that is already a use of the account worth an alert.
      const raised = await raiseEmergencyAccessAlert(trx, { ...deps, publicUrl: deps.config.publicUrl }, {
        kind: 'signInInterrupted',
        user,
        details: { reason: 'first factor accepted; second factor required', ipAddress: state.ipAddress, userAgent: state.userAgent, application: state.applicationDisplayName },
      });
      effects.alertIds.push(raised.alertId);
      effects.mailIds.push(...raised.mailIds);
    }
    return { outcome: { status: 'mfaRequired', cookieValue, view: pendingView(user, pendingRequired, methods, state, expiresAt), returnTo: state.returnTo }, effects };
  }
  if (previousPendingHash) await (trx as PipelineDb).deleteFrom('pending_sign_ins').where('id_hash', '=', previousPendingHash).execute();
  const amr = withMfa(state.amr, state.partner);
  const reauthenticateAt = evaluation.signInFrequencyMinutes === null ? null : new Date(now.getTime() + evaluation.signInFrequencyMinutes * 60_000);
  let session: NewSession;
  if (state.kind === 'stepUp' && state.sessionIdHash) {
    // The session keeps the sign-in frequency of its own sign-in: another application's frequency is checked when
    // that application is accessed (against authenticated_at), not imposed on the session.
    session = await stepUpSession(trx, state.sessionIdHash, amr);
  } else {
    if (state.newPasswordHash) {
      // A forced password change takes effect only with the sign-in it was part of (never for a blocked one).
      const user = evaluation.user;
      const actor = { kind: 'user', id: user.id, displayName: user.display_name, userPrincipalName: user.user_principal_name, ipAddress: state.ipAddress } as const;
      await setPasswordHash({ db: trx as DirDb, clock: deps.clock }, actor, user.id, state.newPasswordHash, trx as DirDb);
    }
    session = await createSession(trx, deps, userId, { ipAddress: state.ipAddress, userAgent: state.userAgent, amr, reauthenticateAt, applicationId: state.applicationId });
    await recordSignIn(trx as DirDb, userId, now, true);
  }
  await appendSignInLog(trx, deps.clock, {
    ...evaluation.entryBase,
    status: { errorCode: 0 },
    conditionalAccessStatus: evaluation.decision.conditionalAccessStatus,
    authenticationRequirement: requirementOf(amr, state.partner),
    authenticationDetails: authDetails(state.amr, now),
  });
  await appendAudit(trx, deps.clock, {
    event: 'auth.signedIn',
    actor: userActor(user, state.ipAddress),
    targets: [userTarget(user)],
    details: { correlationId: state.correlationId, method: state.method, amr: amr.join(' '), ...(state.partner?.amr ? { partnerAmr: state.partner.amr.join(' '), partnerMfaTrusted: state.partner.mfa } : {}), application: state.applicationDisplayName, conditionalAccessStatus: evaluation.decision.conditionalAccessStatus, ipAddress: state.ipAddress, userAgent: state.userAgent },
  });
  if (evaluation.emergency) {
    const raised = await raiseEmergencyAccessAlert(trx, { ...deps, publicUrl: deps.config.publicUrl }, {
      kind: 'signIn',
      user,
      details: { ipAddress: state.ipAddress, userAgent: state.userAgent, application: state.applicationDisplayName, method: state.method, country: evaluation.entryBase.location?.countryOrRegion ?? null },
    });
    effects.alertIds.push(raised.alertId);
    effects.mailIds.push(...raised.mailIds);
  }
  return { outcome: { status: 'signedIn', userId, session, persistent: evaluation.persistent, returnTo: state.returnTo }, effects };
}

/** Rotate the id of a session that completed a step-up and record the factor (rotation at privilege change). */
async function stepUpSession(trx: Db, idHash: string, amr: string[]): Promise<NewSession> {
  const cookieValue = randomToken(32);
  const session = await (trx as AuthDb)
    .updateTable('browser_sessions')
    .set({ id_hash: hashOf(cookieValue), amr })
    .where('id_hash', '=', idHash)
    .where('revoked_at', 'is', null)
    .returning(['csrf_token', 'expires_at'])
    .executeTakeFirst();
  if (!session) throw authError('SIGN_IN_PENDING_NOT_FOUND', 'The session this verification was for has ended: sign in again.');
  return { cookieValue, csrfToken: session.csrf_token, expiresAt: session.expires_at };
}

/**
 * After the caller's transaction: deliver alerts and mail, and for a block write the sign-in log, audit the
 * refusal, alert for an emergency-access account, and throw SIGN_IN_BLOCKED naming the sign-in log entry.
 */
export async function settleSignIn(deps: SignInPipelineDeps, step: SignInStep): Promise<SignInOutcome> {
  if ('outcome' in step) {
    deps.notify?.(step.effects);
    return step.outcome;
  }
  const { blocked } = step;
  const effects: Effects = { mailIds: [], alertIds: [] };
  const logId = await inTransaction(deps.db, async (trx) => {
    const { id } = await appendSignInLog(trx, deps.clock, blocked.entry);
    await appendAudit(trx, deps.clock, {
      event: 'auth.signInBlocked',
      actor: userActor(blocked.user, blocked.state.ipAddress),
      targets: [userTarget(blocked.user)],
      result: 'failure',
      resultReason: blocked.message,
      details: { correlationId: blocked.state.correlationId, signInId: id, errorCode: blocked.errorCode, policies: blocked.policies.join(', '), application: blocked.state.applicationDisplayName, ipAddress: blocked.state.ipAddress },
    });
    if (blocked.emergency) {
      const raised = await raiseEmergencyAccessAlert(trx, { ...deps, publicUrl: deps.config.publicUrl }, {
        kind: 'signInFailed',
        user: blocked.user,
        details: { reason: 'blocked by Conditional Access', ipAddress: blocked.state.ipAddress, userAgent: blocked.state.userAgent, signInId: id },
      });
      effects.alertIds.push(raised.alertId);
      effects.mailIds.push(...raised.mailIds);
    }
    return id;
  });
  deps.notify?.(effects);
  throw new AppError('SIGN_IN_BLOCKED', AuthErrorCodes.SIGN_IN_BLOCKED.status, `${blocked.message} If you think this is wrong, give your administrator this reference: ${logId}.`, { details: { signInId: logId } });
}

/** amr values of a partner token that mean it did multifactor authentication (OIDC, and Entra's SAML claim). */
const PARTNER_MFA = new Set(['mfa', 'http://schemas.microsoft.com/claims/multipleauthn']);

/**
 * What Conditional Access may take from a partner's sign-in: its MFA counts only when the cross-tenant settings
 * for that partner trust it (inboundTrust.isMfaAccepted) and the partner token says MFA was done; its device
 * compliance only when inboundTrust.isCompliantDeviceAccepted and the token's device claim says compliant
 * (OIDC `device_compliant` or the mapped claim; SAML's devicecontext `iscompliant`). Nothing else satisfies
 * compliantDevice: Gatehouse manages no devices.
 */
export async function partnerTrustOf(db: Db, claims: FederatedClaims | null): Promise<PendingSignInState['partner']> {
  if (!claims) return null;
  const settings = await effectiveCrossTenant(db as DirDb, [claims.partner]);
  const mfaClaimed = claims.amr.some((value) => PARTNER_MFA.has(value));
  const compliantDevice = settings.inboundTrust?.isCompliantDeviceAccepted === true && claims.deviceCompliant === true;
  return { tenantId: claims.partner, mfa: settings.inboundTrust?.isMfaAccepted === true && mfaClaimed, compliantDevice, amr: claims.amr.slice(0, 20) };
}

/**
 * The state of a decision for a user who already authenticated (a portal session, a refresh token's grant): the
 * first factor and amr as recorded, and a partner's MFA — folded into the amr as `mfa` without a second factor of
 * ours when the session began — taken as the partner's.
 */
function authenticatedState(
  kind: PendingSignInState['kind'],
  amrSoFar: readonly string[],
  application: SignInApplication,
  request: { ipAddress: string | null; userAgent: string | null; returnTo: string | null },
): PendingSignInState {
  const amr = amrSoFar.filter((value) => value !== 'mfa');
  const partnerMfa = amrSoFar.includes('mfa') && !amr.some((value) => SECOND_FACTORS.has(value));
  return {
    kind,
    applicationId: application.id,
    applicationDisplayName: application.displayName,
    clientAppType: application.clientAppType,
    method: amr.includes('fed') ? 'federated' : amr.includes('email') ? 'emailOtp' : 'password',
    amr,
    partner: partnerMfa ? { tenantId: null, mfa: true, compliantDevice: false } : null,
    ipAddress: request.ipAddress,
    userAgent: request.userAgent ? request.userAgent.slice(0, 512) : null,
    correlationId: newId(),
    returnTo: request.returnTo,
  };
}

/** The state a fresh sign-in starts with. */
export function newSignInState(request: SignInRequest): PendingSignInState {
  const application = request.application ?? PORTAL_APPLICATION;
  return {
    kind: 'signIn',
    applicationId: application.id,
    applicationDisplayName: application.displayName,
    clientAppType: application.clientAppType,
    method: request.method,
    amr: [FIRST_FACTORS[request.method]],
    partner: request.partner ?? null,
    ipAddress: request.ipAddress,
    userAgent: request.userAgent ? request.userAgent.slice(0, 512) : null,
    correlationId: newId(),
    returnTo: request.returnTo ?? null,
    ...(request.newPasswordHash ? { newPasswordHash: request.newPasswordHash } : {}),
  };
}

/**
 * A first factor was proven: run the pipeline inside the caller's transaction. Pass the result to settleSignIn
 * after commit.
 */
export function signInWithin(trx: Db, deps: SignInPipelineDeps, request: SignInRequest): Promise<SignInStep> {
  return run(trx, deps, request.userId, newSignInState(request));
}

/** A first factor was proven and the caller has no transaction of its own. */
export async function completeSignIn(deps: SignInPipelineDeps, request: SignInRequest): Promise<SignInOutcome> {
  const step = await inTransaction(deps.db, (trx) => signInWithin(trx, deps, request));
  return settleSignIn(deps, step);
}

interface PendingRow {
  idHash: string;
  userId: string;
  state: PendingSignInState;
  failures: number;
  expiresAt: Date;
}

async function pendingOf(db: Db, deps: SignInPipelineDeps, cookieValue: string | undefined, lock = false): Promise<PendingRow> {
  const gone = () => authError('SIGN_IN_PENDING_NOT_FOUND', 'This sign-in has expired or was already completed: sign in again.');
  if (typeof cookieValue !== 'string' || !COOKIE_VALUE.test(cookieValue)) throw gone();
  let query = (db as PipelineDb).selectFrom('pending_sign_ins').selectAll().where('id_hash', '=', hashOf(cookieValue));
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row || row.expires_at.getTime() <= deps.clock.now().getTime()) throw gone();
  // Revoking the user's sessions (or disabling the account) also ends sign-ins still waiting for a factor.
  const user = await findUserRow(db as DirDb, row.user_id);
  if (!user || !user.account_enabled || row.created_at.getTime() < user.sign_in_sessions_valid_from.getTime()) throw gone();
  return { idHash: row.id_hash, userId: row.user_id, state: row.state, failures: row.failures, expiresAt: row.expires_at };
}

/** What the MFA page shows for a pending sign-in. */
export async function currentPendingSignIn(deps: SignInPipelineDeps, cookieValue: string | undefined): Promise<PendingView> {
  const pending = await pendingOf(deps.db, deps, cookieValue);
  const evaluation = await evaluate(deps.db, deps, pending.state, pending.userId, 0);
  return pendingView(evaluation.user, evaluation.required.filter((r) => r !== 'reauthentication'), evaluation.methods, pending.state, pending.expiresAt);
}

/** WebAuthn options for a pending sign-in (passkey sign-in), or for registering a passkey when allowed. */
export async function pendingWebAuthnOptions(deps: SignInPipelineDeps, cookieValue: string | undefined, purpose: 'authenticate' | 'register'): Promise<unknown> {
  const pending = await pendingOf(deps.db, deps, cookieValue);
  if (purpose === 'register') {
    const view = await currentPendingSignIn(deps, cookieValue);
    if (!view.registration.passkey) throw authError('MFA_REGISTRATION_REQUIRED', 'A passkey can be registered during sign-in only when one is required and none is registered yet.');
    return secondFactors.webauthnRegistrationOptions(deps, pending.userId);
  }
  return secondFactors.webauthnAuthenticationOptions(deps, pending.userId);
}

/** Begin registering an authenticator app during sign-in (only for a user with no second factor yet). */
export async function beginPendingTotpEnrolment(deps: SignInPipelineDeps, cookieValue: string | undefined): Promise<{ enrolmentId: string; secret: string; otpauthUri: string; qrCodeDataUrl: string }> {
  const pending = await pendingOf(deps.db, deps, cookieValue);
  const view = await currentPendingSignIn(deps, cookieValue);
  if (!view.registration.totp) throw authError('MFA_REGISTRATION_REQUIRED', 'An authenticator app can be registered during sign-in only by an account that has no second factor yet; sign in and use Security info instead.');
  return secondFactors.beginTotpEnrolment(deps, pending.userId);
}

/**
 * Prove a second factor for a pending sign-in (or finish registering one), then run the pipeline again with it.
 * A wrong proof is logged (500121), audited and counted; after PENDING_MAX_FAILURES the pending sign-in ends.
 */
export async function verifyPendingSignIn(deps: SignInPipelineDeps, cookieValue: string | undefined, proof: SecondFactorProof): Promise<SignInOutcome> {
  const pending = await pendingOf(deps.db, deps, cookieValue);
  if (proof.type === 'totpEnrolment' || proof.type === 'passkeyRegistration') {
    // Registering during sign-in is allowed only as the pending view offers it (checked again here, not only
    // when the ceremony began).
    const { registration } = await currentPendingSignIn(deps, cookieValue);
    if (!(proof.type === 'totpEnrolment' ? registration.totp : registration.passkey)) {
      throw authError('MFA_REGISTRATION_REQUIRED', 'This sign-in cannot register that method now; sign in and use Security info instead.');
    }
  }
  // The factor check throttles and audits its own failures (per user), outside the pipeline's transaction.
  const result = await secondFactors.verify(deps, pending.userId, proof).catch(async (error: unknown) => {
    if ((error as { code?: string }).code === 'SIGN_IN_LOCKED') await recordFactorFailure(deps, pending, AMR_OF_PROOF[proof.type]);
    throw error;
  });
  if (!result.ok) {
    await recordFactorFailure(deps, pending, result.amr);
    throw authError('MFA_FAILED', result.message);
  }
  const step = await inTransaction(deps.db, async (trx) => {
    const locked = await pendingOf(trx, deps, cookieValue, true);
    const state: PendingSignInState = { ...locked.state, amr: [...new Set([...locked.state.amr, result.amr])] };
    const user = await findUserRow(trx as DirDb, locked.userId);
    if (user) {
      await appendAudit(trx, deps.clock, { event: 'auth.mfaCompleted', actor: userActor(user, state.ipAddress), targets: [userTarget(user)], details: { correlationId: state.correlationId, method: METHOD_NAMES[result.amr] ?? result.amr, application: state.applicationDisplayName } });
    }
    return run(trx, deps, locked.userId, state, locked.idHash);
  });
  return settleSignIn(deps, step);
}

async function recordFactorFailure(deps: SignInPipelineDeps, pending: PendingRow, amr: string): Promise<void> {
  const now = deps.clock.now();
  const effects = await inTransaction(deps.db, async (trx): Promise<AlertEffects> => {
    const user = await findUserRow(trx as DirDb, pending.userId);
    const failures = pending.failures + 1;
    if (failures >= PENDING_MAX_FAILURES) await (trx as PipelineDb).deleteFrom('pending_sign_ins').where('id_hash', '=', pending.idHash).execute();
    else await (trx as PipelineDb).updateTable('pending_sign_ins').set({ failures }).where('id_hash', '=', pending.idHash).execute();
    if (!user) return { mailIds: [], alertIds: [] };
    await appendSignInLog(trx, deps.clock, {
      userId: user.id,
      userPrincipalName: user.user_principal_name,
      userDisplayName: user.display_name,
      userType: user.user_type === 'Guest' ? 'guest' : 'member',
      appId: pending.state.applicationId,
      appDisplayName: pending.state.applicationDisplayName,
      ipAddress: pending.state.ipAddress,
      clientAppUsed: pending.state.clientAppType === 'browser' ? 'Browser' : 'Mobile Apps and Desktop clients',
      isInteractive: true,
      homeTenantId: pending.state.partner?.tenantId ?? null,
      resourceTenantId: (await getTenant(trx as DirDb))?.id ?? null,
      correlationId: pending.state.correlationId,
      status: { errorCode: SIGN_IN_ERROR_CODES.mfaFailed.code },
      conditionalAccessStatus: 'failure',
      authenticationRequirement: 'multiFactorAuthentication',
      authenticationDetails: authDetails(pending.state.amr, now, amr),
    });
    await appendAudit(trx, deps.clock, {
      event: 'auth.mfaFailed',
      actor: userActor(user, pending.state.ipAddress),
      targets: [userTarget(user)],
      result: 'failure',
      resultReason: `${METHOD_NAMES[amr] ?? amr} not accepted`,
      details: { correlationId: pending.state.correlationId, method: METHOD_NAMES[amr] ?? amr, failures, ipAddress: pending.state.ipAddress },
    });
    return alertIfEmergencyAccess(trx, { ...deps, publicUrl: deps.config.publicUrl }, { kind: 'signInFailed', user, details: { reason: 'second factor refused', ipAddress: pending.state.ipAddress } });
  });
  // After commit: the alert row must be visible to the delivery that starts now.
  deps.notify?.(effects);
}

/** Cancel a pending sign-in (the user went back). Idempotent. */
export async function cancelPendingSignIn(deps: SignInPipelineDeps, cookieValue: string | undefined): Promise<void> {
  if (typeof cookieValue !== 'string' || !COOKIE_VALUE.test(cookieValue)) return;
  await (deps.db as PipelineDb).deleteFrom('pending_sign_ins').where('id_hash', '=', hashOf(cookieValue)).execute();
}

export type ApplicationAccess =
  | { status: 'allowed'; amr: string[] }
  | { status: 'mfaRequired'; cookieValue: string; view: PendingView }
  | { status: 'reauthenticate' };

/**
 * A signed-in user (portal session) asks for another application (an OAuth client: the CLI, a registered app).
 * Conditional Access is evaluated for that application with what the session already proved: allowed, a
 * step-up for a further factor (completing it rotates the session id and adds the factor), or sign in again
 * (sign-in frequency). A block is logged and thrown (SIGN_IN_BLOCKED). Each allowed access is logged.
 */
export async function accessApplication(
  deps: SignInPipelineDeps,
  session: { cookieValue: string; userId: string; amr: string[]; authenticatedAt: Date },
  application: SignInApplication,
  request: { ipAddress: string | null; userAgent: string | null; returnTo: string | null },
  /** Log an allowed access (the final step that issues a token); a check before showing a page does not. */
  options: { record?: boolean } = {},
): Promise<ApplicationAccess> {
  const now = deps.clock.now();
  const state: PendingSignInState = { ...authenticatedState('stepUp', session.amr, application, request), sessionIdHash: hashOf(session.cookieValue) };
  const ageMinutes = Math.max(0, Math.floor((now.getTime() - session.authenticatedAt.getTime()) / 60_000));
  const evaluation = await evaluate(deps.db, deps, state, session.userId, ageMinutes);
  if (evaluation.blocked) {
    const policies = evaluation.decision.appliedPolicies.filter((p) => p.result === 'failure').map((p) => p.displayName);
    const entry: SignInLogEntry = { ...evaluation.entryBase, status: { errorCode: evaluation.blocked.errorCode }, conditionalAccessStatus: 'failure', authenticationRequirement: requirementOf(session.amr, state.partner), authenticationDetails: authDetails(state.amr, now) };
    await settleSignIn(deps, { blocked: { entry, user: evaluation.user, emergency: Boolean(evaluation.emergency), errorCode: evaluation.blocked.errorCode, message: evaluation.blocked.message, policies, state }, effects: { mailIds: [], alertIds: [] } });
  }
  if (evaluation.required.includes('reauthentication') || evaluation.decision.sessionControls.reauthenticationRequired) {
    await inTransaction(deps.db, (trx) =>
      appendSignInLog(trx, deps.clock, { ...evaluation.entryBase, status: { errorCode: SIGN_IN_ERROR_CODES.reauthenticationRequired.code }, conditionalAccessStatus: 'failure', authenticationRequirement: requirementOf(session.amr, state.partner), authenticationDetails: authDetails(state.amr, now) }),
    );
    return { status: 'reauthenticate' };
  }
  if (evaluation.required.length > 0) {
    const step = await inTransaction(deps.db, (trx) => run(trx, deps, session.userId, state));
    const outcome = await settleSignIn(deps, step);
    if (outcome.status === 'mfaRequired') return { status: 'mfaRequired', cookieValue: outcome.cookieValue, view: outcome.view };
    return { status: 'allowed', amr: withMfa(state.amr, state.partner) };
  }
  if (options.record !== false) {
    await inTransaction(deps.db, (trx) =>
      appendSignInLog(trx, deps.clock, { ...evaluation.entryBase, status: { errorCode: 0 }, conditionalAccessStatus: evaluation.decision.conditionalAccessStatus, authenticationRequirement: requirementOf(session.amr, state.partner), authenticationDetails: authDetails(state.amr, now) }),
    );
  }
  return { status: 'allowed', amr: session.amr };
}

/** A refresh token being redeemed, for evaluateTokenRefresh. */
export interface TokenRefreshRequest {
  userId: string;
  /** The OAuth client the refresh token belongs to (application id = client id). */
  application: SignInApplication;
  /** What the sign-in behind the refresh token proved (the token's amr) and when (its auth_time). */
  amr: readonly string[];
  authTime: Date | null;
  ipAddress: string | null;
  userAgent: string | null;
}

export type TokenRefreshOutcome =
  | { status: 'allowed' }
  /** `signInId`: the sign-in log entry to quote (null when the account can no longer sign in at all). */
  | { status: 'refused'; errorCode: number; message: string; signInId: string | null };

/**
 * A refresh token is redeemed (the refresh_token grant): Conditional Access is evaluated again, non-interactively,
 * for the token's client and user, with the request's address and client and what the original sign-in proved
 * (its amr), the sign-in frequency counted from its auth_time. Nothing can be prompted for here, so a block
 * (53003), a grant control the amr does not satisfy (50076) and a sign-in frequency that has passed (70044)
 * refuse the refresh and the application must sign the user in again. Every outcome is logged with
 * isInteractive false; an emergency-access account raises its alert, as for any sign-in.
 */
export async function evaluateTokenRefresh(deps: SignInPipelineDeps, request: TokenRefreshRequest): Promise<TokenRefreshOutcome> {
  const now = deps.clock.now();
  const state = authenticatedState('signIn', request.amr, request.application, { ipAddress: request.ipAddress, userAgent: request.userAgent, returnTo: null });
  // Without an auth_time the sign-in's age is unknown: too old for any sign-in frequency.
  const ageMinutes = request.authTime ? Math.max(0, Math.floor((now.getTime() - request.authTime.getTime()) / 60_000)) : Number.MAX_SAFE_INTEGER;
  let evaluation: Evaluation;
  try {
    evaluation = await evaluate(deps.db, deps, state, request.userId, ageMinutes);
  } catch (error) {
    if ((error as { code?: string }).code !== 'INVALID_CREDENTIALS') throw error;
    return { status: 'refused', errorCode: SIGN_IN_ERROR_CODES.accountDisabled.code, message: 'This account cannot sign in.', signInId: null };
  }
  const { user } = evaluation;
  const entry = { ...evaluation.entryBase, isInteractive: false, authenticationRequirement: requirementOf(state.amr, state.partner), authenticationDetails: authDetails(state.amr, request.authTime ?? now) };
  if (evaluation.blocked) {
    const { errorCode, message } = evaluation.blocked;
    const policies = evaluation.decision.appliedPolicies.filter((p) => p.result === 'failure').map((p) => p.displayName);
    const blocked: BlockedSignIn = { entry: { ...entry, status: { errorCode }, conditionalAccessStatus: 'failure' }, user, emergency: Boolean(evaluation.emergency), errorCode, message, policies, state };
    // Recorded as an interactive block is (log, audit, emergency-access alert); settleSignIn always throws for one.
    const refused = await settleSignIn(deps, { blocked, effects: { mailIds: [], alertIds: [] } }).then(
      () => undefined,
      (error: unknown) => {
        if ((error as { code?: string }).code !== 'SIGN_IN_BLOCKED') throw error;
        return error as AppError;
      },
    );
    const signInId = refused?.details?.signInId;
    return { status: 'refused', errorCode, message: refused?.message ?? message, signInId: typeof signInId === 'string' ? signInId : null };
  }
  const unmet = evaluation.required.filter((requirement) => requirement !== 'reauthentication');
  const refusal =
    evaluation.required.includes('reauthentication') || evaluation.decision.sessionControls.reauthenticationRequired
      ? { errorCode: SIGN_IN_ERROR_CODES.reauthenticationRequired.code, message: "Your organization's sign-in frequency requires signing in again.", conditionalAccessStatus: 'failure' as const }
      : unmet.length > 0
        ? {
            errorCode: SIGN_IN_ERROR_CODES.mfaRequiredInterrupt.code,
            message: `Your organization's access policy requires ${unmet.includes('phishingResistant') && !unmet.includes('mfa') ? 'a passkey' : 'multifactor authentication'}, which the sign-in behind this refresh token did not do; sign in again.`,
            conditionalAccessStatus: evaluation.decision.conditionalAccessStatus === 'notApplied' ? ('notApplied' as const) : ('failure' as const),
          }
        : null;
  const effects: Effects = { mailIds: [], alertIds: [] };
  const signInId = await inTransaction(deps.db, async (trx) => {
    const { id } = await appendSignInLog(trx, deps.clock, {
      ...entry,
      status: { errorCode: refusal?.errorCode ?? 0 },
      conditionalAccessStatus: refusal?.conditionalAccessStatus ?? evaluation.decision.conditionalAccessStatus,
    });
    if (!refusal) await recordSignIn(trx as DirDb, user.id, now, false);
    if (evaluation.emergency) {
      const raised = await raiseEmergencyAccessAlert(trx, { ...deps, publicUrl: deps.config.publicUrl }, {
        kind: refusal ? 'signInFailed' : 'signIn',
        user,
        details: { grant: 'refresh_token', application: state.applicationDisplayName, ipAddress: state.ipAddress, userAgent: state.userAgent, signInId: id, ...(refusal ? { reason: refusal.message } : { country: evaluation.entryBase.location?.countryOrRegion ?? null }) },
      });
      effects.alertIds.push(raised.alertId);
      effects.mailIds.push(...raised.mailIds);
    }
    return id;
  });
  deps.notify?.(effects);
  return refusal ? { status: 'refused', errorCode: refusal.errorCode, message: refusal.message, signInId } : { status: 'allowed' };
}

/**
 * Before a security-sensitive change (adding or removing a sign-in method when the account already has a second
 * factor), a session that did not prove one must step up: the answer is `allowed`, or a pending step-up the MFA
 * page completes (which rotates the session id and adds the factor to its amr).
 */
export async function requireSecondFactor(
  deps: SignInPipelineDeps,
  session: { cookieValue: string; userId: string; amr: string[] },
  request: { ipAddress: string | null; userAgent: string | null; returnTo: string | null },
): Promise<{ status: 'allowed' } | { status: 'mfaRequired'; cookieValue: string; view: PendingView }> {
  if (session.amr.includes('mfa')) return { status: 'allowed' };
  const state: PendingSignInState = { ...authenticatedState('stepUp', session.amr, PORTAL_APPLICATION, request), sessionIdHash: hashOf(session.cookieValue), forceMfa: true };
  const step = await inTransaction(deps.db, (trx) => run(trx, deps, session.userId, state));
  const outcome = await settleSignIn(deps, step);
  return outcome.status === 'mfaRequired' ? { status: 'mfaRequired', cookieValue: outcome.cookieValue, view: outcome.view } : { status: 'allowed' };
}

/** Delete pending sign-ins that expired (run by the auth sweep). */
export async function sweepPendingSignIns(deps: { db: Db; clock: { now(): Date } }): Promise<number> {
  const result = await (deps.db as PipelineDb).deleteFrom('pending_sign_ins').where('expires_at', '<', deps.clock.now()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
