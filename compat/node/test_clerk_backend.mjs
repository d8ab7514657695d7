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
  eq(inst.length, 1, 'RSA keys with an ins_ kid');
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
