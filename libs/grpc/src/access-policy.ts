import type { PeerIdentity } from './peer-identity.js';

/** Anyone with a valid certificate of the platform's trust domain and namespace. */
export const anyAuthenticated = '*';

/** One line of the policy table: who may call a method (or a whole service). */
export interface AccessRule {
  /** A full method path (`/tributary.v1.ModelRegistryService/SetAlias`) or a service (`tributary.v1.InferenceService`). */
  readonly target: string;
  /** Services (the `sa` of their SPIFFE id) allowed to call it, or `['*']` for any authenticated peer. */
  readonly allow: readonly string[];
  /**
   * Narrows the rule to the requests it matches; a rule whose `when` is false
   * is skipped. Only unary and server-streaming calls have a request at
   * authorization time; for others a rule with `when` never matches.
   */
  readonly when?: (request: unknown) => boolean;
  /** Why the rule exists, quoted in refusals. Default: none. */
  readonly description?: string;
}

/** The outcome of {@link AccessPolicy.decide}. */
export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Decides which identity may call what. */
export interface AccessPolicy {
  /**
   * The first rule whose target matches the method and whose `when` holds
   * decides; a method no rule covers is refused (deny by default).
   */
  decide(identity: PeerIdentity, method: string, request: unknown): AccessDecision;
}

/** A policy from an ordered rule table; see {@link AccessPolicy.decide}. */
export function createAccessPolicy(rules: readonly AccessRule[]): AccessPolicy {
  return {
    decide(identity, method, request) {
      const service = method.slice(1, method.lastIndexOf('/'));
      for (const rule of rules) {
        if (rule.target !== method && rule.target !== service) continue;
        if (rule.when && (request === undefined || !rule.when(request))) continue;
        if (rule.allow.includes(anyAuthenticated) || rule.allow.includes(identity.service)) return { allowed: true };
        const why = rule.description ? ` (${rule.description})` : '';
        return { allowed: false, reason: `${identity.service} may not call ${method}; allowed: ${rule.allow.join(', ')}${why}` };
      }
      return { allowed: false, reason: `no rule allows ${method}` };
    },
  };
}
