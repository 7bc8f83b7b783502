/** The OData AST that `parseFilter` produces and the SQL translator consumes. */
export type {
  AndExpr, CompareExpr, CompareOp, FilterExpr, FunctionExpr, InExpr, LambdaExpr, LambdaQuantifier, Literal, NotExpr,
  Operand, OrExpr, PredicateExpr, PropertyRef, StringFunction, VariableRef,
} from './filter-ast.ts';
/** Parse `$filter` (Graph subset) into an AST; every failure is a 400 with `details.position`. */
export { parseFilter, MAX_FILTER_LENGTH, MAX_FILTER_DEPTH } from './filter-parser.ts';
/** Parse `$orderby`, `$select`, `$top`, or all system query options of a list request at once. */
export {
  parseOrderBy, parseSelect, parseTop, parseQueryOptions, DEFAULT_TOP, MAX_TOP, type ODataQuery, type OrderByItem,
} from './query-options.ts';
/** Whether a string is a valid OData datetime literal (used to check values coming back in paging tokens). */
export { isIsoDateTime } from './datetime.ts';
