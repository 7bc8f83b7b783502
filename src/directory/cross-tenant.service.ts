import { changedProperties } from '#src/core/diff.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { inTransaction } from '#src/store/index.ts';
import type { DirDb as Db, DirectoryDeps } from './directory.deps.ts';
import { directoryError } from './directory.errors.ts';

/**
 * Cross-tenant access settings in Graph's shape (crossTenantAccessPolicy/default and /partners/{tenantId}). A
 * partner is keyed by its tenant id, or by its identity provider's issuer when it has no tenant id. Gatehouse
 * enforces b2bCollaborationInbound (at redemption and at every guest sign-in) and inboundTrust (MFA and device
 * claims, read by sign-in); outbound and direct-connect settings are kept and returned but have nothing to
 * govern here (Gatehouse's own users do not go out to partners through it).
 */
export interface PolicyTarget {
  target: string;
  targetType: 'user' | 'group' | 'application';
}
export interface TargetConfiguration {
  accessType: 'allowed' | 'blocked';
  targets: PolicyTarget[];
}
export interface B2BSetting {
  usersAndGroups: TargetConfiguration | null;
  applications: TargetConfiguration | null;
}
export interface InboundTrust {
  isMfaAccepted: boolean;
  isCompliantDeviceAccepted: boolean;
  isHybridAzureADJoinedDeviceAccepted: boolean;
}
export interface CrossTenantSettings {
  b2bCollaborationInbound: B2BSetting | null;
  b2bCollaborationOutbound: B2BSetting | null;
  b2bDirectConnectInbound: B2BSetting | null;
  b2bDirectConnectOutbound: B2BSetting | null;
  inboundTrust: InboundTrust | null;
  automaticUserConsentSettings: { inboundAllowed: boolean | null; outboundAllowed: boolean | null } | null;
}
export type PartnerSettings = CrossTenantSettings & { tenantId: string; isServiceProvider: boolean | null };

const DEFAULT_KEY = '#default';
const SETTING_KEYS = ['b2bCollaborationInbound', 'b2bCollaborationOutbound', 'b2bDirectConnectInbound', 'b2bDirectConnectOutbound'] as const;

const all = (accessType: 'allowed' | 'blocked'): B2BSetting => ({
  usersAndGroups: { accessType, targets: [{ target: 'AllUsers', targetType: 'user' }] },
  applications: { accessType, targets: [{ target: 'AllApplications', targetType: 'application' }] },
});

/** Entra's service defaults: B2B collaboration allowed, direct connect blocked, no partner claims trusted. */
export const serviceDefaults = (): CrossTenantSettings => ({
  b2bCollaborationInbound: all('allowed'),
  b2bCollaborationOutbound: all('allowed'),
  b2bDirectConnectInbound: all('blocked'),
  b2bDirectConnectOutbound: all('blocked'),
  inboundTrust: { isMfaAccepted: false, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false },
  automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: false },
});

/** Accept Graph's object targets and bare strings (read as ids); check every value. */
function normalizeTargets(path: string, kind: 'usersAndGroups' | 'applications', raw: unknown): TargetConfiguration | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object') throw directoryError('INVALID_VALUE', `${path} must be an object with accessType and targets`);
  const value = raw as { accessType?: unknown; targets?: unknown };
  if (value.accessType !== 'allowed' && value.accessType !== 'blocked') throw directoryError('INVALID_VALUE', `${path}.accessType must be allowed or blocked`);
  const list = value.targets ?? [];
  if (!Array.isArray(list) || list.length > 500) throw directoryError('INVALID_VALUE', `${path}.targets must be a list of at most 500 targets`);
  const targets = list.map((t: unknown, i: number): PolicyTarget => {
    const target = typeof t === 'string' ? t : (t as { target?: unknown })?.target;
    if (typeof target !== 'string' || target.trim() === '' || target.length > 2048) throw directoryError('INVALID_VALUE', `${path}.targets[${i}] needs a target (an id, AllUsers or AllApplications)`);
    const given = typeof t === 'string' ? undefined : (t as { targetType?: unknown }).targetType;
    const allowedTypes = kind === 'applications' ? ['application'] : ['user', 'group'];
    if (given !== undefined && (typeof given !== 'string' || !allowedTypes.includes(given))) {
      throw directoryError('INVALID_VALUE', `${path}.targets[${i}].targetType must be ${allowedTypes.join(' or ')}`);
    }
    return { target: target.trim(), targetType: (given as PolicyTarget['targetType'] | undefined) ?? (kind === 'applications' ? 'application' : 'user') };
  });
  return { accessType: value.accessType, targets };
}

function normalizeSetting(name: string, raw: unknown): B2BSetting | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object') throw directoryError('INVALID_VALUE', `${name} must be an object with usersAndGroups and applications`);
  const extra = Object.keys(raw).filter((k) => !['usersAndGroups', 'applications', '@odata.type'].includes(k));
  if (extra.length) throw directoryError('INVALID_VALUE', `${name}: unknown property '${extra[0]}'`);
  const value = raw as Record<string, unknown>;
  return { usersAndGroups: normalizeTargets(`${name}.usersAndGroups`, 'usersAndGroups', value.usersAndGroups), applications: normalizeTargets(`${name}.applications`, 'applications', value.applications) };
}

