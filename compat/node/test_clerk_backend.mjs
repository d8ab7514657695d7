#!/usr/bin/env node
// Tessera compatibility suite: Clerk's official JavaScript SDK (@clerk/backend, pinned in
// package.json / package-lock.json) against a running Tessera. Plain Node (>= 20.9), no framework.
//
// Run by compat/run.sh after `npm ci --prefix compat/node`, which sets:
//
//   TESSERA_URL         http://127.0.0.1:PORT   (the SDK gets apiUrl=<url>; it appends /v1 itself)
//   TESSERA_SECRET_KEY  the secret key the server was started with
//
// Everything goes through `createClerkClient({ secretKey, apiUrl })` and the SDK's `verifyToken`,
// except the public `/.well-known/openid-configuration` (read for the issuer). Responses are turned
// into the SDK's resource classes (User, Session, JwtTemplate, ...) by its own deserializer, so a field
// Tessera gets wrong shows up as a wrong or missing property.
//
// Every RS256 token Tessera mints (session tokens and template tokens, with and without
// expiresInSeconds) is verified twice with `verifyToken`: with `{ secretKey, apiUrl }` (JWKS fetched
// from `{apiUrl}/v1/jwks`) and networkless with `{ jwtKey: PEM }` (the instance public key from the
// JWKS, which the SDK turns back into a JWK by string-stripping an RSA-2048 SPKI prefix). The SDK's
// verifyToken accepts only RS256/384/512, so the HS256 custom-key template is checked with node:crypto.
//
// `clerk.authenticateRequest` is exercised with a Bearer header: it needs a syntactically valid
// publishable key (pk_test_ + base64("<frontend api host>$")) but, for a header token, never talks to a
// Frontend API; the host is only used for cookie/handshake logic.
//
// Each check prints `PASS name` or `FAIL name: reason`; the last line is `N passed, M failed`;
// the exit status is 1 when anything failed (2 when the environment is incomplete).

import crypto from 'node:crypto';
import { isDeepStrictEqual, inspect } from 'node:util';

// --------------------------------------------------------------------------------------------------
// Environment, and a fetch recorder installed before the SDK is loaded (it binds `fetch` at import).

process.env.CLERK_TELEMETRY_DISABLED = '1';

const BASE = (process.env.TESSERA_URL || '').replace(/\/+$/, '');
const SECRET = process.env.TESSERA_SECRET_KEY || '';
if (!BASE || !SECRET) {
  console.error('TESSERA_URL and TESSERA_SECRET_KEY must be set');
  process.exit(2);
}
const RUN = crypto.randomBytes(3).toString('hex'); // unique names: the Python suite ran on this server first
const WRONG_SECRET = 'sk_test_' + 'x'.repeat(40);
// `pk_test_` + base64("<frontend api host>$"): the form authenticateRequest insists on.
const PUBLISHABLE_KEY = 'pk_test_' + Buffer.from('clerk.example.com$').toString('base64');
const HS256_SECRET = 'js-compat-' + crypto.randomBytes(24).toString('hex');

const CAT_SESSION = 'cl_B7d4PD111AAA';
const CAT_TEMPLATE = 'cl_B7d4PD222AAA';
// What @clerk/backend's loadClerkJwkFromPem strips from a PEM: only RSA-2048 with e=65537 survives it.
const RSA2048_SPKI_PREFIX = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA';
const RSA_E65537_SUFFIX = 'IDAQAB';

/** Every HTTP exchange the SDK (or this file) made: checked at the end for host, content type and 5xx. */
const EXCHANGES = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const method = (init.method || (typeof input === 'object' && input.method) || 'GET').toUpperCase();
  const hasBody = init.body !== undefined && init.body !== null;
  const res = await realFetch(input, init);
  EXCHANGES.push({ method, url, hasBody, status: res.status, contentType: res.headers.get('content-type') });
  return res;
};

const { createClerkClient, verifyToken } = await import('@clerk/backend');
const { ClerkAPIResponseError, TokenVerificationError, isClerkAPIResponseError } = await import('@clerk/backend/errors');

const clerk = createClerkClient({ secretKey: SECRET, apiUrl: BASE, telemetry: { disabled: true } });

// --------------------------------------------------------------------------------------------------
// Harness

const TESTS = [];
const S = {}; // state shared between checks, filled in as they run

function test(name, fn) {
  TESTS.push({ name, fn });
}

function need(...keys) {
  const missing = keys.filter((k) => !(k in S));
  if (missing.length) throw new Error(`prerequisite ${missing.join(', ')} missing (an earlier check failed)`);
  return keys.length === 1 ? S[keys[0]] : keys.map((k) => S[k]);
}

const show = (v) => inspect(v, { depth: 6, breakLength: Infinity, maxStringLength: 300 });

function eq(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

function describe(e) {
  if (isClerkAPIResponseError(e)) {
    return `ClerkAPIResponseError status ${e.status}: ${JSON.stringify(e.errors)} (trace ${e.clerkTraceId})`;
  }
  if (e instanceof TokenVerificationError) return `TokenVerificationError reason=${e.reason}: ${e.message}`;
  return e && e.message ? e.message : String(e);
}

/** Runs a call that must throw ClerkAPIResponseError; checks status, errors[0].code and param name. */
async function expectApiError(call, status, code, paramName) {
  let result;
  try {
    result = await call();
  } catch (e) {
    check(e instanceof ClerkAPIResponseError, `expected ClerkAPIResponseError, got ${e?.constructor?.name}: ${describe(e)}`);
    check(isClerkAPIResponseError(e), 'isClerkAPIResponseError(e) is false');
    eq(e.status, status, `status (errors ${JSON.stringify(e.errors)})`);
    check(Array.isArray(e.errors) && e.errors.length > 0, 'errors is empty');
    eq(e.errors[0].code, code, 'errors[0].code');
    check(typeof e.errors[0].message === 'string' && e.errors[0].message, 'errors[0].message is empty');
    check(typeof e.errors[0].longMessage === 'string' && e.errors[0].longMessage, 'errors[0].longMessage is empty');
    if (paramName !== undefined) eq(e.errors[0].meta?.paramName, paramName, 'errors[0].meta.paramName');
    check(/^[0-9a-f]{32}$/.test(e.clerkTraceId || ''), `clerkTraceId ${show(e.clerkTraceId)} is not 32 lowercase hex`);
    return e;
  }
  throw new Error(`expected HTTP ${status} ${code}, the call succeeded with ${show(result)}`);
}

/** Runs a verification that must throw TokenVerificationError with the given reason. */
async function expectVerifyError(call, reason) {
  let result;
  try {
    result = await call();
  } catch (e) {
    check(e instanceof TokenVerificationError, `expected TokenVerificationError, got ${describe(e)}`);
    eq(e.reason, reason, `reason (${e.message})`);
    return e;
  }
  throw new Error(`expected rejection (${reason}), got payload ${show(result)}`);
}

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

function decode(jwt) {
  const parts = jwt.split('.');
  eq(parts.length, 3, 'JWT parts');
  return { header: b64urlJson(parts[0]), payload: b64urlJson(parts[1]), parts };
}

const sorted = (o) => Object.keys(o).sort();
const nowSec = () => Math.floor(Date.now() / 1000);

function checkTimes(payload) {
  const now = nowSec();
  check(Math.abs(payload.iat - now) <= 60, `iat ${payload.iat} is not close to now (${now})`);
  check(payload.exp > now, `exp ${payload.exp} is not in the future`);
}

// --------------------------------------------------------------------------------------------------
// Discovery

test('jwks_through_the_sdk_has_the_rsa_2048_instance_key', async () => {
  const jwks = await clerk.jwks.getJwks();
  check(Array.isArray(jwks.keys) && jwks.keys.length > 0, `keys: ${show(jwks)}`);
  const inst = jwks.keys.filter((k) => k.kty === 'RSA' && /^ins_\w{27}$/.test(k.kid || ''));
  // The signing key comes first; keys rotated out stay published until their tokens expire.
  check(inst.length >= 1, `no RSA key with an ins_ kid: ${show(jwks)}`);
  const jwk = inst[0];
  eq([jwk.use, jwk.alg, jwk.e], ['sig', 'RS256', 'AQAB'], 'use, alg, e');
  check(!jwks.keys.some((k) => k.kty === 'oct'), 'the JWKS publishes a symmetric key');
  const pem = crypto.createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----|\s/g, '');
  check(body.startsWith(RSA2048_SPKI_PREFIX) && body.endsWith(RSA_E65537_SUFFIX),
    'the instance key is not RSA-2048 with e=65537, which verifyToken({ jwtKey }) requires');
  S.kid = jwk.kid;
  S.pem = pem;
});

test('openid_configuration_names_the_issuer', async () => {
  const r = await fetch(`${BASE}/.well-known/openid-configuration`);
  eq(r.status, 200, 'status');
  const doc = await r.json();
  check(typeof doc.issuer === 'string' && doc.issuer, `issuer ${show(doc.issuer)}`);
  S.issuer = doc.issuer;
});

// --------------------------------------------------------------------------------------------------
// Users, organizations, memberships, sessions through the SDK's Backend API client

test('users_create_user', async () => {
  const email = `ada.js.${RUN}@example.com`;
  const u = await clerk.users.createUser({
    emailAddress: [email],
    firstName: 'Ada',
    lastName: 'Lovelace',
    username: `ada_js_${RUN}`,
    externalId: `ext_js_${RUN}`,
    publicMetadata: { role: 'engineer', prefs: { lang: 'en' } },
    privateMetadata: { stripeCustomer: 'cus_1' },
  });
  check(u.constructor.name === 'User' || u.constructor.name === '_User', `not a User: ${u.constructor.name}`);
  check(/^user_\w{27}$/.test(u.id), `id ${u.id}`);
  eq([u.firstName, u.lastName, u.username, u.externalId], ['Ada', 'Lovelace', `ada_js_${RUN}`, `ext_js_${RUN}`], 'names');
  eq(u.fullName, 'Ada Lovelace', 'fullName');
  eq(u.emailAddresses.map((e) => e.emailAddress), [email], 'emailAddresses');
  check(/^idn_\w{27}$/.test(u.emailAddresses[0].id), `email id ${u.emailAddresses[0].id}`);
  eq(u.primaryEmailAddress?.emailAddress, email, 'primaryEmailAddress');
  eq(u.emailAddresses[0].verification?.status, 'verified', 'email verification status');
  eq(u.publicMetadata, { role: 'engineer', prefs: { lang: 'en' } }, 'publicMetadata');
  eq(u.privateMetadata, { stripeCustomer: 'cus_1' }, 'privateMetadata (nested keys are not snake_cased)');
  eq(u.banned, false, 'banned');
  check(Number.isInteger(u.createdAt) && u.createdAt > 1e12, `createdAt ${u.createdAt} is not epoch ms`);
  S.u1 = { id: u.id, email, username: u.username, externalId: u.externalId };
});

test('users_create_second_user', async () => {
  const email = `grace.js.${RUN}@example.com`;
  const u = await clerk.users.createUser({ emailAddress: [email], firstName: 'Grace', lastName: 'Hopper' });
  eq(u.fullName, 'Grace Hopper', 'fullName');
  S.u2 = { id: u.id, email };
});

test('users_get_user_and_get_user_list', async () => {
  const u1 = need('u1');
  const u = await clerk.users.getUser(u1.id);
  eq([u.id, u.username, u.primaryEmailAddress?.emailAddress], [u1.id, u1.username, u1.email], 'getUser');
  const list = await clerk.users.getUserList({ emailAddress: [u1.email] });
  eq(list.data.map((x) => x.id), [u1.id], 'getUserList data');
  eq(list.totalCount, 1, 'getUserList totalCount (from GET /users/count)');
});

test('organizations_create_organization_with_creator', async () => {
  const u1 = need('u1');
  const org = await clerk.organizations.createOrganization({
    name: `Acme JS ${RUN}`,
    slug: `acme-js-${RUN}`,
    createdBy: u1.id,
    publicMetadata: { plan: 'pro' },
    maxAllowedMemberships: 10,
  });
  check(/^org_\w{27}$/.test(org.id), `id ${org.id}`);
  eq([org.name, org.slug, org.createdBy], [`Acme JS ${RUN}`, `acme-js-${RUN}`, u1.id], 'name, slug, createdBy');
  eq(org.publicMetadata, { plan: 'pro' }, 'publicMetadata');
  eq(org.maxAllowedMemberships, 10, 'maxAllowedMemberships');
  S.org = { id: org.id, slug: org.slug, name: org.name };
});

test('organizations_get_organization_by_id_and_slug', async () => {
  const org = need('org');
  eq((await clerk.organizations.getOrganization({ organizationId: org.id })).id, org.id, 'by id');
  const bySlug = await clerk.organizations.getOrganization({ slug: org.slug, includeMembersCount: true });
  eq([bySlug.id, bySlug.membersCount], [org.id, 1], 'by slug, membersCount');
});

test('memberships_create_organization_membership', async () => {
  const [org, u2] = need('org', 'u2');
  const m = await clerk.organizations.createOrganizationMembership({
    organizationId: org.id,
    userId: u2.id,
    role: 'org:member',
  });
  check(/^orgmem_\w{27}$/.test(m.id), `id ${m.id}`);
  eq(m.role, 'org:member', 'role');
  eq(m.organization.id, org.id, 'organization.id');
  eq(m.publicUserData.userId, u2.id, 'publicUserData.userId');
  check(Array.isArray(m.permissions), `permissions ${show(m.permissions)}`);
});

test('memberships_list_shows_creator_as_admin_and_member', async () => {
  const [org, u1, u2] = need('org', 'u1', 'u2');
  const res = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
  eq(res.totalCount, 2, 'totalCount');
  eq(res.data.map((m) => [m.publicUserData.userId, m.role]).sort(),
    [[u1.id, 'org:admin'], [u2.id, 'org:member']].sort(), 'members');
});

test('sessions_create_session', async () => {
  const u1 = need('u1');
  const s = await clerk.sessions.createSession({ userId: u1.id });
  check(/^sess_\w{27}$/.test(s.id), `id ${s.id}`);
  check(/^client_\w{27}$/.test(s.clientId), `clientId ${s.clientId}`);
  eq([s.userId, s.status, s.lastActiveOrganizationId], [u1.id, 'active', null], 'userId, status, lastActiveOrganizationId');
  check(s.expireAt > s.createdAt && s.abandonAt >= s.expireAt, 'expireAt / abandonAt');
  S.sess = s.id;
});

// The SDK's CreateSessionParams declares only userId, but it sends whatever it is given
// (shallow snake_case), so active_organization_id reaches the server through the SDK unchanged.
test('sessions_create_session_with_active_organization', async () => {
  const [u1, u2, org] = need('u1', 'u2', 'org');
  const s = await clerk.sessions.createSession({ userId: u1.id, activeOrganizationId: org.id });
  eq(s.lastActiveOrganizationId, org.id, 'lastActiveOrganizationId');
  S.sessOrg = s.id;
  const s2 = await clerk.sessions.createSession({ userId: u2.id, activeOrganizationId: org.id });
  eq([s2.userId, s2.lastActiveOrganizationId], [u2.id, org.id], 'member session');
  S.sessMember = s2.id;
});

