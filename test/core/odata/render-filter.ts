import type { FilterExpr, Literal, Operand } from '#src/core/odata/index.ts';

/** Renders a filter AST as a compact S-expression so table-driven tests read like the grammar. */
export function render(expr: FilterExpr): string {
  switch (expr.type) {
    case 'and':
    case 'or':
      return `(${expr.type} ${expr.operands.map(render).join(' ')})`;
    case 'not':
      return `(not ${render(expr.operand)})`;
    case 'compare':
      return `(${expr.op} ${operand(expr.left)} ${literal(expr.right)})`;
    case 'in':
      return `(in ${operand(expr.left)} [${expr.values.map(literal).join(' ')}])`;
    case 'function':
      return `(${expr.name} ${operand(expr.target)} ${JSON.stringify(expr.value)})`;
    case 'lambda':
      return expr.predicate
        ? `(${expr.quantifier} ${operand(expr.collection)} ${expr.variable}: ${render(expr.predicate)})`
        : `(${expr.quantifier} ${operand(expr.collection)})`;
  }
}

function operand(value: Operand): string {
  return value.type === 'property' ? value.path : `$${value.name}${value.path ? `/${value.path}` : ''}`;
}

function literal(value: Literal): string {
  switch (value.type) {
    case 'string':
      return JSON.stringify(value.value);
    case 'number':
      return `n:${value.value}`;
    case 'boolean':
      return String(value.value);
    case 'null':
      return 'null';
    case 'guid':
      return `guid:${value.value}`;
    case 'datetime':
      return `dt:${value.value}`;
  }
}