/** A validated partial change of cross-tenant settings (what a PATCH or POST body may set). */
export function normalizeCrossTenantPatch(body: Record<string, unknown>): Partial<CrossTenantSettings> & { isServiceProvider?: boolean | null } {
  const out: Partial<CrossTenantSettings> & { isServiceProvider?: boolean | null } = {};
  for (const key of SETTING_KEYS) if (key in body) out[key] = normalizeSetting(key, body[key]);
  if ('inboundTrust' in body) {
    const t = body.inboundTrust as Partial<InboundTrust> | null;
    out.inboundTrust = t === null ? null : { isMfaAccepted: t?.isMfaAccepted === true, isCompliantDeviceAccepted: t?.isCompliantDeviceAccepted === true, isHybridAzureADJoinedDeviceAccepted: t?.isHybridAzureADJoinedDeviceAccepted === true };
  }
  if ('automaticUserConsentSettings' in body) {
    const a = body.automaticUserConsentSettings as { inboundAllowed?: boolean | null; outboundAllowed?: boolean | null } | null;
    out.automaticUserConsentSettings = a === null ? null : { inboundAllowed: a?.inboundAllowed ?? null, outboundAllowed: a?.outboundAllowed ?? null };
  }
  if ('isServiceProvider' in body) out.isServiceProvider = (body.isServiceProvider as boolean | null) ?? null;
  return out;
}

async function read(db: Db, key: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('cross_tenant_policies').select('body').where('partner', '=', key).executeTakeFirst();
  return row?.body as Record<string, unknown> | undefined;
}

export async function getCrossTenantDefault(db: Db): Promise<CrossTenantSettings & { isServiceDefault: boolean }> {
  const stored = await read(db, DEFAULT_KEY);
  return { ...serviceDefaults(), ...(stored ?? {}), isServiceDefault: stored === undefined };
}

const emptyPartner = (tenantId: string): PartnerSettings => ({
  tenantId,
  isServiceProvider: null,
  b2bCollaborationInbound: null,
  b2bCollaborationOutbound: null,
  b2bDirectConnectInbound: null,
  b2bDirectConnectOutbound: null,
  inboundTrust: null,
  automaticUserConsentSettings: null,
});

export async function getCrossTenantPartner(db: Db, tenantId: string): Promise<PartnerSettings> {
  const stored = await read(db, tenantId);
  if (!stored || tenantId === DEFAULT_KEY) throw directoryError('PARTNER_NOT_FOUND', `No cross-tenant access settings exist for partner '${tenantId}'.`);
  return { ...emptyPartner(tenantId), ...stored };
}

export async function listCrossTenantPartners(db: Db): Promise<PartnerSettings[]> {
  const rows = await db.selectFrom('cross_tenant_policies').select(['partner', 'body']).where('partner', '<>', DEFAULT_KEY).orderBy('partner').execute();
  return rows.map((r) => ({ ...emptyPartner(r.partner), ...(r.body as object) }));
}