test('sessions_get_session_and_get_session_list', async () => {
  const [u1, sess, sessOrg] = need('u1', 'sess', 'sessOrg');
  const s = await clerk.sessions.getSession(sessOrg);
  eq([s.id, s.userId, s.status], [sessOrg, u1.id, 'active'], 'getSession');
  const list = await clerk.sessions.getSessionList({ userId: u1.id });
  eq(list.data.map((x) => x.id).sort(), [sess, sessOrg].sort(), 'getSessionList data');
  eq(list.totalCount, 2, 'getSessionList totalCount');
});

// --------------------------------------------------------------------------------------------------
// JWT templates through the SDK

// name -> { create params, expected lifetime/skew, render(u1, org) -> expected custom claims }
const TEMPLATES = {
  hasura: {
    create: {
      claims: {
        'https://hasura.io/jwt/claims': {
          'x-hasura-default-role': 'user',
          'x-hasura-allowed-roles': ['user', 'admin'],
          'x-hasura-user-id': '{{user.id}}',
          'x-hasura-org-id': "{{org.id || 'none'}}",
        },
      },
    },
    alg: 'RS256', lifetime: 60, skew: 5,
    render: (u, o) => ({
      'https://hasura.io/jwt/claims': {
        'x-hasura-default-role': 'user',
        'x-hasura-allowed-roles': ['user', 'admin'],
        'x-hasura-user-id': u.id,
        'x-hasura-org-id': o.id,
      },
    }),
  },
  convex: {
    create: {
      claims: {
        aud: 'convex',
        name: '{{user.full_name}}',
        email: '{{user.primary_email_address}}',
        given_name: '{{user.first_name}}',
        nickname: '{{user.username}}',
        email_verified: '{{user.email_verified}}',
        meta: '{{user.public_metadata}}',
      },
      lifetime: 3600,
      allowedClockSkew: 10,
    },
    alg: 'RS256', lifetime: 3600, skew: 10,
    render: (u) => ({
      aud: 'convex',
      name: 'Ada Lovelace',
      email: u.email,
      given_name: 'Ada',
      nickname: u.username,
      email_verified: true,
      meta: { role: 'engineer', prefs: { lang: 'en' } },
    }),
  },
  orgs: {
    create: {
      claims: {
        org: { id: '{{org.id}}', slug: '{{org.slug}}', role: '{{org.role}}', plan: "{{org.public_metadata.plan || 'free'}}" },
        greeting: 'Hi {{user.first_name}} of {{org.name}}',
        fallback: '{{user.external_id || user.id}}',
      },
      lifetime: 300,
      allowedClockSkew: 0,
    },
    alg: 'RS256', lifetime: 300, skew: 0,
    render: (u, o) => ({
      org: { id: o.id, slug: o.slug, role: 'org:admin', plan: 'pro' },
      greeting: `Hi Ada of ${o.name}`,
      fallback: u.externalId,
    }),
  },
  // A custom-key template: not verifiable by verifyToken (RS* only), checked with node:crypto.
  'supabase-hs256': {
    create: {
      claims: { aud: 'authenticated', role: 'authenticated', email: '{{user.primary_email_address}}' },
      customSigningKey: true,
      signingAlgorithm: 'HS256',
      signingKey: HS256_SECRET,
    },
    alg: 'HS256', lifetime: 60, skew: 5,
    render: (u) => ({ aud: 'authenticated', role: 'authenticated', email: u.email }),
  },
};
const RS_TEMPLATES = Object.keys(TEMPLATES).filter((n) => TEMPLATES[n].alg === 'RS256');
const tplName = (key) => `js-${key}-${RUN}`;

for (const [key, spec] of Object.entries(TEMPLATES)) {
  test(`jwt_templates_create_${key.replace(/-/g, '_')}`, async () => {
    const t = await clerk.jwtTemplates.create({ name: tplName(key), ...spec.create });
    check(/^jtmp_\w{27}$/.test(t.id), `id ${t.id}`);
    eq(t.name, tplName(key), 'name');
    eq(t.claims, spec.create.claims, 'claims as stored');
    eq([t.lifetime, t.allowedClockSkew], [spec.lifetime, spec.skew], 'lifetime, allowedClockSkew');
    eq(t.customSigningKey, spec.alg !== 'RS256', 'customSigningKey');
    eq(t.signingAlgorithm, spec.alg, 'signingAlgorithm');
    spec.id = t.id;
  });
}

test('jwt_templates_list_get_update_delete', async () => {
  const ids = RS_TEMPLATES.map((k) => TEMPLATES[k].id);
  check(ids.every(Boolean), 'a template was not created');
  const list = await clerk.jwtTemplates.list({ limit: 500 });
  check(Array.isArray(list.data) && typeof list.totalCount === 'number', `list shape ${show(list)}`);
  for (const id of ids) check(list.data.some((t) => t.id === id), `${id} missing from the list`);
  const got = await clerk.jwtTemplates.get(TEMPLATES.hasura.id);
  eq([got.id, got.name], [TEMPLATES.hasura.id, tplName('hasura')], 'get');
  const temp = await clerk.jwtTemplates.create({ name: `js-temp-${RUN}`, claims: { a: 1 } });
  const upd = await clerk.jwtTemplates.update({ templateId: temp.id, name: `js-temp2-${RUN}`, claims: { b: '{{user.id}}' }, lifetime: 120 });
  eq([upd.name, upd.claims, upd.lifetime], [`js-temp2-${RUN}`, { b: '{{user.id}}' }, 120], 'update');
  const del = await clerk.jwtTemplates.delete(temp.id);
  eq([del.object, del.id, del.deleted], ['jwt_template', temp.id, true], 'delete');
  await expectApiError(() => clerk.jwtTemplates.get(temp.id), 404, 'resource_not_found');
});

// --------------------------------------------------------------------------------------------------
// Minting through sessions.getToken(sessionId, template?, expiresInSeconds?)

/** name -> { jwt, kind: 'session'|'template', expectations } for every RS256 token minted here. */
const TOKENS = {};

function checkTemplateHeader(header, spec) {
  if (spec.alg === 'RS256') {
    eq(header, { alg: 'RS256', cat: CAT_TEMPLATE, kid: need('kid'), typ: 'JWT' }, 'header');
  } else {
    eq(header, { alg: spec.alg, cat: CAT_TEMPLATE, typ: 'JWT' }, 'header (custom HMAC key: no kid)');
  }
}

function checkTemplatePayload(payload, key, expires) {
  const spec = TEMPLATES[key];
  const [u1, org] = need('u1', 'org');
  const rendered = spec.render(u1, org);
  eq(sorted(payload), [...new Set(['exp', 'iat', 'iss', 'jti', 'nbf', 'sub', ...Object.keys(rendered)])].sort(), 'claim names');
  for (const [k, v] of Object.entries(rendered)) eq(payload[k], v, `claim ${k}`);
  eq(payload.sub, u1.id, 'sub');
  eq(payload.iss, need('issuer'), 'iss');
  check(!('sid' in payload), 'a template token carries sid');
  check(/^[0-9a-f]{20}$/.test(payload.jti), `jti ${payload.jti}`);
  eq(payload.exp - payload.iat, expires ?? spec.lifetime, 'exp - iat');
  eq(payload.iat - payload.nbf, spec.skew, 'iat - nbf');
  checkTimes(payload);
}

function checkSessionPayload(payload, { user, sid, org, role, lifetime }) {
  eq(sorted(payload), ['exp', 'iat', 'iss', 'nbf', ...(org ? ['o'] : []), 'sid', 'sts', 'sub', 'v'].sort(), 'claim names');
  eq([payload.sub, payload.sid, payload.sts, payload.v], [user.id, sid, 'active', 2], 'sub, sid, sts, v');
  eq(payload.iss, need('issuer'), 'iss');
  if (org) eq(payload.o, { id: org.id, rol: role, slg: org.slug }, 'o');
  eq(payload.exp - payload.iat, lifetime, 'exp - iat');
  eq(payload.iat - payload.nbf, 10, 'iat - nbf');
  checkTimes(payload);
}

for (const key of Object.keys(TEMPLATES)) {
  for (const expires of [undefined, 1234]) {
    const label = `${key.replace(/-/g, '_')}_${expires === undefined ? 'default_lifetime' : 'expires_in_seconds'}`;
    test(`mint_template_${label}`, async () => {
      const spec = TEMPLATES[key];
      check(spec.id, `template ${key} was not created`);
      const sessOrg = need('sessOrg');
      const before = EXCHANGES.length;
      const tok = await clerk.sessions.getToken(sessOrg, tplName(key), expires);
      check(typeof tok.jwt === 'string' && tok.jwt, `jwt ${show(tok)}`);
      // Kept before the checks below, so verifyToken still gets to judge the token if one fails.
      if (spec.alg === 'RS256') TOKENS[`template_${label}`] = { jwt: tok.jwt, kind: 'template', key, expires };
      const post = EXCHANGES.slice(before).find((x) => x.method === 'POST' && x.url.includes('/tokens/'));
      check(post, 'no POST …/tokens/{template} recorded');
      eq(post.hasBody, expires !== undefined, 'the SDK sent a body (it sends none without expiresInSeconds)');
      const { header, payload, parts } = decode(tok.jwt);
      checkTemplateHeader(header, spec);
      checkTemplatePayload(payload, key, expires);
      if (spec.alg === 'HS256') {
        const mac = crypto.createHmac('sha256', HS256_SECRET).update(`${parts[0]}.${parts[1]}`).digest('base64url');
        eq(parts[2], mac, 'HS256 signature with the template secret');
      }
    });
  }
}

const SESSION_TOKENS = [
  { label: 'org_admin_default_lifetime', sess: 'sessOrg', user: 'u1', withOrg: true, role: 'admin' },
  { label: 'org_admin_expires_in_seconds', sess: 'sessOrg', user: 'u1', withOrg: true, role: 'admin', expires: 600 },
  { label: 'without_organization', sess: 'sess', user: 'u1', withOrg: false },
  { label: 'org_member', sess: 'sessMember', user: 'u2', withOrg: true, role: 'member' },
];

for (const st of SESSION_TOKENS) {
  test(`mint_session_token_${st.label}`, async () => {
    const sid = need(st.sess);
    const expect = { user: need(st.user), sid, org: st.withOrg ? need('org') : null, role: st.role, lifetime: st.expires ?? 60 };
    const before = EXCHANGES.length;
    const tok = await clerk.sessions.getToken(sid, undefined, st.expires);
    check(typeof tok.jwt === 'string' && tok.jwt, `jwt ${show(tok)}`);
    TOKENS[`session_${st.label}`] = { jwt: tok.jwt, kind: 'session', expect };
    const post = EXCHANGES.slice(before).find((x) => x.method === 'POST' && x.url.endsWith('/tokens'));
    check(post, 'no POST …/tokens recorded');
    eq(post.hasBody, st.expires !== undefined, 'the SDK sent a body (it sends none without expiresInSeconds)');
    const { header, payload } = decode(tok.jwt);
    eq(header, { alg: 'RS256', cat: CAT_SESSION, kid: need('kid'), typ: 'JWT' }, 'header');
    checkSessionPayload(payload, expect);
  });
}

// --------------------------------------------------------------------------------------------------
// verifyToken: every RS256 token, through the JWKS (secretKey + apiUrl) and networkless (jwtKey)

function checkVerified(name, payload) {
  const t = TOKENS[name];
  const raw = decode(t.jwt).payload;
  eq(payload, raw, 'verifyToken payload vs the token body');
  if (t.kind === 'session') checkSessionPayload(payload, t.expect);
  else checkTemplatePayload(payload, t.key, t.expires);
}

const VERIFY_NAMES = [
  ...RS_TEMPLATES.flatMap((k) => ['default_lifetime', 'expires_in_seconds'].map((s) => `template_${k}_${s}`)),
  ...SESSION_TOKENS.map((st) => `session_${st.label}`),
];

for (const name of VERIFY_NAMES) {
  test(`verify_token_jwks_${name}`, async () => {
    check(TOKENS[name], `token ${name} was not minted`);
    checkVerified(name, await verifyToken(TOKENS[name].jwt, { secretKey: SECRET, apiUrl: BASE }));
  });
  test(`verify_token_jwt_key_${name}`, async () => {
    check(TOKENS[name], `token ${name} was not minted`);
    checkVerified(name, await verifyToken(TOKENS[name].jwt, { jwtKey: need('pem') }));
  });
}

test('verify_token_audience_option', async () => {
  const t = TOKENS.template_convex_default_lifetime;
  check(t, 'no convex token');
  eq((await verifyToken(t.jwt, { secretKey: SECRET, apiUrl: BASE, audience: 'convex' })).aud, 'convex', 'aud');
  await expectVerifyError(() => verifyToken(t.jwt, { jwtKey: need('pem'), audience: 'other' }), 'token-verification-failed');
});

test('verify_token_rejects_a_tampered_token', async () => {
  const t = TOKENS.session_org_admin_default_lifetime;
  check(t, 'no session token');
  const [h, p, sig] = t.jwt.split('.');
  const body = b64urlJson(p);
  body.sub = need('u2').id;
  const forged = `${h}.${Buffer.from(JSON.stringify(body)).toString('base64url')}.${sig}`;
  await expectVerifyError(() => verifyToken(forged, { jwtKey: need('pem') }), 'token-invalid-signature');
  await expectVerifyError(() => verifyToken(forged, { secretKey: SECRET, apiUrl: BASE }), 'token-invalid-signature');
});

test('verify_token_with_a_wrong_secret_key_reports_secret_key_invalid', async () => {
  // GET /v1/jwks answers 401 clerk_key_invalid; the SDK retries 5 times (a few seconds), then reports it.
  const t = TOKENS.session_org_admin_default_lifetime;
  check(t, 'no session token');
  await expectVerifyError(() => verifyToken(t.jwt, { secretKey: WRONG_SECRET, apiUrl: BASE }), 'secret-key-invalid');
});

// --------------------------------------------------------------------------------------------------
// authenticateRequest with a Bearer header

function bearer(jwt) {
  return new Request('https://app.example.com/api/me', { headers: { Authorization: `Bearer ${jwt}` } });
}

async function expectSignedIn(name, opts, { user, sid, org, role }) {
  const t = TOKENS[name];
  check(t, `token ${name} was not minted`);
  const state = await clerk.authenticateRequest(bearer(t.jwt), { publishableKey: PUBLISHABLE_KEY, ...opts });
  eq([state.status, state.isAuthenticated], ['signed-in', true], `status (reason ${state.reason}: ${state.message})`);
  const auth = state.toAuth();
  eq([auth.tokenType, auth.userId, auth.sessionId, auth.sessionStatus], ['session_token', user, sid, 'active'],
    'tokenType, userId, sessionId, sessionStatus');
  eq([auth.orgId, auth.orgSlug, auth.orgRole], org ? [org.id, org.slug, `org:${role}`] : [undefined, undefined, undefined],
    'orgId, orgSlug, orgRole');
  return auth;
}

test('authenticate_request_session_token_with_jwt_key', async () => {
  const [u1, org] = need('u1', 'org');
  const auth = await expectSignedIn('session_org_admin_default_lifetime', { jwtKey: need('pem') },
    { user: u1.id, sid: need('sessOrg'), org, role: 'admin' });
  check(auth.has({ role: 'org:admin' }), "has({ role: 'org:admin' }) is false");
});

