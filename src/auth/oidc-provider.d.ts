/**
 * oidc-provider ships no TypeScript types. This declares only the surface Gatehouse uses; values the library
 * passes to our hooks (its Koa context, models) stay loosely typed because their shape is the library's, and we
 * read a few documented members of them.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /* eslint-disable @typescript-eslint/no-explicit-any -- the library's own objects, see the comment above */
  export type ProviderContext = any;
  export type ProviderModel = any;

  export interface InteractionDetails {
    uid: string;
    returnTo: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string; uid?: string };
    grantId?: string;
    deviceCode?: string;
    lastSubmission?: Record<string, unknown>;
  }

  export interface AdapterPayload {
    [key: string]: unknown;
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: unknown;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    readonly issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void> | void): this;
    on(event: string, listener: (...args: any[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    pathFor(name: string, options?: Record<string, unknown>): string;
    urlFor(name: string, options?: Record<string, unknown>): string;
    readonly Client: ProviderModel;
    readonly Grant: ProviderModel;
    static readonly ctx: ProviderContext | undefined;
  }

  export const interactionPolicy: {
    base(): ProviderModel;
    Prompt: new (...args: any[]) => ProviderModel;
    Check: { new (reason: string, description: string, check: (ctx: ProviderContext) => boolean | Promise<boolean>): ProviderModel; REQUEST_PROMPT: true; NO_NEED_TO_PROMPT: false };
  };

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    InvalidScope: new (description: string, scope: string) => Error;
    InvalidClient: new (description?: string) => Error;
    AccessDenied: new (description?: string) => Error;
    [name: string]: any;
  };
  /* eslint-enable @typescript-eslint/no-explicit-any */

  export default Provider;
}
