import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

/**
 * Turn JSON-schema validation failures into messages a person can act on, naming the property:
 * "Property 'id' is read-only", "Invalid property 'foo'", "Property 'accountEnabled' must be boolean".
 */
export const READ_ONLY_PROPERTIES = new Set(['id', 'createdDateTime', 'appId', 'externalUserStateChangeDateTime', 'deletedDateTime', 'signInActivity', 'renewedDateTime', 'securityIdentifier', 'onPremisesSyncEnabled']);

function propertyPath(error: FastifySchemaValidationError): string {
  return error.instancePath.replace(/^\//, '').replace(/\//g, '.');
}

export function formatValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  let message = `Invalid ${dataVar}`;
  if (first) {
    const at = propertyPath(first);
    const params = first.params as Record<string, unknown>;
    if (first.keyword === 'additionalProperties') {
      const name = String(params.additionalProperty);
      const full = at ? `${at}.${name}` : name;
      message = READ_ONLY_PROPERTIES.has(name) ? `Property '${full}' is read-only and cannot be set.` : `Invalid property '${full}': it does not exist on this resource or cannot be set.`;
    } else if (first.keyword === 'required') {
      const name = String(params.missingProperty);
      message = `Property '${at ? `${at}.` : ''}${name}' is required.`;
    } else if (first.keyword === 'type') {
      message = `Property '${at || dataVar}' must be of type ${String(params.type)}.`;
    } else if (first.keyword === 'enum' || first.keyword === 'const') {
      const allowed = (params.allowedValues ?? [params.allowedValue]) as unknown[];
      message = `Property '${at || dataVar}' must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}.`;
    } else if (first.keyword === 'minLength' || first.keyword === 'maxLength' || first.keyword === 'minItems' || first.keyword === 'maxItems' || first.keyword === 'format' || first.keyword === 'pattern') {
      message = `Property '${at || dataVar}' ${first.message ?? 'is invalid'}.`;
    } else {
      message = `Invalid ${dataVar}${at ? ` at '${at}'` : ''}: ${first.message ?? 'invalid value'}.`;
    }
  }
  const error = new Error(message) as Error & { validation: unknown; statusCode: number };
  error.validation = errors;
  error.statusCode = 400;
  return error;
}