test('authenticate_request_session_token_with_secret_key_and_jwks', async () => {
  const [u1, org] = need('u1', 'org');
  await expectSignedIn('session_org_admin_expires_in_seconds', { secretKey: SECRET },
    { user: u1.id, sid: need('sessOrg'), org, role: 'admin' });
});

test('authenticate_request_member_and_no_organization', async () => {
  const [u1, u2, org] = need('u1', 'u2', 'org');
  const auth = await expectSignedIn('session_org_member', { jwtKey: need('pem') },
    { user: u2.id, sid: need('sessMember'), org, role: 'member' });
  check(auth.has({ role: 'org:member' }) && !auth.has({ role: 'org:admin' }), 'has() for the member role');
  await expectSignedIn('session_without_organization', { jwtKey: need('pem') }, { user: u1.id, sid: need('sess'), org: null });
});

test('authenticate_request_rejects_template_tokens_as_token_type_mismatch', async () => {
  for (const name of ['template_hasura_default_lifetime', 'template_convex_default_lifetime']) {
    const t = TOKENS[name];
    check(t, `token ${name} was not minted`);
    for (const opts of [{ jwtKey: need('pem') }, { secretKey: SECRET }]) {
      const state = await clerk.authenticateRequest(bearer(t.jwt), { publishableKey: PUBLISHABLE_KEY, ...opts });
      eq([state.status, state.reason], ['signed-out', 'token-type-mismatch'], `${name} with ${Object.keys(opts)[0]}`);
      eq(state.toAuth().userId, null, 'userId');
    }
  }
});

test('authenticate_request_rejects_a_tampered_session_token', async () => {
  const t = TOKENS.session_org_admin_default_lifetime;
  check(t, 'no session token');
  const [h, p, sig] = t.jwt.split('.');
  const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
  const state = await clerk.authenticateRequest(bearer(`${h}.${p}.${flipped}`), { publishableKey: PUBLISHABLE_KEY, jwtKey: need('pem') });
  eq([state.status, state.reason], ['signed-out', 'token-invalid-signature'], 'status, reason');
});

test('authenticate_request_auth_get_token_mints_through_tessera', async () => {
  const [u1, org] = need('u1', 'org');
  const t = TOKENS.session_org_admin_default_lifetime;
  check(t, 'no session token');
  const state = await clerk.authenticateRequest(bearer(t.jwt), { publishableKey: PUBLISHABLE_KEY, jwtKey: need('pem') });
  eq(state.status, 'signed-in', `status (reason ${state.reason})`);
  const auth = state.toAuth();
  eq(await auth.getToken(), t.jwt, 'getToken() is the request token');
  const jwt = await auth.getToken({ template: tplName('orgs') });
  check(typeof jwt === 'string' && jwt, `getToken({ template }) gave ${show(jwt)}`);
  const payload = await verifyToken(jwt, { secretKey: SECRET, apiUrl: BASE });
  eq([payload.sub, payload.org?.id], [u1.id, org.id], 'sub, org.id of the token minted via the auth object');
});

// --------------------------------------------------------------------------------------------------
// Errors as the SDK reports them

test('get_unknown_user_is_404_resource_not_found', async () => {
  await expectApiError(() => clerk.users.getUser('user_nope'), 404, 'resource_not_found');
});

test('wrong_secret_key_is_401_clerk_key_invalid', async () => {
  const bad = createClerkClient({ secretKey: WRONG_SECRET, apiUrl: BASE, telemetry: { disabled: true } });
  await expectApiError(() => bad.users.getUser(need('u1').id), 401, 'clerk_key_invalid');
});

test('create_user_with_a_taken_email_is_422_form_identifier_exists', async () => {
  const u1 = need('u1');
  await expectApiError(() => clerk.users.createUser({ emailAddress: [u1.email] }), 422, 'form_identifier_exists', 'email_address');
});

test('get_token_for_an_unknown_template_is_404', async () => {
  const e = await expectApiError(() => clerk.sessions.getToken(need('sess'), `nope-${RUN}`), 404, 'resource_not_found');
  check(e.errors[0].longMessage.includes(`nope-${RUN}`), `longMessage ${show(e.errors[0].longMessage)} does not name the template`);
});

test('get_token_expires_in_seconds_5_is_422', async () => {
  await expectApiError(() => clerk.sessions.getToken(need('sess'), undefined, 5), 422, 'form_param_value_invalid', 'expires_in_seconds');
});

test('revoked_session_cannot_mint', async () => {
  const s = await clerk.sessions.createSession({ userId: need('u1').id });
  const revoked = await clerk.sessions.revokeSession(s.id);
  eq(revoked.status, 'revoked', 'status after revokeSession');
  await expectApiError(() => clerk.sessions.getToken(s.id), 404, 'resource_not_found');
});

// --------------------------------------------------------------------------------------------------
// Organization roles and permissions: the SDK's organizationPermissions, organizationRoles and
// roleSets APIs, and what its authenticateRequest makes of a Tessera-minted session token:
// toAuth().orgRole / orgPermissions and has({ role }) / has({ permission }). Every key carries RUN
// (this suite runs after the Python one, and twice on the PostgreSQL database); the default roles
// org:admin and org:member are never changed, so the session-token checks above stay exact.

const R = {}; // this section's state
const SYS_PERMISSION_KEYS = [
  'org:sys_billing:manage', 'org:sys_billing:read', 'org:sys_domains:manage', 'org:sys_domains:read',
  'org:sys_entconns:manage', 'org:sys_memberships:manage', 'org:sys_memberships:read', 'org:sys_profile:delete',
  'org:sys_profile:manage',
];
const JP = {
  read: `org:jsinv_${RUN}:read`,
  pay: `org:jsinv_${RUN}:pay`,
  view: `org:jsrpt_${RUN}:view`,
};
const AUDITOR = `org:auditor_${RUN}`;

function rneed(...keys) {
  const missing = keys.filter((k) => !(k in R));
  if (missing.length) throw new Error(`prerequisite ${missing.map((k) => `roles.${k}`).join(', ')} missing (an earlier check failed)`);
  return keys.length === 1 ? R[keys[0]] : keys.map((k) => R[k]);
}

const permKeys = (role) => {
  for (const p of role.permissions) {
    check(p.constructor.name.includes('Permission') && typeof p.description === 'string', `permission ${show(p)}`);
  }
  return role.permissions.map((p) => p.key).sort();
};

/** A fresh session token for the member's session, its payload, and the SDK's auth object for it. */
async function memberAuth(opts = { jwtKey: need('pem') }) {
  const tok = await clerk.sessions.getToken(rneed('session'));
  const { payload } = decode(tok.jwt);
  const state = await clerk.authenticateRequest(bearer(tok.jwt), { publishableKey: PUBLISHABLE_KEY, ...opts });
  eq([state.status, state.isAuthenticated], ['signed-in', true], `status (reason ${state.reason}: ${state.message})`);
  const auth = state.toAuth();
  eq([auth.userId, auth.orgId, auth.orgSlug], [rneed('member'), rneed('org').id, rneed('org').slug], 'userId, orgId, orgSlug');
  return { jwt: tok.jwt, payload, auth };
}

/** has() for each permission key: true for exactly the `granted` ones. */
function hasExactly(auth, granted, what) {
  const asked = [...Object.values(JP), 'org:sys_memberships:read', 'org:sys_billing:read'];
  const got = Object.fromEntries(asked.map((p) => [p, auth.has({ permission: p })]));
  eq(got, Object.fromEntries(asked.map((p) => [p, granted.includes(p)])), `has({ permission }) ${what}`);
  eq([...(auth.orgPermissions || [])].sort(), [...granted].sort(), `orgPermissions ${what}`);
}

test('roles_sdk_lists_system_permissions_default_roles_and_the_initial_role_set', async () => {
  const perms = await clerk.organizationPermissions.getOrganizationPermissionList({ query: 'org:sys_', orderBy: 'key', limit: 100 });
  eq(perms.totalCount, 9, 'totalCount of org:sys_ permissions');
  eq(perms.data.map((p) => p.key), SYS_PERMISSION_KEYS, 'system permission keys, ordered by key');
  for (const p of perms.data) {
    eq(p.constructor.name.replace(/^_/, ''), 'Permission', `${p.key} is a Permission`);
    check(/^perm_\w{27}$/.test(p.id) && typeof p.description === 'string' && p.description && p.createdAt > 1e12,
      `${p.key}: id, description, createdAt ${show(p)}`);
  }
  R.sys = Object.fromEntries(perms.data.map((p) => [p.key, p.id]));
  const roles = await clerk.organizationRoles.getOrganizationRoleList({ limit: 100 });
  const admin = roles.data.find((r) => r.key === 'org:admin');
  const member = roles.data.find((r) => r.key === 'org:member');
  check(admin && member, `default roles in ${show(roles.data.map((r) => r.key))}`);
  eq(admin.constructor.name.replace(/^_/, ''), 'Role', 'a Role');
  eq([admin.name, admin.isCreatorEligible, permKeys(admin)], ['Admin', true, SYS_PERMISSION_KEYS], 'org:admin');
  eq([member.name, member.isCreatorEligible, permKeys(member)], ['Member', false, ['org:sys_billing:read', 'org:sys_memberships:read']], 'org:member');
  const initial = await clerk.roleSets.getRoleSet('role_set:default');
  eq(initial.constructor.name.replace(/^_/, ''), 'RoleSet', 'a RoleSet');
  eq([initial.key, initial.type, initial.creatorRole?.key, initial.defaultRole?.key],
    ['role_set:default', 'initial', 'org:admin', 'org:member'], 'key, type, creatorRole, defaultRole');
  check(initial.roles.every((r) => r.constructor.name.replace(/^_/, '') === 'RoleSetItem'), 'roles are RoleSetItems');
  check(['org:admin', 'org:member'].every((k) => initial.roles.some((r) => r.key === k)), 'default roles in the initial set');
  R.memberRole = member.id;
});

test('roles_sdk_creates_permissions_and_a_custom_role_in_the_initial_set', async () => {
  const sys = rneed('sys');
  const read = await clerk.organizationPermissions.createOrganizationPermission({ name: 'Read invoices', key: JP.read });
  eq([read.key, read.name, read.description], [JP.read, 'Read invoices', ''], 'permission without a description');
  const pay = await clerk.organizationPermissions.createOrganizationPermission({ name: 'Pay invoices', key: JP.pay, description: 'Money out' });
  eq(pay.description, 'Money out', 'description');
  const view = await clerk.organizationPermissions.createOrganizationPermission({ name: 'View reports', key: JP.view });
  const upd = await clerk.organizationPermissions.updateOrganizationPermission({ permissionId: view.id, description: 'Reports, read-only' });
  eq([upd.id, upd.key, upd.description], [view.id, JP.view, 'Reports, read-only'], 'updateOrganizationPermission');
  eq((await clerk.organizationPermissions.getOrganizationPermission(read.id)).key, JP.read, 'getOrganizationPermission');
  R.perm = { read: read.id, pay: pay.id, view: view.id };
  const role = await clerk.organizationRoles.createOrganizationRole({
    name: `Auditor ${RUN}`, key: AUDITOR, description: 'Reads the books',
    permissions: [read.id, sys['org:sys_memberships:read']], includeInInitialRoleSet: true,
  });
  check(/^role_\w{27}$/.test(role.id), `id ${role.id}`);
  eq([role.key, role.name, role.description, role.isCreatorEligible], [AUDITOR, `Auditor ${RUN}`, 'Reads the books', false], 'role');
  eq(permKeys(role), [JP.read, 'org:sys_memberships:read'].sort(), 'role permissions (a system one included)');
  eq(permKeys(await clerk.organizationRoles.getOrganizationRole(role.id)), permKeys(role), 'getOrganizationRole');
  const initial = await clerk.roleSets.getRoleSet('role_set:default');
  check(initial.roles.some((r) => r.key === AUDITOR && r.id === role.id), 'the role is in role_set:default');
  R.auditor = role.id;
});

test('roles_sdk_membership_with_the_custom_role_carries_its_permissions', async () => {
  rneed('auditor');
  const owner = await clerk.users.createUser({ emailAddress: [`roles.owner.js.${RUN}@example.com`] });
  const member = await clerk.users.createUser({ emailAddress: [`roles.member.js.${RUN}@example.com`] });
  const org = await clerk.organizations.createOrganization({ name: `Ledger JS ${RUN}`, slug: `ledger-js-${RUN}`, createdBy: owner.id });
  const m = await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: member.id, role: AUDITOR });
  eq([m.role, m.raw?.role_name], [AUDITOR, `Auditor ${RUN}`], 'role, role_name');
  eq([...m.permissions].sort(), [JP.read, 'org:sys_memberships:read'].sort(), 'permissions');
  const list = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
  eq(list.data.map((x) => [x.publicUserData.userId, x.role, [...x.permissions].sort().length]).sort(),
    [[owner.id, 'org:admin', 9], [member.id, AUDITOR, 2]].sort(), 'membership list');
  const s = await clerk.sessions.createSession({ userId: member.id, activeOrganizationId: org.id });
  eq(s.lastActiveOrganizationId, org.id, 'session lastActiveOrganizationId');
  Object.assign(R, { owner: owner.id, member: member.id, org: { id: org.id, slug: org.slug }, session: s.id });
});

test('roles_sdk_errors_are_clerk_api_response_errors', async () => {
  const [perm, auditor, org, owner, sys] = rneed('perm', 'auditor', 'org', 'owner', 'sys');
  await expectApiError(() => clerk.organizationPermissions.createOrganizationPermission({ name: 'Again', key: JP.read }),
    422, 'form_identifier_exists', 'key');
  const outsider = await clerk.users.createUser({ emailAddress: [`roles.outsider.js.${RUN}@example.com`] });
  await expectApiError(() => clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: outsider.id, role: `org:nope_${RUN}` }),
    422, 'form_param_value_invalid', 'role');
  await expectApiError(() => clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: owner, role: `org:nope_${RUN}` }),
    422, 'form_param_value_invalid', 'role');
  await expectApiError(() => clerk.organizationRoles.assignPermissionToOrganizationRole({ organizationRoleId: auditor, permissionId: perm.read }),
    409, 'organization_role_permission_association_exists');
  await expectApiError(() => clerk.organizationRoles.removePermissionFromOrganizationRole({ organizationRoleId: auditor, permissionId: perm.pay }),
    404, 'organization_role_permission_association_not_found');
  await expectApiError(() => clerk.organizationRoles.deleteOrganizationRole(auditor), 422, 'organization_role_assigned_members');
  await expectApiError(() => clerk.organizationRoles.deleteOrganizationRole(rneed('memberRole')), 422, 'organization_role_default_creator_role');
  await expectApiError(() => clerk.organizationPermissions.deleteOrganizationPermission(sys['org:sys_memberships:read']),
    403, 'organization_system_permission_not_modifiable');
});

