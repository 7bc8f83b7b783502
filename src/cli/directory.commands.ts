import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createApiClient, type ApiClient } from './api-client.ts';
import { CliError, print, stdout } from './output.ts';

interface Common {
  json?: boolean;
  url?: string;
}

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;
const client = (options: Common): ApiClient => createApiClient(options.url ? { url: options.url } : {});

/** A whole number within bounds from a command-line option, or a clear error naming the option. */
function count(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > max) throw new CliError(`--${name} must be a whole number between 1 and ${max}, got '${value}'`, 2);
  return n;
}

function listQuery(base: string, options: { filter?: string; top?: string; select?: string; orderby?: string }): string {
  const params = new URLSearchParams();
  if (options.filter) params.set('$filter', options.filter);
  if (options.select) params.set('$select', options.select);
  if (options.orderby) params.set('$orderby', options.orderby);
  params.set('$top', String(count('top', options.top, 100, 999)));
  return `${base}?${params.toString()}`;
}

const limitOf = (options: { limit?: string }): number => count('limit', options.limit, 1000, 1_000_000);

const withCommon = (command: Command): Command =>
  command.option('--json', 'machine-readable JSON output').option('--url <url>', 'Gatehouse URL (default $GATEHOUSE_URL or http://localhost:8080)');

const withList = (command: Command): Command =>
  withCommon(command)
    .option('--filter <odata>', "OData $filter, e.g. \"userType eq 'Guest'\"")
    .option('--select <props>', 'comma-separated properties')
    .option('--orderby <prop>', 'sort order, e.g. "displayName desc"')
    .option('--top <n>', 'page size (1-999, default 100)')
    .option('--limit <n>', 'stop after this many items (default 1000)');

function readSecret(option: string | undefined, fromStdin: boolean | undefined, what: string): string {
  if (fromStdin) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (option) return option;
  throw new CliError(`${what} is required: pass --${what}-stdin (recommended) or --${what}`, 2);
}

