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
const USAGE = `usage: npm run token -- --sub <id> --role <${ROLES.join('|')}> [--name <name>] [--dept <code>] [--expires 12h]

Mints a bearer token signed with JWT_SECRET, or with the sandbox's secret under DATA_DIR (default ./data)
when JWT_SECRET is not set; JWT_ISSUER and JWT_AUDIENCE are added when set.
  --sub      the subject: a citizen's ID number, an enterprise's credit code or a staff id (required)
  --role     APPLICANT (default), DEPARTMENT_STAFF, EVALUATOR or ADMIN
  --name     the name shown in the gateway (default empty)
  --dept     the department code, required for DEPARTMENT_STAFF
  --expires  lifetime, e.g. 30m, 12h (default), 7d
  --help     this text`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
};

const options = {
  sub: { type: 'string' },
  role: { type: 'string', default: 'APPLICANT' },
  name: { type: 'string', default: '' },
  dept: { type: 'string' },
  expires: { type: 'string', default: '12h' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
let parsed: ReturnType<typeof parseArgs<{ options: typeof options }>>;
try {
  parsed = parseArgs({ options });
} catch (error) {
  // An unknown option or a missing value: say which, with the usage, not a stack trace.
  parsed = fail((error as Error).message);
}
const { values } = parsed;

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
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