test('has_grants_the_custom_permission_and_denies_others_and_system_ones', async () => {
  const [org, auditor] = rneed('org', 'auditor');
  const role = await clerk.organizationRoles.getOrganizationRole(auditor);
  check(permKeys(role).includes('org:sys_memberships:read'), 'the role holds org:sys_memberships:read');
  const { payload, auth, jwt } = await memberAuth();
  eq(payload.o, { id: org.id, slg: org.slug, rol: `auditor_${RUN}`, per: 'read', fpm: '1' }, 'o');
  eq(payload.fea, `o:jsinv_${RUN}`, 'fea');
  check(!JSON.stringify(payload).includes('sys_'), `a system permission reached the token: ${show(payload)}`);
  eq([auth.tokenType, auth.orgRole], ['session_token', AUDITOR], 'tokenType, orgRole');
  hasExactly(auth, [JP.read], 'with read granted');
  check(auth.has({ role: AUDITOR }), `has({ role: '${AUDITOR}' }) is false`);
  check(auth.has({ role: `auditor_${RUN}` }), 'has({ role }) without the org: prefix is false');
  check(!auth.has({ role: 'org:member' }) && !auth.has({ role: 'org:admin' }), 'has() for a role not held is true');
  check(auth.has({ role: AUDITOR, permission: JP.read }), 'has({ role, permission }) both held is false');
  check(!auth.has({ role: AUDITOR, permission: JP.pay }), 'has({ role, permission }) with a permission not held is true');
  R.firstToken = jwt;
});

test('has_through_the_jwks_with_the_secret_key', async () => {
  const { auth } = await memberAuth({ secretKey: SECRET });
  eq(auth.orgRole, AUDITOR, 'orgRole');
  hasExactly(auth, [JP.read], 'verified through GET /v1/jwks');
});

test('has_follows_assigned_and_removed_permissions_in_the_next_token', async () => {
  const [perm, auditor, firstToken] = rneed('perm', 'auditor', 'firstToken');
  const r1 = await clerk.organizationRoles.assignPermissionToOrganizationRole({ organizationRoleId: auditor, permissionId: perm.pay });
  const r2 = await clerk.organizationRoles.assignPermissionToOrganizationRole({ organizationRoleId: auditor, permissionId: perm.view });
  eq([permKeys(r1).length, permKeys(r2)], [3, [JP.pay, JP.read, JP.view, 'org:sys_memberships:read'].sort()], 'role after assigning');
  let { payload, auth } = await memberAuth();
  eq(payload.fea.split(',').sort(), [`o:jsinv_${RUN}`, `o:jsrpt_${RUN}`].sort(), 'fea with two features');
  hasExactly(auth, [JP.read, JP.pay, JP.view], 'after assigning pay and view');
  // The earlier token is a snapshot: still only read.
  const old = await clerk.authenticateRequest(bearer(firstToken), { publishableKey: PUBLISHABLE_KEY, jwtKey: need('pem') });
  hasExactly(old.toAuth(), [JP.read], 'of the token minted before the change');
  const r3 = await clerk.organizationRoles.removePermissionFromOrganizationRole({ organizationRoleId: auditor, permissionId: perm.read });
  eq(permKeys(r3), [JP.pay, JP.view, 'org:sys_memberships:read'].sort(), 'role after removing read');
  ({ payload, auth } = await memberAuth());
  hasExactly(auth, [JP.pay, JP.view], 'after removing read');
});

test('has_follows_update_organization_role_and_emptied_permissions', async () => {
  const [perm, auditor, org, sys] = rneed('perm', 'auditor', 'org', 'sys');
  const upd = await clerk.organizationRoles.updateOrganizationRole({
    organizationRoleId: auditor, name: `Senior auditor ${RUN}`, permissions: [perm.view, sys['org:sys_memberships:read']],
  });
  eq([upd.key, upd.name, permKeys(upd)], [AUDITOR, `Senior auditor ${RUN}`, [JP.view, 'org:sys_memberships:read'].sort()], 'role after update');
  let { payload, auth } = await memberAuth();
  eq([payload.o.per, payload.o.fpm, payload.fea], ['view', '1', `o:jsrpt_${RUN}`], 'o.per, o.fpm, fea');
  hasExactly(auth, [JP.view], 'after replacing the permissions');
  await clerk.organizationRoles.updateOrganizationRole({ organizationRoleId: auditor, permissions: [sys['org:sys_memberships:read']] });
  ({ payload, auth } = await memberAuth());
  eq(payload.o, { id: org.id, slg: org.slug, rol: `auditor_${RUN}` }, 'o with only a system permission left');
  check(!('fea' in payload), `fea ${show(payload.fea)} without custom permissions`);
  hasExactly(auth, [], 'with only a system permission');
  check(auth.has({ role: AUDITOR }), 'has({ role }) after the permissions were emptied');
});

test('has_role_follows_a_membership_role_change', async () => {
  const [org, member] = rneed('org', 'member');
  const m = await clerk.organizations.updateOrganizationMembership({ organizationId: org.id, userId: member, role: 'org:member' });
  eq([m.role, m.raw?.role_name, [...m.permissions].sort()], ['org:member', 'Member', ['org:sys_billing:read', 'org:sys_memberships:read']], 'membership');
  const { payload, auth } = await memberAuth();
  eq(payload.o, { id: org.id, slg: org.slug, rol: 'member' }, 'o');
  eq(auth.orgRole, 'org:member', 'orgRole');
  check(!auth.has({ role: AUDITOR }) && auth.has({ role: 'org:member' }), 'has({ role }) after the change');
  hasExactly(auth, [], 'as org:member');
});

test('role_sets_sdk_create_add_roles_replace_role_and_replace', async () => {
  rneed('auditor');
  const set = await clerk.roleSets.createRoleSet({
    name: `JS set ${RUN}`, key: `role_set:js_${RUN}`, defaultRoleKey: AUDITOR, creatorRoleKey: 'org:admin', roles: ['org:admin', AUDITOR],
  });
  eq(set.constructor.name.replace(/^_/, ''), 'RoleSet', 'a RoleSet');
  check(/^rs_\w{27}$/.test(set.id), `id ${set.id}`);
  eq([set.key, set.name, set.type, set.defaultRole?.key, set.creatorRole?.key, set.roleSetMigration],
    [`role_set:js_${RUN}`, `JS set ${RUN}`, 'custom', AUDITOR, 'org:admin', null], 'role set');
  eq(set.roles.map((r) => r.key).sort(), ['org:admin', AUDITOR].sort(), 'roles');
  eq((await clerk.roleSets.getRoleSet(set.id)).key, set.key, 'getRoleSet by id');
  const analyst = await clerk.organizationRoles.createOrganizationRole({ name: `Analyst ${RUN}`, key: `org:analyst_${RUN}`, includeInInitialRoleSet: false });
  eq(analyst.permissions, [], 'a role without permissions');
  const added = await clerk.roleSets.addRolesToRoleSet({ roleSetKeyOrId: set.key, roleKeys: [analyst.key], defaultRoleKey: analyst.key });
  eq([added.roles.map((r) => r.key).sort(), added.defaultRole?.key], [['org:admin', AUDITOR, analyst.key].sort(), analyst.key], 'after addRolesToRoleSet');
  const replaced = await clerk.roleSets.replaceRoleInRoleSet({ roleSetKeyOrId: set.id, roleKey: AUDITOR, toRoleKey: analyst.key });
  eq(replaced.roles.map((r) => r.key).sort(), ['org:admin', analyst.key].sort(), 'after replaceRoleInRoleSet');
  const gone = await clerk.roleSets.replaceRoleSet({ roleSetKeyOrId: set.id, destRoleSetKey: 'role_set:default' });
  eq([gone.object, gone.id, gone.deleted], ['role_set', set.id, true], 'replaceRoleSet deletes the set');
  await expectApiError(() => clerk.roleSets.getRoleSet(set.id), 404, 'resource_not_found');
  R.analyst = analyst.id;
});

test('roles_sdk_deletes_unused_roles_and_permissions', async () => {
  const [auditor, analyst, perm] = rneed('auditor', 'analyst', 'perm');
  const gone = await clerk.organizationRoles.deleteOrganizationRole(auditor);
  eq([gone.object, gone.id, gone.deleted], ['role', auditor, true], 'deleteOrganizationRole');
  await expectApiError(() => clerk.organizationRoles.getOrganizationRole(auditor), 404, 'resource_not_found');
  eq((await clerk.organizationRoles.deleteOrganizationRole(analyst)).deleted, true, 'analyst deleted');
  const initial = await clerk.roleSets.getRoleSet('role_set:default');
  check(!initial.roles.some((r) => r.key === AUDITOR), 'a deleted role is still in role_set:default');
  for (const id of Object.values(perm)) {
    const d = await clerk.organizationPermissions.deleteOrganizationPermission(id);
    eq([d.object, d.id, d.deleted], ['permission', id, true], 'deleteOrganizationPermission');
  }
  await expectApiError(() => clerk.organizationPermissions.getOrganizationPermission(perm.read), 404, 'resource_not_found');
});

// --------------------------------------------------------------------------------------------------
// List filters (issue 10): getUserList / getCount / getOrganizationList with the new filters give the
// right objects, and a filter Tessera cannot honour is refused, never ignored. Scoped to this run's
// users (`flt.js.${RUN}.…@…`), so users made by other checks (or by earlier runs on the same
// database) never change the answers. One block: other sections are edited concurrently.
// (The SDK drops falsy query values, so `0` and `false` are never sent from here.)

/** Ids getUserList gives for these filters, scoped to this section's users; its totalCount (from
 *  GET /users/count with the same filters) must agree. */
async function fltList(params) {
  const [a, b, c] = need('fltA', 'fltB', 'fltC');
  const res = await clerk.users.getUserList({ userId: [a.id, b.id, c.id], limit: 500, ...params });
  eq(res.totalCount, res.data.length, `totalCount for ${show(params)}`);
  return res.data.map((u) => u.id);
}

test('list_filters_setup_three_users_and_an_organization', async () => {
  const tag = `fltjs${RUN}`;
  const phone = `+1557${String(parseInt(RUN, 16) % 10_000_000).padStart(7, '0')}`;
  const a = await clerk.users.createUser({
    emailAddress: [`flt.js.${RUN}.a@example.com`], phoneNumber: [phone], firstName: 'Ada', lastName: `Lovelace${tag}`,
    username: `fltjs_a_${RUN}`, externalId: `fltjs-ext-${RUN}`,
  });
  await new Promise((r) => setTimeout(r, 5));
  const b = await clerk.users.createUser({
    emailAddress: [`flt.js.${RUN}.b@work.org`], firstName: 'Bob', lastName: `Young${tag}`, username: `fltjs_b_${RUN}`,
  });
  await new Promise((r) => setTimeout(r, 5));
  const c = await clerk.users.createUser({ emailAddress: [`flt.js.${RUN}.c@example.com`], firstName: 'Carol' });
  check(a.createdAt < b.createdAt && b.createdAt < c.createdAt, 'the three users were created in distinct milliseconds');
  const org = await clerk.organizations.createOrganization({ name: `Flt JS ${RUN}`, createdBy: a.id });
  await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: c.id, role: 'org:member' });
  S.fltA = { id: a.id, createdAt: a.createdAt, phone };
  S.fltB = { id: b.id, createdAt: b.createdAt };
  S.fltC = { id: c.id, createdAt: c.createdAt };
  S.fltOrg = org.id;
});

test('get_user_list_partial_queries_select_the_right_users', async () => {
  const [a, b, c] = need('fltA', 'fltB', 'fltC').map((u) => u.id);
  eq(await fltList({ emailAddressQuery: `FLT.JS.${RUN}.A@` }), [a], 'emailAddressQuery');
  eq(await fltList({ emailAddressQuery: 'example.com' }), [c, a], 'emailAddressQuery on the domain');
  eq(await fltList({ phoneNumberQuery: need('fltA').phone.slice(-6) }), [a], 'phoneNumberQuery');
  eq(await fltList({ usernameQuery: `_B_${RUN}` }), [b], 'usernameQuery');
  eq(await fltList({ nameQuery: `ada lovelacefltjs${RUN}` }), [a], 'nameQuery on the full name');
  eq(await fltList({ nameQuery: `fltjs${RUN}`, emailAddressQuery: 'work.org' }), [b], 'two queries are ANDed');
  eq(await fltList({ query: `fltjs_a_${RUN}` }), [a], 'query');
});

test('get_user_list_created_at_bounds_and_id_prefixes', async () => {
  const [a, b, c] = need('fltA', 'fltB', 'fltC');
  const org = need('fltOrg');
  eq(await fltList({ createdAtAfter: a.createdAt }), [c.id, b.id], 'createdAtAfter');
  eq(await fltList({ createdAtBefore: c.createdAt }), [b.id, a.id], 'createdAtBefore');
  eq(await fltList({ userId: [`+${a.id}`, `+${b.id}`, `-${a.id}`] }), [b.id], 'userId with + and -');
  eq(await fltList({ externalId: [`-fltjs-ext-${RUN}`] }), [c.id, b.id], 'externalId -');
  eq(await fltList({ organizationId: [org] }), [c.id, a.id], 'organizationId');
  eq(await fltList({ organizationId: [`-${org}`] }), [b.id], 'organizationId -');
  eq(await fltList({ userId: [`-${b.id}`], emailAddressQuery: `flt.js.${RUN}.` }), [c.id, a.id], 'userId - alone');
  eq(await fltList({ orderBy: '+created_at' }), [a.id, b.id, c.id], 'orderBy');
});

test('get_user_list_activity_wallet_and_provider_filters_match_users_without_them_never', async () => {
  // Users created through the Backend API were never active, never signed in and hold no web3 wallet
  // or external account: these filters select none of them (not all of them).
  for (const params of [{ lastActiveAtAfter: 1 }, { lastActiveAtBefore: 9_999_999_999_999 }, { last_active_at_since: 1 },
    { lastSignInAtAfter: 1 }, { lastSignInAtBefore: 9_999_999_999_999 }, { web3Wallet: ['0xabc'] },
    { provider: 'oauth_google', providerUserId: ['123'] }]) {
    eq(await fltList(params), [], `users for ${show(params)}`);
  }
});

test('get_user_list_bad_filter_is_422_naming_it', async () => {
  await expectApiError(() => clerk.users.getUserList({ provider: 'oauth_google' }), 422, 'form_conditional_param_missing', 'provider_user_id');
  await expectApiError(() => clerk.users.getCount({ createdAtAfter: -5 }), 422, 'form_param_value_invalid', 'created_at_after');
});

test('get_organization_list_filters_select_the_right_organizations', async () => {
  const [a, c] = need('fltA', 'fltC').map((u) => u.id);
  const org = need('fltOrg');
  const solo = await clerk.organizations.createOrganization({ name: `Flt JS solo ${RUN}`, createdBy: a });
  const ids = (res) => res.data.map((o) => o.id);
  let res = await clerk.organizations.getOrganizationList({ query: org.toUpperCase(), limit: 500 });
  eq([ids(res), res.totalCount], [[org], 1], 'query is the id, in any case');
  eq(ids(await clerk.organizations.getOrganizationList({ query: `js solo ${RUN}` })), [solo.id], 'query is part of the name');
  eq(ids(await clerk.organizations.getOrganizationList({ userId: [a], limit: 500 })), [solo.id, org], 'userId');
  eq(ids(await clerk.organizations.getOrganizationList({ userId: [a, `-${c}`], limit: 500 })), [solo.id], 'userId with -');
  res = await clerk.organizations.getOrganizationList({ userId: [a], organizationId: [`-${solo.id}`], includeMembersCount: true });
  eq(res.data.map((o) => [o.id, o.membersCount]), [[org, 2]], 'organizationId - and membersCount');
});

