import { Type, type TSchema } from 'typebox';

/** Shapes shared by many routes. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const NullableString = (options: { maxLength?: number } = {}) => Nullable(Type.String({ maxLength: options.maxLength ?? 256 }));
export const Guid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: 'A GUID' });
export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 400 }) });
export const IdRefParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 400 }), refId: Type.String({ minLength: 1, maxLength: 400 }) });
/** Graph lets clients send @odata.type on bodies; accepted and ignored. */
export const ODataType = Type.Optional(Type.String({ maxLength: 200 }));

export const GraphError = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      innerError: Type.Object({ code: Type.String(), 'request-id': Type.String(), 'client-request-id': Type.String(), date: Type.String() }),
    }),
  },
  { $id: 'GraphError', description: 'Microsoft Graph error shape' },
);

/** OData query options as Graph accepts them (validated by the OData parser, not here). */
export const ODataQuerystring = Type.Object(
  {
    $filter: Type.Optional(Type.String()),
    $select: Type.Optional(Type.String()),
    $top: Type.Optional(Type.String()),
    $orderby: Type.Optional(Type.String()),
    $count: Type.Optional(Type.String()),
    $skiptoken: Type.Optional(Type.String()),
    $search: Type.Optional(Type.String()),
    $expand: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const RefBody = Type.Object(
  { '@odata.id': Type.String({ minLength: 1, maxLength: 2000, description: 'URL ending in /directoryObjects/{id} (or /users/{id}, /groups/{id})' }) },
  { additionalProperties: false },
);

export const collectionOf = <T extends TSchema>(item: T) =>
  Type.Object({
    '@odata.context': Type.Optional(Type.String()),
    '@odata.count': Type.Optional(Type.Integer()),
    '@odata.nextLink': Type.Optional(Type.String()),
    value: Type.Array(item),
  });

/** Error responses every authenticated route can produce. */
export const errorResponses = { 400: GraphError, 401: GraphError, 403: GraphError, 404: GraphError } as const;
