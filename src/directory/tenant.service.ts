import type { DirDb as Db } from './directory.deps.ts';

export interface Tenant {
  id: string;
  displayName: string;
  initialDomain: string;
  createdDateTime: string;
}

/** The tenant, or undefined before bootstrap. */
export async function getTenant(db: Db): Promise<Tenant | undefined> {
  const row = await db.selectFrom('tenant').selectAll().executeTakeFirst();
  if (!row) return undefined;
  return { id: row.id, displayName: row.display_name, initialDomain: row.initial_domain, createdDateTime: row.created_at.toISOString() };
}

/** Domains member userPrincipalNames may use. */
export async function verifiedDomains(db: Db): Promise<string[]> {
  const tenant = await getTenant(db);
  return tenant ? [tenant.initialDomain.toLowerCase()] : [];
}