test('get_organization_list_elevated_permissions_flag_is_400_not_ignored', async () => {
  await expectApiError(() => clerk.organizations.getOrganizationList({ includeMissingMemberWithElevatedPermissions: true }),
    400, 'invalid_query_parameter_value', 'include_missing_member_with_elevated_permissions');
});

test('get_organization_membership_list_filters_members_and_roles', async () => {
  const [a, c] = need('fltA', 'fltC').map((u) => u.id);
  const organizationId = need('fltOrg');
  const members = async (params) => {
    const res = await clerk.organizations.getOrganizationMembershipList({ organizationId, limit: 100, ...params });
    eq(res.totalCount, res.data.length, `totalCount for ${JSON.stringify(params)}`);
    return res.data.map((m) => m.publicUserData.userId);
  };
  eq((await members({})).sort(), [a, c].sort(), 'every member');
  eq(await members({ role: ['org:member'] }), [c], 'role org:member');
  eq(await members({ role: ['org:admin'] }), [a], 'role org:admin');
  eq(await members({ userId: [`-${a}`] }), [c], 'userId -');
  eq(await members({ emailAddressQuery: 'nobody-here' }), [], 'emailAddressQuery');
  eq(await members({ orderBy: '-first_name' }), [c, a], 'orderBy -first_name');
  await expectApiError(() => members({ orderBy: 'role' }), 422, 'form_param_value_invalid', 'order_by');
});

test('get_instance_organization_membership_list_is_newest_first', async () => {
  const res = await clerk.organizations.getInstanceOrganizationMembershipList({ limit: 500 });
  check(res.totalCount >= 2 && res.data.length >= 2, 'every membership of the instance');
  const created = res.data.map((m) => m.createdAt);
  eq(created, [...created].sort((x, y) => y - x), 'newest first');
});

// --------------------------------------------------------------------------------------------------
// >>> Custom session claims (Tessera extension /v1/tessera/session_claims; clerk-compat §2.5) >>>
// The SDK has no call for this Tessera route, so the claims are set with fetch (recorded like the SDK's
// own calls); the session tokens are minted with sessions.getToken and read back by authenticateRequest
// (`toAuth().sessionClaims`) and verifyToken. Every check leaves no claims behind: the session-token
// checks above compare claim names exactly, and so would a suite run after this one.

