import type { ColumnType } from 'kysely';
import type { ConditionalAccessPolicyBody, NamedLocationInput } from '#src/policy/index.ts';
import type { Db } from '#src/store/index.ts';

/** Row types of the Conditional Access tables (schema in migration 20261122T1600_conditional_access). */
export interface NamedLocationTable {
  id: string;
  kind: 'ip' | 'country';
  display_name: string;
  body: ColumnType<NamedLocationInput, string, string>;
  created_at: Date;
  modified_at: Date;
}

export interface ConditionalAccessPolicyTable {
  id: string;
  display_name: string;
  state: ConditionalAccessPolicyBody['state'];
  /** conditions, grantControls and sessionControls as validated. */
  body: ColumnType<Pick<ConditionalAccessPolicyBody, 'conditions' | 'grantControls' | 'sessionControls'>, string, string>;
  created_at: Date;
  modified_at: Date;
}

export interface ConditionalAccessVersionTable {
  name: 'policies' | 'namedLocations';
  version: ColumnType<string, string, string>;
}

export interface ConditionalAccessTables {
  named_locations: NamedLocationTable;
  conditional_access_policies: ConditionalAccessPolicyTable;
  conditional_access_versions: ConditionalAccessVersionTable;
}

export type CaDb = Db<ConditionalAccessTables>;
