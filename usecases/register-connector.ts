/**
 * A department administrator connects its approval system: the input is
 * checked in one stage (its form, whether the matters are the department's,
 * and where the base URL leads), so every problem comes back in one
 * BAD_USER_INPUT; then the connector is stored and its health checked at once.
 *
 * @module
 */
import type { ConnectorDirectory } from '../connectors/approval/directory.ts';
import type { HealthMonitor } from '../connectors/approval/health.ts';
import { DestinationRefusedError, type EgressPolicy } from '../connectors/egress.ts';
import type { InputProblem } from '../lib/errors.ts';
import { ConnectorValidationError, validateRegistration, type ConnectorRecord } from '../store/connectors.ts';

/** GraphQL `RegisterConnectorInput`. */
export interface RegisterConnectorRequest {
  departmentCode: string;
  baseUrl: string;
  token: string;
  webhookSecret?: string | null;
  matterCodes: readonly string[];
  timeoutMs?: number | null;
}

export interface RegisterConnectorDeps {
  /** The registry's matters by code; null for a code the registry does not know. */
  matters: { loadMany(codes: readonly string[]): Promise<Array<{ department: string } | null | Error>> };
  /** Where a connector may connect. */
  destinations: Pick<EgressPolicy, 'admitUrl'>;
  connectors: Pick<ConnectorDirectory, 'register'>;
  health: Pick<HealthMonitor, 'checkNow'>;
}

/** Who registers: the caller's token `sub`. */
export interface RegisteringUser {
  subject: string;
}

/**
 * Registers (or replaces) a department's approval system and checks its health.
 * @throws ConnectorValidationError (BAD_USER_INPUT) listing every problem:
 *   those of the input's form (store/connectors.ts), NOT_A_MATTER_OF_DEPARTMENT
 *   for each matter of another department or unknown to the registry, and for
 *   `baseUrl` the refusals of the egress policy (HOST_NOT_ALLOWED,
 *   ADDRESS_NOT_ALLOWED, RESERVED_DESTINATION, HOST_NOT_RESOLVED). Nothing is
 *   stored, and nothing is connected to, when it throws.
 */
export async function registerConnector(
  deps: RegisterConnectorDeps,
  user: RegisteringUser,
  request: RegisterConnectorRequest,
): Promise<ConnectorRecord> {
  const input = {
    departmentCode: request.departmentCode,
    baseUrl: request.baseUrl,
    token: request.token,
    webhookSecret: request.webhookSecret ?? null,
    matterCodes: request.matterCodes,
    timeoutMs: request.timeoutMs ?? null,
    createdBy: user.subject,
  };
  const checked = validateRegistration(input);
  const valid = checked.ok ? checked.value : checked.valid;
  const [matterProblems, destinationProblems] = await Promise.all([
    mattersOfDepartment(deps, valid.departmentCode, valid.matterCodes ?? []),
    destination(deps, valid.baseUrl, request.baseUrl),
  ]);
  const problems = [...(checked.ok ? [] : checked.problems), ...matterProblems, ...destinationProblems];
  if (problems.length > 0) throw new ConnectorValidationError(problems);

  const { connector } = await deps.connectors.register(input);
  await deps.health.checkNow(connector.id);
  return connector;
}

async function mattersOfDepartment(
  deps: RegisterConnectorDeps,
  departmentCode: string | undefined,
  codes: readonly string[],
): Promise<InputProblem[]> {
  if (codes.length === 0) return [];
  if (departmentCode === undefined) {
    return [{ field: 'matterCodes', code: 'NOT_CHECKED', message: 'Whether the matters are the department\'s was not checked: the department code is invalid' }];
  }
  const matters = await deps.matters.loadMany(codes);
  return codes.flatMap((code, i) => {
    const matter = matters[i];
    if (matter instanceof Error) throw matter;
    if (matter && matter.department === departmentCode) return [];
    return [{ field: 'matterCodes', code: 'NOT_A_MATTER_OF_DEPARTMENT', message: `${code} is not a matter of ${departmentCode} in the registry` }];
  });
}

async function destination(deps: RegisterConnectorDeps, baseUrl: string | undefined, given: unknown): Promise<InputProblem[]> {
  if (baseUrl === undefined) {
    const blank = typeof given !== 'string' || given.trim() === '';
    return blank ? [] : [{ field: 'baseUrl', code: 'NOT_CHECKED', message: 'Where the base URL leads was not checked: it is not a usable URL yet' }];
  }
  try {
    await deps.destinations.admitUrl(baseUrl);
    return [];
  } catch (error) {
    if (!(error instanceof DestinationRefusedError)) throw error;
    return [{ field: 'baseUrl', code: error.reason, message: `The base URL may not be used: ${error.message}` }];
  }
}