async function sessionClaimsCall(method, body) {
  const headers = { Authorization: `Bearer ${SECRET}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${BASE}/v1/tessera/session_claims`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

/** Runs `fn` with the instance's session claims set to `claims`, and clears them afterwards. */
async function withSessionClaims(claims, fn) {
  const put = await sessionClaimsCall('PUT', { claims });
  eq(put.status, 200, `PUT session claims: ${show(put.body)}`);
  try {
    return await fn(put.body);
  } finally {
    await sessionClaimsCall('DELETE');
  }
}

const JS_SESSION_CLAIMS = {
  email: '{{user.primary_email_address}}',
  prefs: '{{user.public_metadata.prefs}}',
  plan: "{{org.public_metadata.plan || 'free'}}",
  app: { org: '{{org.slug}}', role: '{{org.role}}' },
  aud: 'js-api',
};

test('session_claims_put_get_delete', async () => {
  await withSessionClaims(JS_SESSION_CLAIMS, async (stored) => {
    eq([stored.object, stored.claims, stored.warnings], ['session_claims', JS_SESSION_CLAIMS, []], 'object, claims, warnings');
    eq(stored.size_bytes, Buffer.byteLength(JSON.stringify(JS_SESSION_CLAIMS)), 'size_bytes');
    eq((await sessionClaimsCall('GET')).body, stored, 'GET answers what PUT stored');
  });
  eq((await sessionClaimsCall('GET')).body.claims, {}, 'cleared');
});

test('session_claims_reserved_claim_is_400', async () => {
  for (const claim of ['sid', 'sub', 'o', 'fea']) {
    const r = await sessionClaimsCall('PUT', { claims: { [claim]: 'x' } });
    eq([r.status, r.body.errors?.[0]?.code, r.body.errors?.[0]?.meta?.param_name], [400, 'jwt_template_reserved_claim', 'claims'], claim);
  }
});

async function mintWithSessionClaims(sid) {
  return withSessionClaims(JS_SESSION_CLAIMS, async () => (await clerk.sessions.getToken(sid)).jwt);
}

function expectedSessionClaims(u1, org) {
  return { email: u1.email, prefs: { lang: 'en' }, plan: 'pro', app: { org: org.slug, role: 'org:admin' }, aud: 'js-api' };
}

test('session_claims_authenticate_request_to_auth_session_claims', async () => {
  const [u1, org, sessOrg] = need('u1', 'org', 'sessOrg');
  const jwt = await mintWithSessionClaims(sessOrg);
  const expected = expectedSessionClaims(u1, org);
  for (const opts of [{ jwtKey: need('pem') }, { secretKey: SECRET }]) {
    const state = await clerk.authenticateRequest(bearer(jwt), { publishableKey: PUBLISHABLE_KEY, ...opts });
    const via = Object.keys(opts)[0];
    eq([state.status, state.isAuthenticated], ['signed-in', true], `${via}: status (reason ${state.reason}: ${state.message})`);
    const auth = state.toAuth();
    for (const [k, v] of Object.entries(expected)) eq(auth.sessionClaims[k], v, `${via}: sessionClaims.${k}`);
    eq([auth.userId, auth.sessionId, auth.orgId, auth.orgRole], [u1.id, sessOrg, org.id, 'org:admin'], `${via}: default claims still drive the auth object`);
    check(/^[0-9a-f]{20}$/.test(auth.sessionClaims.jti || ''), `${via}: jti ${show(auth.sessionClaims.jti)}`);
  }
});

test('session_claims_verify_token_payload', async () => {
  const [u1, org, sessOrg] = need('u1', 'org', 'sessOrg');
  const jwt = await mintWithSessionClaims(sessOrg);
  const { header, payload: raw } = decode(jwt);
  eq(header, { alg: 'RS256', cat: CAT_SESSION, kid: need('kid'), typ: 'JWT' }, 'header');
  const payload = await verifyToken(jwt, { jwtKey: need('pem'), audience: 'js-api' });
  eq(payload, raw, 'verifyToken payload vs the token body');
  const expected = expectedSessionClaims(u1, org);
  for (const [k, v] of Object.entries(expected)) eq(payload[k], v, `claim ${k}`);
  eq(sorted(payload), [...new Set(['exp', 'iat', 'iss', 'jti', 'nbf', 'o', 'sid', 'sts', 'sub', 'v', ...Object.keys(expected)])].sort(), 'claim names');
});

test('session_claims_session_token_over_the_limit_is_422', async () => {
  const big = await clerk.users.createUser({ emailAddress: [`big.js.${RUN}@example.com`], publicMetadata: { blob: 'y'.repeat(3000) } });
  const s = await clerk.sessions.createSession({ userId: big.id });
  await withSessionClaims({ meta: '{{user.public_metadata}}' }, async () => {
    const e = await expectApiError(() => clerk.sessions.getToken(s.id), 422, 'session_token_too_large');
    check(e.errors[0].longMessage.includes('4000'), `longMessage ${show(e.errors[0].longMessage)} does not name the limit`);
  });
});

test('session_claims_cleared_session_token_has_only_the_default_claims', async () => {
  const [u1, org, sessOrg] = need('u1', 'org', 'sessOrg');
  await mintWithSessionClaims(sessOrg);
  const { payload } = decode((await clerk.sessions.getToken(sessOrg)).jwt);
  checkSessionPayload(payload, { user: u1, sid: sessOrg, org, role: 'admin', lifetime: 60 });
});

// <<< Custom session claims <<<

// --------------------------------------------------------------------------------------------------
// >>> Passwords (issue 11, part 4): users.createUser / updateUser with `password`, or `passwordDigest`
// and `passwordHasher` for each hasher Tessera verifies, users.verifyPassword right and wrong, and
// users.removePassword. Digests are made here with node:crypto (fresh salts every run) or are
// published test vectors (bcrypt, Django's bcrypt_sha256, Argon2's reference vectors). Every
// refusal must be a ClerkAPIResponseError carrying Clerk's code. Users are scoped by RUN.

const PW = `js compat password ${RUN}`;

function pwPhpass(password, setting) {
  const itoa = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const pw = Buffer.from(password);
  const rounds = 1 << itoa.indexOf(setting[3]);
  let h = crypto.createHash('md5').update(Buffer.concat([Buffer.from(setting.slice(4, 12)), pw])).digest();
  for (let i = 0; i < rounds; i += 1) h = crypto.createHash('md5').update(Buffer.concat([h, pw])).digest();
  let out = '';
  for (let i = 0; i < 16; i += 3) {
    const chunk = h.subarray(i, i + 3);
    let v = 0;
    chunk.forEach((b, k) => { v |= b << (8 * k); });
    for (let k = 0; k <= chunk.length; k += 1) out += itoa[(v >>> (6 * k)) & 0x3f];
  }
  return setting + out;
}

function pwSymfony(password, salt, iterations) {
  const salted = Buffer.from(`${password}{${salt}}`);
  let d = crypto.createHash('sha512').update(salted).digest();
  for (let i = 1; i < iterations; i += 1) d = crypto.createHash('sha512').update(Buffer.concat([d, salted])).digest();
  return d.toString('base64');
}

/** [hasher, digest, password] for every hasher Tessera verifies. */
function pwDigests() {
  const salt = crypto.randomBytes(8).toString('hex');
  const raw = crypto.randomBytes(12);
  const pbkdf2 = (alg, s, n, len) => crypto.pbkdf2Sync(PW, s, n, len, alg);
  const hash = (alg, ...parts) => crypto.createHash(alg).update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
  return [
    ['argon2i', '$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA', 'password'],
    ['argon2id', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'password'],
    ['bcrypt', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', 'U*U*'],
    ['bcrypt_sha256_django', 'bcrypt_sha256$$2b$12$LZSJchsWG/DrBy1erNs4eeYo6tZNlLFQmONdxN9HPesa1EyXVcTXK', 'ExjGmyUT73bFoT'],
    ['md5', hash('md5', PW).toString('hex'), PW],
    ['sha256', hash('sha256', PW).toString('hex'), PW],
    ['pbkdf2_sha1', `pbkdf2_sha1$1000$js${salt}$${pbkdf2('sha1', `js${salt}`, 1000, 32).toString('hex')}`, PW],
    ['pbkdf2_sha256', `pbkdf2_sha256$1000$${raw.toString('base64')}$${pbkdf2('sha256', raw, 1000, 32).toString('base64')}`, PW],
    ['pbkdf2_sha256_django', `pbkdf2_sha256$1000$js${salt}$${pbkdf2('sha256', `js${salt}`, 1000, 32).toString('base64')}`, PW],
    ['pbkdf2_sha512', `pbkdf2_sha512$1000$js${salt}$${pbkdf2('sha512', `js${salt}`, 1000, 64).toString('hex')}`, PW],
    ['pbkdf2_sha512_hex', `pbkdf2_sha512_hex$1000$${salt}$${pbkdf2('sha512', Buffer.from(salt, 'hex'), 1000, 64).toString('hex')}`, PW],
    ['phpass', pwPhpass(PW, '$P$B' + salt.slice(0, 8)), PW],
    ['md5_phpass', pwPhpass(PW, '$H$9' + salt.slice(8)), PW],
    ['ldap_ssha', '{SSHA}' + Buffer.concat([hash('sha1', PW, raw), raw]).toString('base64'), PW],
    ['sha512_symfony', `sha512_symfony$500$${salt}$${pwSymfony(PW, salt, 500)}`, PW],
  ];
}

const pwVerify = (userId, password) => clerk.users.verifyPassword({ userId, password });

test('passwords_create_user_with_a_password_and_verify_it', async () => {
  const u = await clerk.users.createUser({ emailAddress: [`pw.js.${RUN}@example.com`], password: PW });
  eq(u.passwordEnabled, true, 'passwordEnabled');
  eq(await pwVerify(u.id, PW), { verified: true }, 'verifyPassword');
  eq((await clerk.users.getUser(u.id)).passwordEnabled, true, 'passwordEnabled read back');
  S.pwUser = u.id;
});

test('passwords_wrong_password_is_422_incorrect_password', async () => {
  const uid = need('pwUser');
  const e = await expectApiError(() => pwVerify(uid, `${PW}x`), 422, 'incorrect_password');
  check(!JSON.stringify(e.errors).includes(PW), 'the error repeats the password');
});

test('passwords_short_password_is_422_form_password_length_too_short', async () => {
  await expectApiError(() => clerk.users.createUser({ password: 'short' }), 422, 'form_password_length_too_short', 'password');
  const u = await clerk.users.createUser({ password: 'short', skipPasswordChecks: true });
  eq(await pwVerify(u.id, 'short'), { verified: true }, 'skipPasswordChecks lifts the minimum');
});

const PW_DIGESTS = pwDigests();
for (const [hasher, digest, password] of PW_DIGESTS) {
  test(`passwords_${hasher}_digest_is_imported_and_verifies`, async () => {
    const u = await clerk.users.createUser({ externalId: `pw-js-${hasher}-${RUN}`, passwordDigest: digest, passwordHasher: hasher });
    eq(u.passwordEnabled, true, 'passwordEnabled');
    await expectApiError(() => pwVerify(u.id, `${password}!`), 422, 'incorrect_password');
    eq(await pwVerify(u.id, password), { verified: true }, `${hasher} verifies its password`);
    eq(await pwVerify(u.id, password), { verified: true }, `${hasher} after the upgrade to Argon2id`);
    await expectApiError(() => pwVerify(u.id, `${password}!`), 422, 'incorrect_password');
  });
}

test('passwords_unsupported_hasher_is_422_naming_password_hasher', async () => {
  const md5 = crypto.createHash('md5').update(PW).digest('hex');
  const e = await expectApiError(
    () => clerk.users.createUser({ passwordDigest: md5, passwordHasher: 'scrypt_werkzeug' }), 422, 'form_param_value_invalid', 'password_hasher');
  check(e.errors[0].longMessage.includes('scrypt_werkzeug'), `longMessage ${show(e.errors[0].longMessage)}`);
});

test('passwords_malformed_digest_is_422_form_password_digest_invalid_code', async () => {
  const digest = crypto.createHash('sha256').update(PW).digest('hex');
  const e = await expectApiError(
    () => clerk.users.createUser({ passwordDigest: digest, passwordHasher: 'md5' }), 422, 'form_password_digest_invalid_code', 'password_digest');
  check(!JSON.stringify(e.errors).includes(digest), 'the error repeats the digest');
});

test('passwords_update_user_changes_the_password_and_signs_out', async () => {
  const uid = need('pwUser');
  const s = await clerk.sessions.createSession({ userId: uid });
  const u = await clerk.users.updateUser(uid, { password: `${PW} new`, signOutOfOtherSessions: true });
  eq(u.passwordEnabled, true, 'passwordEnabled');
  eq((await clerk.sessions.getSession(s.id)).status, 'revoked', 'the session is revoked in the same write');
  eq(await pwVerify(uid, `${PW} new`), { verified: true }, 'the new password');
  await expectApiError(() => pwVerify(uid, PW), 422, 'incorrect_password');
});

test('passwords_remove_password_then_verify_is_400_no_password_set', async () => {
  const uid = need('pwUser');
  const u = await clerk.users.removePassword(uid);
  eq(u.passwordEnabled, false, 'passwordEnabled');
  await expectApiError(() => pwVerify(uid, `${PW} new`), 400, 'no_password_set');
  eq((await clerk.users.removePassword(uid, { signOutOfOtherSessions: true })).passwordEnabled, false, 'again');
});

test('passwords_verify_for_an_unknown_user_is_404', async () => {
  await expectApiError(() => pwVerify(`user_nobody_${RUN}`, PW), 404, 'resource_not_found');
  await expectApiError(() => clerk.users.removePassword(`user_nobody_${RUN}`), 404, 'resource_not_found');
});

// <<< Passwords <<<

// --------------------------------------------------------------------------------------------------
// >>> Actor tokens (impersonation; issue 11) >>>
// clerk.actorTokens.create/revoke (the SDK's ActorToken resource reads `actor.sub`); the token is
// redeemed with fetch through Tessera's own route (POST /v1/tessera/actor_tokens/{id}/redeem, which the
// SDK has no call for) into a session whose session tokens carry `act`: authenticateRequest exposes it
// as `toAuth().actor` and `sessionClaims.act`. Revoking the token, or the session, ends it.

async function redeemActorToken(id, token) {
  const r = await fetch(`${BASE}/v1/tessera/actor_tokens/${id}/redeem`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  return { status: r.status, body: await r.json() };
}

async function impersonate(userId, actor) {
  const t = await clerk.actorTokens.create({ userId, actor });
  const r = await redeemActorToken(t.id, t.token);
  eq(r.status, 200, `redeem: ${show(r.body)}`);
  return { tokenId: t.id, sessionId: r.body.id };
}

test('actor_tokens_sdk_create_and_revoke', async () => {
  const [u1, u2] = need('u1', 'u2');
  const t = await clerk.actorTokens.create({ userId: u1.id, actor: { sub: u2.id }, expiresInSeconds: 600, sessionMaxDurationInSeconds: 900 });
  check(/^act_\w{27}$/.test(t.id), `id ${show(t.id)}`);
  eq([t.status, t.userId, t.actor.sub], ['pending', u1.id, u2.id], 'status, userId, actor.sub');
  check(/^[0-9a-f]{64}$/.test(t.token || ''), `token ${show(t.token)}`);
  eq(t.url, `${need('issuer')}/v1/tessera/actor_tokens/${t.id}/redeem`, 'url');
  check(t.createdAt === t.updatedAt && t.createdAt > 1e12, 'timestamps in ms');
  const r = await clerk.actorTokens.revoke(t.id);
  eq([r.id, r.status, r.token], [t.id, 'revoked', undefined], 'revoked, without its secret');
  await expectApiError(() => clerk.actorTokens.revoke(t.id), 400, 'actor_token_cannot_be_revoked_code');
  await expectApiError(() => clerk.actorTokens.revoke('act_nope'), 404, 'resource_not_found');
  await expectApiError(() => clerk.actorTokens.create({ userId: 'user_nobody', actor: { sub: u2.id } }), 422, 'form_resource_not_found', 'user_id');
  const redeemed = await redeemActorToken(t.id, t.token);
  eq([redeemed.status, redeemed.body.errors?.[0]?.code], [400, 'actor_token_revoked_code'], 'a revoked token does not redeem');
});

test('actor_tokens_authenticate_request_exposes_the_actor', async () => {
  const [u1, u2] = need('u1', 'u2');
  const actor = { sub: u2.id, reason: 'support' };
  const { sessionId } = await impersonate(u1.id, actor);
  const s = await clerk.sessions.getSession(sessionId);
  eq([s.userId, s.status, s.actor], [u1.id, 'active', actor], 'session userId, status, actor');
  const jwt = (await clerk.sessions.getToken(sessionId)).jwt;
  for (const opts of [{ jwtKey: need('pem') }, { secretKey: SECRET }]) {
    const via = Object.keys(opts)[0];
    const state = await clerk.authenticateRequest(bearer(jwt), { publishableKey: PUBLISHABLE_KEY, ...opts });
    eq([state.status, state.isAuthenticated], ['signed-in', true], `${via}: status (reason ${state.reason}: ${state.message})`);
    const auth = state.toAuth();
    eq([auth.userId, auth.sessionId, auth.actor, auth.sessionClaims.act], [u1.id, sessionId, actor, actor], `${via}: userId, sessionId, actor, sessionClaims.act`);
  }
  eq((await verifyToken(jwt, { jwtKey: need('pem') })).act, actor, 'verifyToken payload act');
  S.impersonation = { sessionId, jwt };
});

test('actor_tokens_revoking_the_session_or_the_token_ends_the_impersonation', async () => {
  const [u1, u2] = need('u1', 'u2');
  const { sessionId } = need('impersonation');
  eq((await clerk.sessions.revokeSession(sessionId)).status, 'revoked', 'session revoked');
  await expectApiError(() => clerk.sessions.getToken(sessionId), 404, 'resource_not_found');
  const other = await impersonate(u1.id, { sub: u2.id });
  eq((await clerk.actorTokens.revoke(other.tokenId)).status, 'revoked', 'accepted token revoked');
  eq((await clerk.sessions.getSession(other.sessionId)).status, 'revoked', 'its session revoked with it');
  await expectApiError(() => clerk.sessions.getToken(other.sessionId), 404, 'resource_not_found');
});

// <<< Actor tokens <<<

// >>> Contact details and lock/unlock (issue 11, part 3): clerk.emailAddresses, clerk.phoneNumbers,
// users created with several addresses, lockUser/unlockUser; the SDK's EmailAddress, PhoneNumber and
// User classes read every response. (One block: other sections are edited concurrently.) >>>

const ctc = (name) => `ctc.js.${RUN}.${name}@example.com`;
const ctcPhone = () => `+1558${String(crypto.randomInt(10 ** 7)).padStart(7, '0')}`;

test('contacts_create_user_with_several_addresses_and_identification_statuses', async () => {
  // The SDK sends body keys it does not declare as given (shallow snake_case).
  const u = await clerk.users.createUser({
    emailAddress: [ctc('a'), ctc('b')],
    emailAddressIdentificationStatus: ['verified', 'reserved'],
    phoneNumber: [ctcPhone(), ctcPhone()],
  });
  eq(u.emailAddresses.map((e) => e.emailAddress), [ctc('a'), ctc('b')], 'addresses in order');
  eq(u.emailAddresses.map((e) => e.verification?.status ?? null), ['verified', null], 'verified, then reserved');
  eq(u.primaryEmailAddress?.emailAddress, ctc('a'), 'the first address is primary');
  eq(u.primaryPhoneNumber?.id, u.phoneNumbers[0].id, 'the first number is primary');
  S.ctc = { id: u.id, emails: u.emailAddresses.map((e) => e.id), phones: u.phoneNumbers.map((p) => p.id) };
});

test('contacts_email_addresses_create_get_update_delete', async () => {
  const st = need('ctc');
  const e = await clerk.emailAddresses.createEmailAddress({ userId: st.id, emailAddress: ctc('c'), verified: true, primary: true });
  check(e.constructor.name.includes('EmailAddress'), `not an EmailAddress: ${e.constructor.name}`);
  check(/^idn_\w{27}$/.test(e.id), `id ${e.id}`);
  eq([e.emailAddress, e.verification?.status, e.verification?.strategy], [ctc('c'), 'verified', 'admin'], 'created');
  eq((await clerk.users.getUser(st.id)).primaryEmailAddressId, e.id, 'primary: true');
  eq((await clerk.emailAddresses.getEmailAddress(e.id)).emailAddress, ctc('c'), 'getEmailAddress');
  const unverified = await clerk.emailAddresses.updateEmailAddress(e.id, { verified: false });
  eq(unverified.verification, null, 'verified: false');
  const del = await clerk.emailAddresses.deleteEmailAddress(e.id);
  eq([del.object, del.id, del.deleted], ['email_address', e.id, true], 'deleteEmailAddress');
  eq((await clerk.users.getUser(st.id)).primaryEmailAddressId, st.emails[0], 'the oldest verified address is primary again');
  await expectApiError(() => clerk.emailAddresses.getEmailAddress(e.id), 404, 'resource_not_found');
});

test('contacts_phone_numbers_create_get_update_delete', async () => {
  const st = need('ctc');
  const number = ctcPhone();
  const p = await clerk.phoneNumbers.createPhoneNumber({ userId: st.id, phoneNumber: number, verified: true, reservedForSecondFactor: true });
  check(p.constructor.name.includes('PhoneNumber'), `not a PhoneNumber: ${p.constructor.name}`);
  eq([p.phoneNumber, p.reservedForSecondFactor, p.defaultSecondFactor, p.verification?.status], [number, true, true, 'verified'], 'created');
  eq((await clerk.users.getUser(st.id)).twoFactorEnabled, true, 'twoFactorEnabled');
  eq((await clerk.phoneNumbers.getPhoneNumber(p.id)).id, p.id, 'getPhoneNumber');
  const released = await clerk.phoneNumbers.updatePhoneNumber(p.id, { reservedForSecondFactor: false, primary: true });
  eq([released.reservedForSecondFactor, released.defaultSecondFactor], [false, false], 'released');
  const u = await clerk.users.getUser(st.id);
  eq([u.twoFactorEnabled, u.primaryPhoneNumberId], [false, p.id], 'two-factor off, primary moved');
  const del = await clerk.phoneNumbers.deletePhoneNumber(p.id);
  eq([del.object, del.deleted], ['phone_number', true], 'deletePhoneNumber');
  eq((await clerk.users.getUser(st.id)).primaryPhoneNumberId, st.phones[0], 'the oldest number is primary again');
});

test('contacts_errors_are_clerk_api_response_errors', async () => {
  const st = need('ctc');
  await expectApiError(() => clerk.emailAddresses.createEmailAddress({ userId: st.id, emailAddress: ctc('a') }), 422, 'form_identifier_exists', 'email_address');
  await expectApiError(() => clerk.emailAddresses.createEmailAddress({ userId: 'user_nope', emailAddress: ctc('z') }), 404, 'resource_not_found', 'user_id');
  await expectApiError(() => clerk.users.updateUser(st.id, { primaryEmailAddressId: st.emails[1] }), 422, 'form_verification_needed', 'primary_email_address_id');
  await expectApiError(() => clerk.phoneNumbers.createPhoneNumber({ userId: st.id, phoneNumber: ctcPhone(), reservedForSecondFactor: true }), 400, 'identification_create_second_factor_unverified', 'reserved_for_second_factor');
  const lone = await clerk.users.createUser({ phoneNumber: [ctcPhone()] });
  await expectApiError(() => clerk.phoneNumbers.deletePhoneNumber(lone.phoneNumbers[0].id), 400, 'identification_deletion_failed');
});

test('contacts_lock_user_refuses_new_sessions_and_unlock_user_restores_them', async () => {
  const st = need('ctc');
  const before = await clerk.sessions.createSession({ userId: st.id });
  const u = await clerk.users.lockUser(st.id);
  eq([u.id, u.locked], [st.id, true], 'lockUser');
  eq((await clerk.users.getUser(st.id)).locked, true, 'getUser after lockUser');
  await expectApiError(() => clerk.sessions.createSession({ userId: st.id }), 403, 'user_locked', 'user_id');
  const tok = await clerk.sessions.getToken(before.id);
  check(tok.jwt.split('.').length === 3, 'a session started before the lock keeps minting');
  eq((await clerk.users.unlockUser(st.id)).locked, false, 'unlockUser');
  eq((await clerk.sessions.createSession({ userId: st.id })).status, 'active', 'a new session after unlockUser');
});

// <<< Contact details and lock/unlock <<<

// --------------------------------------------------------------------------------------------------
// >>> Invitations (issue 11): clerk.invitations and the organization invitation calls of
// clerk.organizations / clerk.users. @clerk/backend asks for `GET /invitations` as a page
// (`paginated=true`) and sends `status` once per value. Accepting an organization invitation is
// Tessera's own route, called with fetch. Addresses are `invjs.${RUN}.…`, unique per run.

const invEmail = (name) => `invjs.${RUN}.${name}@example.com`;

async function acceptOrganizationInvitation(organizationId, invitationId, body = {}) {
  const res = await fetch(`${BASE}/v1/tessera/organizations/${organizationId}/invitations/${invitationId}/accept`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('invitations_create_and_get_invitation_list_as_a_page', async () => {
  const a = await clerk.invitations.createInvitation({
    emailAddress: invEmail('ada'),
    publicMetadata: { plan: 'pro' },
    redirectUrl: 'https://example.com/welcome',
    notify: false,
    expiresInDays: 2,
  });
  check(a.id.startsWith('inv_'), `id ${a.id}`);
  eq([a.emailAddress, a.status, a.revoked, a.publicMetadata], [invEmail('ada'), 'pending', false, { plan: 'pro' }], 'invitation');
  const bulk = await clerk.invitations.createInvitationBulk([{ emailAddress: invEmail('b1') }, { emailAddress: invEmail('b2') }]);
  eq(bulk.map((i) => i.emailAddress), [invEmail('b1'), invEmail('b2')], 'bulk, in order');
  const page = await clerk.invitations.getInvitationList({ query: `invjs.${RUN}.`, status: 'pending', limit: 10 });
  eq(page.totalCount, 3, 'totalCount');
  eq(page.data.map((i) => i.id).sort(), [a.id, ...bulk.map((i) => i.id)].sort(), 'the three invitations');
  eq((await clerk.invitations.getInvitationList({ query: `invjs.${RUN}.`, orderBy: 'email_address', limit: 1 })).data[0].id, a.id,
    'orderBy email_address');
  S.invJs = { ada: a.id, b1: bulk[0].id, b2: bulk[1].id };
});

test('invitations_duplicates_are_400_and_revoke_answers_revoked', async () => {
  const inv = need('invJs');
  const e = await expectApiError(() => clerk.invitations.createInvitation({ emailAddress: invEmail('ada') }), 400, 'duplicate_record');
  check(e.errors[0].longMessage.includes(invEmail('ada')), e.errors[0].longMessage);
  await expectApiError(() => clerk.invitations.createInvitationBulk([{ emailAddress: invEmail('b3') }, { emailAddress: invEmail('b1') }]),
    400, 'duplicate_record');
  const r = await clerk.invitations.revokeInvitation(inv.b1);
  eq([r.id, r.status, r.revoked], [inv.b1, 'revoked', true], 'revoked');
  await expectApiError(() => clerk.invitations.revokeInvitation(inv.b1), 400, 'invitation_already_revoked');
  const revoked = await clerk.invitations.getInvitationList({ query: `invjs.${RUN}.`, status: 'revoked' });
  eq(revoked.data.map((i) => i.id), [inv.b1], 'status=revoked');
});

test('invitations_a_new_user_with_the_address_accepts_it', async () => {
  const inv = need('invJs');
  const user = await clerk.users.createUser({ emailAddress: [invEmail('ada')], publicMetadata: { seats: 2 } });
  eq(user.publicMetadata, { plan: 'pro', seats: 2 }, 'the invitation metadata under the user own');
  const accepted = await clerk.invitations.getInvitationList({ query: inv.ada, status: 'accepted' });
  eq(accepted.data.map((i) => [i.id, i.status]), [[inv.ada, 'accepted']], 'accepted');
});

test('organization_invitations_create_list_with_repeated_status_and_get', async () => {
  const admin = await clerk.users.createUser({ emailAddress: [invEmail('admin')] });
  const org = await clerk.organizations.createOrganization({ name: `InvJs ${RUN}`, createdBy: admin.id });
  const bob = await clerk.organizations.createOrganizationInvitation({
    organizationId: org.id,
    inviterUserId: admin.id,
    emailAddress: invEmail('bob'),
    role: 'org:member',
    publicMetadata: { team: 'red' },
    privateMetadata: { source: 'crm' },
  });
  check(bob.id.startsWith('orginv_'), `id ${bob.id}`);
  eq([bob.emailAddress, bob.role, bob.roleName, bob.organizationId, bob.status, bob.url],
    [invEmail('bob'), 'org:member', 'Member', org.id, 'pending', null], 'invitation');
  eq([bob.publicMetadata, bob.privateMetadata], [{ team: 'red' }, { source: 'crm' }], 'metadata');
  const bulk = await clerk.organizations.createOrganizationInvitationBulk(org.id, [
    { emailAddress: invEmail('c1'), role: 'org:admin' },
    { emailAddress: invEmail('c2'), role: 'org:member' },
  ]);
  eq(bulk.data.map((i) => i.emailAddress), [invEmail('c1'), invEmail('c2')], 'bulk');
  const c2 = bulk.data[1].id;
  const revoked = await clerk.organizations.revokeOrganizationInvitation({ organizationId: org.id, invitationId: c2, requestingUserId: admin.id });
  eq(revoked.status, 'revoked', 'revoked');
  const both = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['pending', 'revoked'] });
  eq(both.totalCount, 3, 'status pending or revoked (repeated keys)');
  const pending = await clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['pending'] });
  eq(pending.data.map((i) => i.id).sort(), [bob.id, bulk.data[0].id].sort(), 'status pending');
  const got = await clerk.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: bob.id });
  eq([got.id, got.status, got.raw.public_inviter_data.user_id], [bob.id, 'pending', admin.id], 'getOrganizationInvitation');
  const o = await clerk.organizations.getOrganization({ organizationId: org.id });
  eq([o.membersCount, o.raw.pending_invitations_count], [1, 2], 'membersCount, pending_invitations_count');
  S.invJsOrg = { org: org.id, admin: admin.id, bob: bob.id, c2 };
});