const PARTNER_ID = /^[^\s#][^\s]{0,2047}$/;

/** Write one settings document (default or partner) and audit what changed. */
async function write(deps: DirectoryDeps, actor: Actor, key: string, mode: 'create' | 'update' | 'reset', patch: Record<string, unknown>): Promise<Record<string, unknown>> {
  return inTransaction(deps.db, async (trx) => {
    const existing = await trx.selectFrom('cross_tenant_policies').select('body').where('partner', '=', key).forUpdate().executeTakeFirst();
    if (mode === 'create' && existing) throw directoryError('DUPLICATE_VALUE', `Cross-tenant access settings for partner '${key}' already exist; PATCH them instead.`);
    if (mode === 'update' && !existing && key !== DEFAULT_KEY) throw directoryError('PARTNER_NOT_FOUND', `No cross-tenant access settings exist for partner '${key}'.`);
    const before = (existing?.body ?? {}) as Record<string, unknown>;
    const after = mode === 'reset' ? {} : { ...before, ...patch };
    const now = deps.clock.now();
    if (mode === 'reset') await trx.deleteFrom('cross_tenant_policies').where('partner', '=', key).execute();
    else {
      await trx
        .insertInto('cross_tenant_policies')
        .values({ partner: key, body: JSON.stringify(after), created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('partner').doUpdateSet({ body: JSON.stringify(after), updated_at: now }))
        .execute();
    }
    const changes = changedProperties(before, mode === 'reset' ? Object.fromEntries(Object.keys(before).map((k) => [k, null])) : patch);
    await appendAudit(trx, deps.clock, {
      event: 'policy.updated',
      actor,
      targets: [{ id: key === DEFAULT_KEY ? 'crossTenantAccessPolicy/default' : `crossTenantAccessPolicy/partners/${key}`, type: 'Policy', displayName: key === DEFAULT_KEY ? 'Cross-tenant access (default)' : `Cross-tenant access (${key})`, modifiedProperties: changes }],
      details: { operation: mode },
    });
    return after;
  });
}

export async function updateCrossTenantDefault(deps: DirectoryDeps, actor: Actor, body: Record<string, unknown>): Promise<void> {
  const patch = normalizeCrossTenantPatch(body);
  if ('isServiceProvider' in patch) throw directoryError('INVALID_VALUE', 'isServiceProvider is a property of partner settings only');
  await write(deps, actor, DEFAULT_KEY, 'update', patch);
}

/** Graph's resetToSystemDefault: forget every change to the default settings. */
export async function resetCrossTenantDefault(deps: DirectoryDeps, actor: Actor): Promise<void> {
  await write(deps, actor, DEFAULT_KEY, 'reset', {});
}

export async function createCrossTenantPartner(deps: DirectoryDeps, actor: Actor, body: Record<string, unknown>): Promise<PartnerSettings> {
  const tenantId = body.tenantId;
  if (typeof tenantId !== 'string' || !PARTNER_ID.test(tenantId)) throw directoryError('INVALID_VALUE', 'tenantId is required: the partner tenant id or its identity provider issuer URL');
  const { tenantId: _ignored, ...rest } = body;
  const after = await write(deps, actor, tenantId, 'create', normalizeCrossTenantPatch(rest));
  return { ...emptyPartner(tenantId), ...after };
}

export async function updateCrossTenantPartner(deps: DirectoryDeps, actor: Actor, tenantId: string, body: Record<string, unknown>): Promise<void> {
  if ('tenantId' in body && body.tenantId !== tenantId) throw directoryError('INVALID_VALUE', "tenantId is read-only");
  const { tenantId: _ignored, ...rest } = body;
  await write(deps, actor, tenantId, 'update', normalizeCrossTenantPatch(rest));
}

export async function deleteCrossTenantPartner(deps: DirectoryDeps, actor: Actor, tenantId: string): Promise<void> {
  await getCrossTenantPartner(deps.db, tenantId);
  await write(deps, actor, tenantId, 'reset', {});
}

/** The settings that apply to one partner: each property of its own settings, or the default's where it has none. */
export async function effectiveCrossTenant(db: Db, partnerKeys: (string | null | undefined)[]): Promise<CrossTenantSettings & { partner: string | null }> {
  const defaults = await getCrossTenantDefault(db);
  for (const key of partnerKeys) {
    if (!key) continue;
    const stored = await read(db, key);
    if (!stored || key === DEFAULT_KEY) continue;
    const merged: CrossTenantSettings = { ...defaults };
    for (const [name, value] of Object.entries(stored)) {
      if (value === null || value === undefined || !(name in merged)) continue;
      if (SETTING_KEYS.includes(name as (typeof SETTING_KEYS)[number])) {
        const setting = value as B2BSetting;
        const base = defaults[name as (typeof SETTING_KEYS)[number]];
        (merged as unknown as Record<string, unknown>)[name] = { usersAndGroups: setting.usersAndGroups ?? base?.usersAndGroups ?? null, applications: setting.applications ?? base?.applications ?? null };
      } else (merged as unknown as Record<string, unknown>)[name] = value;
    }
    return { ...merged, partner: key };
  }
  return { ...defaults, partner: null };
}

/** Facts about an arriving partner user, as their identity provider stated them. */
export interface InboundFacts {
  /** The partner's id for the user (sub or oid claim); null for one-time-passcode users. */
  subject: string | null;
  groups: string[];
  /** The application being signed in to; null at redemption (which grants no application). */
  applicationId: string | null;
}

function matches(config: TargetConfiguration, values: string[], all: string): boolean {
  return config.targets.some((t) => t.target === all || values.includes(t.target));
}

/** Whether b2bCollaborationInbound lets this user (and application) in, with the reason when it does not. Pure. */
export function inboundVerdict(settings: Pick<CrossTenantSettings, 'b2bCollaborationInbound'> & { partner: string | null }, facts: InboundFacts): { allowed: true } | { allowed: false; reason: string } {
  const inbound = settings.b2bCollaborationInbound;
  const where = settings.partner ? `the cross-tenant access settings for partner ${settings.partner}` : 'the default cross-tenant access settings';
  const users = inbound?.usersAndGroups;
  if (users) {
    const hit = matches(users, [facts.subject, ...facts.groups].filter((v): v is string => typeof v === 'string'), 'AllUsers');
    if (users.accessType === 'allowed' && !hit) return { allowed: false, reason: `${where} allow B2B collaboration only for listed users and groups, and this user is not one of them` };
    if (users.accessType === 'blocked' && hit) return { allowed: false, reason: `${where} block B2B collaboration for this user or one of their groups` };
  }
  const apps = inbound?.applications;
  if (apps && facts.applicationId) {
    const hit = matches(apps, [facts.applicationId], 'AllApplications');
    if (apps.accessType === 'allowed' && !hit) return { allowed: false, reason: `${where} do not allow guests of this partner into application ${facts.applicationId}` };
    if (apps.accessType === 'blocked' && hit) return { allowed: false, reason: `${where} block guests of this partner from application ${facts.applicationId}` };
  }
  return { allowed: true };
}
