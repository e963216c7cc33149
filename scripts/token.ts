/**
 * `npm run token -- --sub <id> --role <ROLE> [--name <name>] [--dept <code>] [--expires 12h]`
 * mints a bearer token signed with JWT_SECRET, or with the sandbox's secret
 * (kept under DATA_DIR) when JWT_SECRET is not set.
 */
import { parseArgs } from 'node:util';
import { sandboxJwtSecret } from '../server/bootstrap.ts';
import type { Role } from '../server/context.ts';
import { mintToken } from '../server/identity.ts';

const ROLES = ['APPLICANT', 'DEPARTMENT_STAFF', 'EVALUATOR', 'ADMIN'];

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    role: { type: 'string', default: 'APPLICANT' },
    name: { type: 'string', default: '' },
    dept: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

const fail = (message: string) => {
  process.stderr.write(`${message}\nusage: npm run token -- --sub <id> --role <${ROLES.join('|')}> [--name <name>] [--dept <code>] [--expires 12h]\n`);
  process.exit(2);
};

if (!values.sub) fail('--sub is required');
if (!ROLES.includes(values.role!)) fail(`--role must be one of ${ROLES.join(', ')}`);
if (values.role === 'DEPARTMENT_STAFF' && !values.dept) fail('--dept is required for DEPARTMENT_STAFF');

const secret = process.env.JWT_SECRET ?? sandboxJwtSecret(process.env.DATA_DIR ?? './data');
const token = await mintToken(
  secret,
  { sub: values.sub!, name: values.name!, role: values.role as Role, ...(values.dept ? { dept: values.dept } : {}) },
  {
    expiresIn: values.expires!,
    ...(process.env.JWT_ISSUER ? { issuer: process.env.JWT_ISSUER } : {}),
    ...(process.env.JWT_AUDIENCE ? { audience: process.env.JWT_AUDIENCE } : {}),
  },
);
process.stdout.write(`${token}\n`);
