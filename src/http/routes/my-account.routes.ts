import { Type } from 'typebox';
import { providerForIssuer } from '#src/auth/index.ts';
import {
  getExternalCollaboration,
  getTenant,
  getUserRow,
  leaveOrganization,
  listDeletedUsers,
  organizationsOfGuest,
  purgeDeletedUser,
  restoreDeletedUser,
} from '#src/directory/index.ts';
import type { App, RouteDeps } from '../types.ts';
import { contextUrl } from '../respond.ts';
import { Nullable, errorResponses, IdParam } from '../schemas/common.ts';
import { User } from '../schemas/users.ts';

const MyAccount = Type.Object({
  user: Type.Object({ id: Type.String(), displayName: Type.String(), mail: Nullable(Type.String()), userPrincipalName: Type.String(), userType: Type.String(), externalUserState: Nullable(Type.String()) }),
  organizations: Type.Array(Type.Object({ id: Type.String(), displayName: Type.String(), relationship: Type.String() })),
  signInMethods: Type.Array(Type.Object({ type: Type.String(), displayName: Type.String(), detail: Nullable(Type.String()) })),
  canLeave: Type.Boolean(),
});

/** "My Account" for signed-in users (guests above all), and Graph's deletedItems for users. */
export function myAccountRoutes(app: App, deps: RouteDeps): void {
  const dir = { db: deps.db, clock: deps.clock };

  app.get('/portal/api/me', { config: { auth: 'session' }, schema: { tags: ['portal'], summary: 'My account: organizations, sign-in methods, whether I may leave', response: { 200: MyAccount, ...errorResponses } } }, async (request) => {
    const principal = request.principal;
    if (principal?.kind !== 'user') throw new Error('portal sessions are always users');
    const user = await getUserRow(deps.db, principal.userId);
    const tenant = await getTenant(deps.db);
    const guest = user.creation_type === 'Invitation';
    const settings = await getExternalCollaboration(deps.db);
    const signInMethods = await Promise.all(
      user.identities.map(async (identity) => {
        if (identity.signInType === 'federated') {
          const provider = await providerForIssuer(deps.db, identity.issuer);
          return { type: 'federated', displayName: provider ? `${provider.display_name} (your organization's sign-in)` : identity.issuer, detail: identity.issuer };
        }
        if (identity.signInType === 'emailAddress') return { type: 'emailOtp', displayName: 'One-time passcode by email', detail: identity.issuerAssignedId };
        return { type: 'password', displayName: 'Password', detail: identity.issuerAssignedId };
      }),
    );
    return {
      user: { id: user.id, displayName: user.display_name, mail: user.mail, userPrincipalName: user.user_principal_name, userType: user.user_type, externalUserState: user.external_user_state },
      organizations: [
        ...(tenant ? [{ id: tenant.id, displayName: tenant.displayName, relationship: guest ? 'guestOf' : 'memberOf' }] : []),
        ...(guest ? (await organizationsOfGuest(deps.db, user)).map((o) => ({ id: o.id, displayName: o.displayName, relationship: 'home' })) : []),
      ],
      signInMethods,
      canLeave: guest && settings.allowExternalIdentitiesToLeave,
    };
  });

  app.post('/portal/api/me/leave', { config: { auth: 'session' }, schema: { tags: ['portal'], summary: 'Leave the organization (guests, when allowed): the account is deleted and access ends', response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const principal = request.principal;
    if (principal?.kind !== 'user') throw new Error('portal sessions are always users');
    await leaveOrganization(dir, principal.userId, request.ip);
    const cookie = deps.sessionCookie;
    reply.clearCookie(cookie.name, { path: '/', secure: cookie.secure, httpOnly: true, sameSite: cookie.sameSite });
    return reply.status(204).send(null);
  });

  const DeletedUser = Type.Intersect([User, Type.Object({ deletedDateTime: Type.String() })]);
  app.get('/v1.0/directory/deletedItems/microsoft.graph.user', { config: { auth: { anyOf: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'] } }, schema: { tags: ['users'], summary: 'Deleted users (kept 30 days)', response: { 200: Type.Object({ '@odata.context': Type.String(), value: Type.Array(DeletedUser) }), ...errorResponses } } }, async () => ({
    '@odata.context': contextUrl(deps.config.publicUrl, 'directory/deletedItems/microsoft.graph.user'),
    value: await listDeletedUsers(deps.db),
  }));
  app.post('/v1.0/directory/deletedItems/:id/restore', { config: { auth: { anyOf: ['User.ReadWrite.All'] } }, schema: { tags: ['users'], summary: 'Restore a deleted user', params: IdParam, response: { 200: User, ...errorResponses } } }, async (request) =>
    restoreDeletedUser(dir, request.actor(), request.params.id),
  );
  app.delete('/v1.0/directory/deletedItems/:id', { config: { auth: { anyOf: ['User.ReadWrite.All'] } }, schema: { tags: ['users'], summary: 'Delete a deleted user permanently', params: IdParam, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await purgeDeletedUser(dir, request.actor(), request.params.id);
    return reply.status(204).send(null);
  });
}