/** users, groups and apps commands: clients of the /v1.0 API. */
export function registerDirectoryCommands(program: Command): void {
  const users = program.command('users').description('manage users');
  withList(users.command('list').description('list users')).action(async (o) => {
    const items = await client(o).list<Record<string, unknown>>(listQuery('/v1.0/users', o), limitOf(o));
    print(stdout(o.json), items, ['id', 'displayName', 'userPrincipalName', 'userType', 'accountEnabled']);
  });
  withCommon(users.command('get').argument('<id-or-upn>').description('show one user')).action(async (id: string, o: Common) => {
    print(stdout(o.json ?? false), await client(o).request('GET', `/v1.0/users/${encodeURIComponent(id)}`));
  });
  withCommon(
    users
      .command('create')
      .description('create a member user')
      .requiredOption('--display-name <name>')
      .requiredOption('--upn <userPrincipalName>')
      .option('--password <password>', 'initial password (visible in shell history: prefer --password-stdin)')
      .option('--password-stdin', 'read the initial password from standard input')
      .option('--disabled', 'create the account disabled'),
  ).action(async (o) => {
    const password = readSecret(o.password, o.passwordStdin, 'password');
    const user = await client(o).request('POST', '/v1.0/users', {
      accountEnabled: !o.disabled,
      displayName: o.displayName,
      userPrincipalName: o.upn,
      mailNickname: String(o.upn).split('@')[0],
      passwordProfile: { password, forceChangePasswordNextSignIn: true },
    });
    print(stdout(o.json), user);
  });

  const groups = program.command('groups').description('manage security groups');
  withList(groups.command('list').description('list groups')).action(async (o) => {
    const items = await client(o).list<Record<string, unknown>>(listQuery('/v1.0/groups', o), limitOf(o));
    print(stdout(o.json), items, ['id', 'displayName', 'mailNickname', 'description']);
  });
  withCommon(groups.command('get').argument('<id>').description('show one group')).action(async (id: string, o: Common) => {
    print(stdout(o.json ?? false), await client(o).request('GET', `/v1.0/groups/${encodeURIComponent(id)}`));
  });
  withCommon(groups.command('create').description('create a security group').requiredOption('--display-name <name>').option('--description <text>').option('--mail-nickname <alias>')).action(async (o) => {
    const mailNickname = o.mailNickname ?? String(o.displayName).replace(/[^A-Za-z0-9._-]/g, '');
    if (!mailNickname) throw new CliError('--mail-nickname is required when the display name has no letters or digits', 2);
    const group = await client(o).request('POST', '/v1.0/groups', {
      displayName: o.displayName,
      description: o.description ?? null,
      mailNickname,
      mailEnabled: false,
      securityEnabled: true,
    });
    print(stdout(o.json), group);
  });
  withCommon(groups.command('members').argument('<group-id>').option('--transitive', 'include nested members').description('list members')).action(async (id: string, o: Common & { transitive?: boolean }) => {
    const items = await client(o).list<Record<string, unknown>>(`/v1.0/groups/${encodeURIComponent(id)}/${o.transitive ? 'transitiveMembers' : 'members'}`, 10_000);
    print(stdout(o.json ?? false), items, ['id', '@odata.type', 'displayName', 'userPrincipalName']);
  });
  for (const [name, relation, verb] of [
    ['add-member', 'members', 'POST'],
    ['remove-member', 'members', 'DELETE'],
    ['add-owner', 'owners', 'POST'],
    ['remove-owner', 'owners', 'DELETE'],
  ] as const) {
    withCommon(groups.command(name).argument('<group-id>').argument('<object-id>').description(`${verb === 'POST' ? 'add to' : 'remove from'} ${relation}`)).action(
      async (groupId: string, objectId: string, o: Common) => {
        const api = client(o);
        const base = `/v1.0/groups/${encodeURIComponent(groupId)}/${relation}`;
        if (verb === 'POST') await api.request('POST', `${base}/$ref`, { '@odata.id': `${api.baseUrl}/v1.0/directoryObjects/${objectId}` });
        else await api.request('DELETE', `${base}/${encodeURIComponent(objectId)}/$ref`);
        print(stdout(o.json ?? false), { ok: true });
      },
    );
  }

  const apps = program.command('apps').description('manage app registrations');
  withList(apps.command('list').description('list app registrations')).action(async (o) => {
    const items = await client(o).list<Record<string, unknown>>(listQuery('/v1.0/applications', o), limitOf(o));
    print(stdout(o.json), items, ['id', 'appId', 'displayName', 'createdDateTime']);
  });
  withCommon(
    apps
      .command('create')
      .description('register an application with a client secret and application permissions; prints the secret once')
      .requiredOption('--name <displayName>')
      .option('--permission <name...>', 'application permission to grant, e.g. User.Read.All (repeatable)', [])
      .option('--secret-days <n>', 'client secret lifetime in days', '180'),
  ).action(async (o) => {
    const api = client(o);
    const graph = (await api.request<{ value: { id: string; appRoles: { id: string; value: string }[] }[] }>('GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq ${quote(GRAPH_APP_ID)}`)}`)).value[0];
    if (!graph) throw new CliError('the Microsoft Graph service principal is missing on the server');
    const roles = (o.permission as string[]).map((name) => {
      const role = graph.appRoles.find((r) => r.value === name);
      if (!role) throw new CliError(`unknown permission '${name}' (known: ${graph.appRoles.map((r) => r.value).join(', ')})`, 2);
      return role;
    });
    const app = await api.request<{ id: string; appId: string; displayName: string }>('POST', '/v1.0/applications', {
      displayName: o.name,
      requiredResourceAccess: roles.length ? [{ resourceAppId: GRAPH_APP_ID, resourceAccess: roles.map((r) => ({ id: r.id, type: 'Role' })) }] : [],
    });
    const sp = await api.request<{ id: string }>('POST', '/v1.0/servicePrincipals', { appId: app.appId });
    for (const role of roles) await api.request('POST', `/v1.0/servicePrincipals/${sp.id}/appRoleAssignments`, { principalId: sp.id, resourceId: graph.id, appRoleId: role.id });
    const end = new Date(Date.now() + Number(o.secretDays) * 86_400_000).toISOString();
    const secret = await api.request<{ secretText: string; keyId: string; endDateTime: string }>('POST', `/v1.0/applications/${app.id}/addPassword`, { passwordCredential: { displayName: 'created by gatehouse apps create', endDateTime: end } });
    const out = stdout(o.json);
    print(out, { applicationId: app.id, clientId: app.appId, servicePrincipalId: sp.id, clientSecret: secret.secretText, secretExpires: secret.endDateTime, permissions: roles.map((r) => r.value) });
    if (!out.json) out.write('\nThe client secret is shown only now. Store it in your secret manager.\n');
  });
}
