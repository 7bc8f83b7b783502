/**
 * The parsed form of an OData `$filter` (the Microsoft Graph subset). Nodes carry the 0-based character position
 * of where they start in the filter text, so later stages (the SQL translator) can point at the offending part.
 */

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type StringFunction = 'startsWith' | 'endsWith' | 'contains';
export type LambdaQuantifier = 'any' | 'all';

export type Literal =
  | { type: 'string'; value: string; position: number }
  | { type: 'number'; value: number; text: string; position: number }
  | { type: 'boolean'; value: boolean; position: number }
  | { type: 'null'; position: number }
  /** A bare GUID (Graph accepts ids unquoted); lower-cased. */
  | { type: 'guid'; value: string; position: number }
  /** An unquoted ISO-8601 datetime with an offset, exactly as written (already checked to be a real instant). */
  | { type: 'datetime'; value: string; position: number };

/** A property of the resource, e.g. `displayName` or `signInActivity/lastSignInDateTime` (segments joined by '/'). */
export interface PropertyRef {
  type: 'property';
  path: string;
  position: number;
}

/** A lambda variable, alone (`x`) or with a sub-path (`x/issuer`; `path` is then 'issuer', else ''). */
export interface VariableRef {
  type: 'variable';
  name: string;
  path: string;
  position: number;
}

export type Operand = PropertyRef | VariableRef;

export interface AndExpr {
  type: 'and';
  operands: FilterExpr[];
}
export interface OrExpr {
  type: 'or';
  operands: FilterExpr[];
}
export interface NotExpr {
  type: 'not';
  operand: FilterExpr;
}
export interface CompareExpr {
  type: 'compare';
  op: CompareOp;
  left: Operand;
  right: Literal;
}
export interface InExpr {
  type: 'in';
  left: Operand;
  values: Literal[];
}
export interface FunctionExpr {
  type: 'function';
  name: StringFunction;
  target: Operand;
  /** The second argument; always a string literal. */
  value: string;
  position: number;
}
/** `coll/any(x: …)`, `coll/all(x: …)`; `coll/any()` (non-empty) has neither variable nor predicate. */
export interface LambdaExpr {
  type: 'lambda';
  quantifier: LambdaQuantifier;
  collection: Operand;
  variable: string | undefined;
  predicate: FilterExpr | undefined;
}

/** `and`/`or` are n-ary so long chains stay flat (no deep trees to recurse through). */
export type FilterExpr = AndExpr | OrExpr | NotExpr | CompareExpr | InExpr | FunctionExpr | LambdaExpr;

/** Filter nodes that test one property (or lambda variable); these are what a field translator receives. */
export type PredicateExpr = CompareExpr | InExpr | FunctionExpr | LambdaExpr;