test('organization_invitations_errors_are_clerk_api_response_errors', async () => {
  const { org, admin, bob, c2 } = need('invJsOrg');
  await expectApiError(() => clerk.organizations.createOrganizationInvitation({ organizationId: org, emailAddress: invEmail('x'), role: 'org:nope' }),
    422, 'form_param_value_invalid', 'role');
  await expectApiError(() => clerk.organizations.createOrganizationInvitation({ organizationId: org, emailAddress: invEmail('bob'), role: 'org:admin' }),
    400, 'organization_invitation_not_unique');
  await expectApiError(() => clerk.organizations.createOrganizationInvitation({ organizationId: org, emailAddress: invEmail('admin'), role: 'org:member' }),
    400, 'already_a_member_in_organization');
  await expectApiError(() => clerk.organizations.revokeOrganizationInvitation({ organizationId: org, invitationId: c2 }),
    404, 'organization_invitation_not_pending');
  const outsider = await clerk.users.createUser({ emailAddress: [invEmail('outsider')] });
  await expectApiError(() => clerk.organizations.revokeOrganizationInvitation({ organizationId: org, invitationId: bob, requestingUserId: outsider.id }),
    403, 'not_an_admin_in_organization', 'requesting_user_id');
  check(admin, 'the admin is known');
});

test('organization_invitations_accept_through_tessera_and_get_user_invitation_list', async () => {
  const { org, bob } = need('invJsOrg');
  const user = await clerk.users.createUser({ emailAddress: [invEmail('bob')] });
  const mine = await clerk.users.getOrganizationInvitationList({ userId: user.id, status: 'pending' });
  eq(mine.data.map((i) => [i.id, i.publicOrganizationData?.id]), [[bob, org]], 'getOrganizationInvitationList of the user');
  const early = await acceptOrganizationInvitation(org, 'orginv_nope');
  eq([early.status, early.body.errors[0].code], [404, 'resource_not_found'], 'an unknown invitation');
  const r = await acceptOrganizationInvitation(org, bob);
  eq(r.status, 200, `accept: ${show(r.body)}`);
  eq([r.body.role, r.body.public_user_data.user_id, r.body.public_metadata], ['org:member', user.id, { team: 'red' }], 'the membership');
  const members = await clerk.organizations.getOrganizationMembershipList({ organizationId: org, role: ['org:member'] });
  eq(members.data.map((m) => m.publicUserData.userId), [user.id], 'the member, through the SDK');
  const accepted = await clerk.users.getOrganizationInvitationList({ userId: user.id, status: 'accepted' });
  eq(accepted.data.map((i) => [i.id, i.status]), [[bob, 'accepted']], 'accepted');
  const again = await acceptOrganizationInvitation(org, bob);
  eq([again.status, again.body.errors[0].code], [400, 'organization_invitation_already_accepted'], 'accepting twice');
});

// <<< Invitations <<<

// ---- machines begin ----
// Machine authentication (issue 15): machines, M2M tokens (opaque and JWT, made with a machine's own
// secret key; the SDK calls /m2m_tokens without /v1) and API keys, through the SDK's APIs,
// authenticateRequest({ acceptsToken }) and its networkless verification of JWT M2M tokens.

const mchName = (n) => `js-${n}-${RUN}`;

function machineRequest(token, opts) {
  return clerk.authenticateRequest(bearer(token), { publishableKey: PUBLISHABLE_KEY, ...opts });
}

test('machines_create_get_list_update_and_scopes', async () => {
  const callee = await clerk.machines.create({ name: mchName('callee') });
  check(callee.id.startsWith('mch_') && callee.secretKey?.startsWith('ak_'), `machine ${show(callee)}`);
  const caller = await clerk.machines.create({ name: mchName('caller'), scopedMachines: [callee.id], defaultTokenTtl: 120 });
  eq(caller.scopedMachines.map((m) => m.id), [callee.id], 'scopedMachines');
  eq(caller.defaultTokenTtl, 120, 'defaultTokenTtl');
  const got = await clerk.machines.get(caller.id);
  eq([got.name, got.secretKey], [mchName('caller'), undefined], 'get');
  const list = await clerk.machines.list({ query: mchName('caller') });
  eq([list.data.map((m) => m.id), list.totalCount], [[caller.id], 1], 'list');
  const updated = await clerk.machines.update({ machineId: callee.id, name: mchName('callee2') });
  eq(updated.name, mchName('callee2'), 'update');
  const other = await clerk.machines.create({ name: mchName('other') });
  const scope = await clerk.machines.createScope(caller.id, other.id);
  eq([scope.fromMachineId, scope.toMachineId], [caller.id, other.id], 'createScope');
  const removed = await clerk.machines.deleteScope(caller.id, other.id);
  eq(removed.deleted, true, 'deleteScope');
  await clerk.machines.delete(other.id);
  await expectApiError(() => clerk.machines.get(other.id), 404, 'machine_not_found');
  S.mch = { callee: callee.id, caller: caller.id, calleeKey: callee.secretKey, callerKey: caller.secretKey };
});

test('machines_secret_key_and_rotation', async () => {
  const m = need('mch');
  eq((await clerk.machines.getSecretKey(m.caller)).secret, m.callerKey, 'getSecretKey');
  const rotated = await clerk.machines.rotateSecretKey({ machineId: m.caller, previousTokenTtl: 3600 });
  check(rotated.secret.startsWith('ak_') && rotated.secret !== m.callerKey, 'a new key');
  // The previous key keeps working for previousTokenTtl.
  const t = await clerk.m2m.createToken({ machineSecretKey: m.callerKey });
  check(t.token.startsWith('mt_'), 'the previous key still makes tokens');
  m.callerKey = rotated.secret;
});

test('m2m_opaque_token_is_made_without_v1_and_verified', async () => {
  const m = need('mch');
  const before = EXCHANGES.length;
  const t = await clerk.m2m.createToken({ machineSecretKey: m.callerKey, claims: { job: 'js' } });
  const x = EXCHANGES[before];
  eq([x.method, new URL(x.url).pathname, x.status], ['POST', '/m2m_tokens', 201], 'the SDK called /m2m_tokens');
  check(t.token.startsWith('mt_') && /^mt_[0-9a-f]{32}$/.test(t.id), `token ${show(t.id)}`);
  eq([t.subject, t.scopes, t.claims, t.revoked], [m.caller, [m.callee], { job: 'js' }, false], 'token');
  const v = await clerk.m2m.verify({ token: t.token, machineSecretKey: m.calleeKey });
  eq([v.id, v.subject], [t.id, m.caller], 'verify with the callee key');
  const list = await clerk.m2m.list({ subject: m.caller });
  check(list.data.some((x) => x.id === t.id), 'listed (the SDK reads m2m_tokens)');
  S.m2mOpaque = t;
});

test('authenticate_request_accepts_an_opaque_m2m_token', async () => {
  const m = need('mch');
  const t = need('m2mOpaque');
  const state = await machineRequest(t.token, { acceptsToken: 'm2m_token', secretKey: SECRET });
  eq([state.status, state.isAuthenticated], ['signed-in', true], `status (reason ${state.reason}: ${state.message})`);
  const auth = state.toAuth();
  eq([auth.tokenType, auth.machineId, auth.id], ['m2m_token', m.caller, t.id], 'auth');
});

test('m2m_revoked_token_is_refused', async () => {
  const t = need('m2mOpaque');
  const r = await clerk.m2m.revokeToken({ m2mTokenId: t.id, revocationReason: 'done' });
  eq([r.revoked, r.revocationReason], [true, 'done'], 'revoked');
  await expectApiError(() => clerk.m2m.verify({ token: t.token }), 404, 'resource_not_found');
  const state = await machineRequest(t.token, { acceptsToken: 'm2m_token', secretKey: SECRET });
  eq([state.status, state.isAuthenticated], ['signed-out', false], `status after revoke (reason ${state.reason})`);
});

test('m2m_jwt_token_verifies_networklessly_and_is_not_a_session_token', async () => {
  const m = need('mch');
  const t = await clerk.m2m.createToken({ machineSecretKey: m.callerKey, tokenFormat: 'jwt', claims: { tier: 'gold' } });
  const { header, payload } = decode(t.token);
  eq([header.cat, header.kid, header.alg], ['cl_B7d4PD333AAA', need('kid'), 'RS256'], 'header');
  eq([payload.sub, payload.jti], [m.caller, t.id], 'payload');
  const state = await machineRequest(t.token, { acceptsToken: 'm2m_token', jwtKey: need('pem') });
  eq([state.status, state.isAuthenticated], ['signed-in', true], `networkless (reason ${state.reason}: ${state.message})`);
  const auth = state.toAuth();
  eq([auth.tokenType, auth.machineId, auth.scopes, auth.claims?.tier], ['m2m_token', m.caller, [m.callee], 'gold'], 'auth');
  const viaSdk = await createClerkClient({ secretKey: SECRET, apiUrl: BASE, jwtKey: need('pem') }).m2m.verify({ token: t.token });
  eq([viaSdk.id, viaSdk.subject], [t.id, m.caller], 'm2m.verify (networkless for a JWT)');
  await expectVerifyError(() => verifyToken(t.token, { jwtKey: need('pem') }), 'token-invalid');
  const session = await machineRequest(t.token, { jwtKey: need('pem') });
  eq(session.isAuthenticated, false, 'not accepted as a session token');
});

test('api_keys_create_verify_authenticate_revoke_delete', async () => {
  const u1 = need('u1');
  const k = await clerk.apiKeys.create({ name: mchName('key'), subject: u1.id, scopes: ['read'], claims: { plan: 'pro' } });
  check(/^ak_[0-9a-f]{32}$/.test(k.id) && k.secret?.startsWith('ak_'), `key ${show(k.id)}`);
  eq([k.subject, k.scopes, k.claims, k.type], [u1.id, ['read'], { plan: 'pro' }, 'api_key'], 'key');
  eq((await clerk.apiKeys.get(k.id)).secret, undefined, 'get has no secret');
  const list = await clerk.apiKeys.list({ subject: u1.id });
  check(list.data.some((x) => x.id === k.id), 'listed');
  const upd = await clerk.apiKeys.update({ apiKeyId: k.id, scopes: ['read', 'write'] });
  eq(upd.scopes, ['read', 'write'], 'update');
  eq((await clerk.apiKeys.getSecret(k.id)).secret, k.secret, 'getSecret');
  eq((await clerk.apiKeys.verify(k.secret)).id, k.id, 'verify');
  const state = await machineRequest(k.secret, { acceptsToken: 'api_key', secretKey: SECRET });
  eq([state.status, state.toAuth().userId, state.toAuth().tokenType], ['signed-in', u1.id, 'api_key'], `authenticateRequest (reason ${state.reason})`);
  const r = await clerk.apiKeys.revoke({ apiKeyId: k.id, revocationReason: 'leaked' });
  eq([r.revoked, r.revocationReason], [true, 'leaked'], 'revoke');
  await expectApiError(() => clerk.apiKeys.verify(k.secret), 404, 'resource_not_found');
  const after = await machineRequest(k.secret, { acceptsToken: 'api_key', secretKey: SECRET });
  eq(after.isAuthenticated, false, 'a revoked key does not authenticate');
  eq((await clerk.apiKeys.delete(k.id)).deleted, true, 'delete');
});

// ---- machines end ----
// ---- webhooks begin ----
// Webhooks (Tessera extension /v1/tessera/webhooks; docs/webhooks.md). A receiver on 127.0.0.1 gets
// the deliveries of an endpoint created with fetch (the SDK has no call for this Tessera route);
// writes go through @clerk/backend; every delivery is verified with `verifyWebhook` from
// `@clerk/backend/webhooks` (given a Request) and with the `svix` package's `Webhook.verify`. A
// tampered body and an old timestamp fail both. The server runs with a compressed retry schedule and
// loopback allowed (compat/run.sh). The endpoint is deleted at the end, so later suites on the same
// database do not deliver to a receiver that is gone.

const http = await import('node:http');
const { verifyWebhook } = await import('@clerk/backend/webhooks');
const { Webhook: SvixWebhook } = await import('svix');

const WH = { deliveries: [], server: null, url: '', endpoint: null, written: [] };

async function webhooksCall(method, path, body) {
  const headers = { Authorization: `Bearer ${SECRET}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${BASE}/v1/tessera/webhooks${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

/** The deliveries whose data id is `id` (other suites' writes reach the endpoint too). */
function deliveriesOf(id) {
  return WH.deliveries.filter((d) => JSON.parse(d.body)?.data?.id === id);
}

/** Waits (up to 20 s) until `pred()` holds. */
async function waitFor(pred, what) {
  for (let i = 0; i < 200; i += 1) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; got ${WH.deliveries.length} deliveries`);
}

