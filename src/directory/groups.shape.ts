import type { Selectable } from 'kysely';
import type { GroupTable } from './directory.tables.ts';

export type GroupRow = Selectable<GroupTable>;

/** Graph group JSON. */
export interface GraphGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: string | null;
  createdDateTime: string;
}

export const groupSelectable = [
  'id', 'displayName', 'description', 'mailNickname', 'mailEnabled', 'securityEnabled', 'groupTypes',
  'membershipRule', 'membershipRuleProcessingState', 'createdDateTime',
] as const;

export function toGraphGroup(row: GroupRow): GraphGroup {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    mailNickname: row.mail_nickname,
    mailEnabled: row.mail_enabled,
    securityEnabled: row.security_enabled,
    groupTypes: row.group_types,
    membershipRule: row.membership_rule,
    membershipRuleProcessingState: row.membership_rule_processing_state,
    createdDateTime: row.created_at.toISOString(),
  };
}

export const groupWritable = {
  displayName: 'display_name',
  description: 'description',
  mailNickname: 'mail_nickname',
} as const satisfies Partial<Record<keyof GraphGroup, keyof GroupTable>>;

export type GroupPatch = { [K in keyof typeof groupWritable]?: GraphGroup[K] };