function asRequest(d, overrides = {}) {
  const headers = { ...d.headers, ...overrides.headers };
  return new Request(WH.url, { method: 'POST', headers, body: overrides.body ?? d.body });
}

test('webhooks_endpoint_is_created_with_a_whsec_secret_shown_once', async () => {
  WH.server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const pick = (n) => req.headers[n];
      WH.deliveries.push({ headers: { 'svix-id': pick('svix-id'), 'svix-timestamp': pick('svix-timestamp'), 'svix-signature': pick('svix-signature'), 'content-type': pick('content-type') }, body });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => WH.server.listen(0, '127.0.0.1', resolve));
  WH.url = `http://127.0.0.1:${WH.server.address().port}/clerk`;
  const r = await webhooksCall('POST', '/endpoints', { url: WH.url, description: `js ${RUN}` });
  eq(r.status, 200, `create endpoint: ${show(r.body)}`);
  check(/^whsec_[A-Za-z0-9+/]{32}$/.test(r.body.secret), `secret ${show(r.body.secret)}`);
  WH.endpoint = r.body;
  const got = await webhooksCall('GET', `/endpoints/${r.body.id}`);
  eq(got.status, 200, 'get endpoint');
  check(!('secret' in got.body), 'the secret is answered again');
});

test('webhooks_user_writes_through_the_sdk_are_delivered_and_verified_by_verifyWebhook', async () => {
  check(WH.endpoint, 'no endpoint');
  const u = await clerk.users.createUser({ emailAddress: [`webhooks.js.${RUN}@example.com`], firstName: 'Hook' });
  await clerk.users.updateUser(u.id, { lastName: 'Receiver' });
  await clerk.users.deleteUser(u.id);
  WH.written.push(['user.created', u.id], ['user.updated', u.id], ['user.deleted', u.id]);
  await waitFor(() => deliveriesOf(u.id).length >= 3, 'three user deliveries');
  const events = [];
  for (const d of deliveriesOf(u.id)) {
    eq(d.headers['content-type'], 'application/json', 'content-type');
    const evt = await verifyWebhook(asRequest(d), { signingSecret: WH.endpoint.secret });
    eq(evt.object, 'event', 'object');
    eq(evt.instance_id.startsWith('ins_'), true, 'instance_id');
    events.push([evt.type, evt.data.id]);
    if (evt.type === 'user.created') {
      eq(evt.data.first_name, 'Hook', 'data.first_name');
      eq(evt.data.email_addresses[0].email_address, `webhooks.js.${RUN}@example.com`, 'data.email_addresses');
    }
    if (evt.type === 'user.updated') eq(evt.data.last_name, 'Receiver', 'data.last_name');
    if (evt.type === 'user.deleted') eq(evt.data, { object: 'user', id: u.id, deleted: true }, 'deleted data');
  }
  // Attempts run concurrently, so arrival order is not write order (docs/webhooks.md); the events'
  // own timestamps are.
  eq([...events].sort(), [['user.created', u.id], ['user.deleted', u.id], ['user.updated', u.id]], 'one event per write');
  const at = Object.fromEntries(deliveriesOf(u.id).map((d) => [JSON.parse(d.body).type, JSON.parse(d.body).timestamp]));
  check(at['user.created'] <= at['user.updated'] && at['user.updated'] <= at['user.deleted'], `timestamps ${show(at)} out of write order`);
});

test('webhooks_organization_membership_and_session_writes_are_delivered', async () => {
  check(WH.endpoint, 'no endpoint');
  const u = await clerk.users.createUser({ emailAddress: [`webhooks.org.js.${RUN}@example.com`] });
  const owner = await clerk.users.createUser({ emailAddress: [`webhooks.owner.js.${RUN}@example.com`] });
  const org = await clerk.organizations.createOrganization({ name: `Hooks ${RUN}`, createdBy: owner.id });
  const m = await clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: u.id, role: 'org:member' });
  const s = await clerk.sessions.createSession({ userId: u.id });
  await clerk.sessions.revokeSession(s.id);
  WH.written.push(['organization.created', org.id], ['organizationMembership.created', m.id], ['session.created', s.id], ['session.revoked', s.id]);
  await waitFor(() => deliveriesOf(org.id).length >= 1 && deliveriesOf(m.id).length >= 1 && deliveriesOf(s.id).length >= 2, 'org, membership and session deliveries');
  const types = async (id) => (await Promise.all(deliveriesOf(id).map(async (d) => (await verifyWebhook(asRequest(d), { signingSecret: WH.endpoint.secret })).type))).sort();
  eq(await types(org.id), ['organization.created'], 'organization events');
  eq(await types(m.id), ['organizationMembership.created'], 'membership events');
  eq(await types(s.id), ['session.created', 'session.revoked'], 'session events');
  const md = JSON.parse(deliveriesOf(m.id)[0].body).data;
  eq([md.organization.id, md.public_user_data.user_id, md.role], [org.id, u.id, 'org:member'], 'membership data');
});

test('webhooks_every_delivery_verifies_with_the_svix_package', async () => {
  check(WH.deliveries.length >= 7, `only ${WH.deliveries.length} deliveries`);
  const wh = new SvixWebhook(WH.endpoint.secret);
  for (const d of WH.deliveries) {
    const payload = wh.verify(d.body, d.headers);
    eq(payload.type, JSON.parse(d.body).type, 'svix payload type');
    check(d.headers['svix-id'].startsWith('msg_'), `svix-id ${d.headers['svix-id']}`);
  }
  const ids = WH.deliveries.map((d) => d.headers['svix-id']);
  eq(new Set(ids).size, ids.length, 'one delivery per event (svix-id unique)');
});

test('webhooks_a_tampered_body_fails_both_verifiers', async () => {
  const d = WH.deliveries[0];
  check(d, 'no delivery');
  const body = d.body.replace('"object":"event"', '"object":"evenT"');
  check(body !== d.body, 'nothing tampered');
  let sdkFailed = false;
  try { await verifyWebhook(asRequest(d, { body }), { signingSecret: WH.endpoint.secret }); } catch { sdkFailed = true; }
  check(sdkFailed, 'verifyWebhook accepted a tampered body');
  let svixFailed = false;
  try { new SvixWebhook(WH.endpoint.secret).verify(body, d.headers); } catch { svixFailed = true; }
  check(svixFailed, 'svix accepted a tampered body');
});

test('webhooks_an_old_timestamp_fails_both_verifiers', async () => {
  const d = WH.deliveries[0];
  check(d, 'no delivery');
  // Re-signed correctly but 10 minutes old: both verifiers allow 5 minutes.
  const old = String(Math.floor(Date.now() / 1000) - 600);
  const key = Buffer.from(WH.endpoint.secret.slice('whsec_'.length), 'base64');
  const sig = 'v1,' + crypto.createHmac('sha256', key).update(`${d.headers['svix-id']}.${old}.${d.body}`).digest('base64');
  const headers = { ...d.headers, 'svix-timestamp': old, 'svix-signature': sig };
  let sdkFailed = false;
  try { await verifyWebhook(asRequest(d, { headers }), { signingSecret: WH.endpoint.secret }); } catch (e) { sdkFailed = /timestamp|old/i.test(describe(e)); }
  check(sdkFailed, 'verifyWebhook accepted an old timestamp (or failed for another reason)');
  let svixFailed = false;
  try { new SvixWebhook(WH.endpoint.secret).verify(d.body, headers); } catch (e) { svixFailed = /timestamp|old/i.test(describe(e)); }
  check(svixFailed, 'svix accepted an old timestamp (or failed for another reason)');
  // The same re-signing with the current time verifies: only the age was wrong.
  const now = String(Math.floor(Date.now() / 1000));
  const good = 'v1,' + crypto.createHmac('sha256', key).update(`${d.headers['svix-id']}.${now}.${d.body}`).digest('base64');
  new SvixWebhook(WH.endpoint.secret).verify(d.body, { ...d.headers, 'svix-timestamp': now, 'svix-signature': good });
});

test('webhooks_the_delivery_log_lists_each_written_event_as_delivered', async () => {
  check(WH.endpoint, 'no endpoint');
  const want = WH.written.length;
  let msgs = [];
  for (let i = 0; i < 100; i += 1) {
    const r = await webhooksCall('GET', `/messages?endpoint_id=${WH.endpoint.id}&status=delivered&limit=500`);
    eq(r.status, 200, 'list messages');
    msgs = r.body.data;
    const ids = new Set(msgs.map((m) => `${m.event_type} ${m.payload.data.id}`));
    if (WH.written.every(([t, id]) => ids.has(`${t} ${id}`))) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const ids = new Set(msgs.map((m) => `${m.event_type} ${m.payload.data.id}`));
  const missing = WH.written.filter(([t, id]) => !ids.has(`${t} ${id}`));
  eq(missing, [], `messages of the ${want} writes`);
  const one = msgs.find((m) => m.payload.data.id === WH.written[0][1]);
  const log = await webhooksCall('GET', `/messages/${one.id}/attempts`);
  eq([log.status, log.body.data[0].status, log.body.data[0].response_status_code], [200, 'succeeded', 204], 'attempt log');
});

test('webhooks_endpoint_is_deleted_and_the_receiver_stopped', async () => {
  check(WH.endpoint, 'no endpoint');
  const r = await webhooksCall('DELETE', `/endpoints/${WH.endpoint.id}`);
  eq([r.status, r.body.deleted], [200, true], 'delete endpoint');
  WH.server.closeAllConnections();
  await new Promise((resolve) => WH.server.close(resolve));
});
// ---- webhooks end ----
// ---- ops begin ----
// Instance key lifecycle over HTTP (/v1/tessera/keys; no SDK call exists, so raw fetch): a key rotated
// with activate_in_seconds 0 signs the next session token, and verifyToken accepts it through the
// JWKS without a restart (on an unknown kid it fetches the JWKS again). The new key is retired at the
// end, so the key that signed before signs again and stays first in the JWKS for later suites.
async function keysCall(method, path, body) {
  const headers = { Authorization: `Bearer ${SECRET}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${BASE}/v1/tessera/keys${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

test('ops_a_key_rotated_over_http_signs_at_once_and_verifyToken_accepts_it_through_the_jwks', async () => {
  const sid = need('sess');
  const before = await keysCall('GET', '');
  eq(before.status, 200, `list: ${show(before.body)}`);
  const signer = before.body.data.find((k) => k.signing);
  check(signer, `no signing key in ${show(before.body)}`);
  const rotated = await keysCall('POST', '/rotate', { activate_in_seconds: 0 });
  eq([rotated.status, rotated.body.object, rotated.body.status, rotated.body.alg], [200, 'instance_key', 'signing', 'RS256'], `rotate: ${show(rotated.body)}`);
  const jwt = (await clerk.sessions.getToken(sid)).jwt;
  eq(decode(jwt).header.kid, rotated.body.kid, 'the session token is signed by the new key');
  const payload = await verifyToken(jwt, { secretKey: SECRET, apiUrl: BASE });
  eq(payload.sid, sid, 'verifyToken payload sid');
  S.opsOldKid = signer.kid;
  S.opsNewKid = rotated.body.kid;
  S.opsNewJwt = jwt;
});

test('ops_a_retired_key_stops_signing_and_its_tokens_keep_verifying', async () => {
  const [oldKid, newKid, jwt] = need('opsOldKid', 'opsNewKid', 'opsNewJwt');
  const retired = await keysCall('POST', `/${newKid}/retire`);
  eq([retired.status, retired.body.status, retired.body.published], [200, 'retired', true], `retire: ${show(retired.body)}`);
  const again = await keysCall('POST', `/${newKid}/retire`);
  eq([again.status, again.body.errors[0].code], [400, 'signing_key_already_retired'], 'retiring twice');
  const next = (await clerk.sessions.getToken(need('sess'))).jwt;
  eq(decode(next).header.kid, oldKid, 'the previous key signs again');
  eq((await verifyToken(jwt, { secretKey: SECRET, apiUrl: BASE })).sid, need('sess'), 'a token of the retired key');
  eq((await verifyToken(next, { secretKey: SECRET, apiUrl: BASE })).sid, need('sess'), 'a token of the previous key');
  const jwks = await clerk.jwks.getJwks();
  eq(jwks.keys[0].kid, oldKid, 'the signing key is first in the JWKS');
});

// A template's custom key rotated over HTTP (/v1/tessera/jwt_templates/{id}/rotate_key, raw fetch): a
// token the replaced RS256 key signed before the rotation still passes verifyToken through the JWKS,
// as does the next token, signed by the generated key. The template is deleted at the end.
test('ops_a_template_key_rotated_over_http_keeps_tokens_of_the_old_key_verifying_through_the_jwks', async () => {
  const sid = need('sess');
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const name = `js-rotate-${RUN}`;
  const t = await clerk.jwtTemplates.create({ name, claims: { aud: 'rotated' }, customSigningKey: true, signingAlgorithm: 'RS256', signingKey: pem });
  const before = (await clerk.sessions.getToken(sid, name)).jwt;
  const r = await fetch(`${BASE}/v1/tessera/jwt_templates/${t.id}/rotate_key`, { method: 'POST', headers: { Authorization: `Bearer ${SECRET}` } });
  const k = await r.json();
  eq([r.status, k.object, k.signing_algorithm, k.previous_kid], [200, 'jwt_template_key', 'RS256', decode(before).header.kid], `rotate_key: ${show(k)}`);
  check(!('signing_key' in k) && typeof k.previous_unpublish_at === 'number', `answer ${show(k)}`);
  const after = (await clerk.sessions.getToken(sid, name)).jwt;
  eq(decode(after).header.kid, k.kid, 'the new key signs the next token');
  for (const [label, jwt] of [['old key', before], ['new key', after]]) {
    eq((await verifyToken(jwt, { secretKey: SECRET, apiUrl: BASE })).aud, 'rotated', `verifyToken, ${label}`);
  }
  await clerk.jwtTemplates.delete(t.id);
});
// ---- ops end ----

// --------------------------------------------------------------------------------------------------
// Transport, over everything recorded above (keep these last)

test('every_request_went_to_tessera', async () => {
  check(EXCHANGES.length > 0, 'nothing recorded');
  const bad = EXCHANGES.filter((x) => !x.url.startsWith(BASE + '/'));
  check(!bad.length, bad.slice(0, 5).map((x) => `${x.method} ${x.url}`).join('; '));
});

test('every_response_is_exactly_application_json', async () => {
  const bad = EXCHANGES.filter((x) => x.status !== 204 && x.contentType !== 'application/json');
  check(!bad.length, bad.slice(0, 5).map((x) => `${x.method} ${x.url} → ${x.status} ${show(x.contentType)}`).join('; '));
});

test('no_response_has_a_5xx_status', async () => {
  const bad = EXCHANGES.filter((x) => x.status >= 500);
  check(!bad.length, bad.slice(0, 5).map((x) => `${x.method} ${x.url} → ${x.status}`).join('; '));
});

// --------------------------------------------------------------------------------------------------

let passed = 0;
let failed = 0;
for (const { name, fn } of TESTS) {
  try {
    await fn();
    passed += 1;
    console.log(`PASS ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${describe(e).replace(/\s+/g, ' ').slice(0, 1500)}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
