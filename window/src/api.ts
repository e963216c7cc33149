/**
 * The gateway as the console sees it: the staff member's own token on every
 * request and, inside an assistance session, the X-Assistance-Session header,
 * so that the gateway acts for the citizen of that session and topic only.
 */
import type { Problem } from '../../citizen/src/types.ts';
import type { OperationName, WindowConfig } from './types.ts';

export type ApiErrorKind = 'unauthenticated' | 'session' | 'forbidden' | 'input' | 'unavailable' | 'other';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: ApiErrorKind,
    readonly problems: readonly Problem[] = [],
  ) {
    super(message);
  }
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string; reason?: string; problems?: Problem[] };
}

/** FORBIDDEN reasons of an assistance session, in words for the desk. */
const SESSION_REASONS: Record<string, string> = {
  ASSISTANCE_SESSION_ENDED: '本次帮办已结束，请重新开始帮办。',
  ASSISTANCE_SESSION_EXPIRED: '本次帮办已超时，请重新开始帮办。',
  ASSISTANCE_SESSION_UNKNOWN: '找不到本次帮办，请重新开始帮办。',
  ASSISTANCE_SESSION_NOT_YOURS: '这不是您开始的帮办，请重新开始帮办。',
};

const FORBIDDEN_REASONS: Record<string, string> = {
  ASSISTANCE_OUTSIDE_TOPIC: '本次帮办只限群众授权的主题。',
  ASSISTANCE_NOT_ALLOWED: '帮办时不能进行此项操作。',
};

function failure(status: number, errors: GraphQLError[]): ApiError {
  const first = errors[0];
  const code = first?.extensions?.code;
  const reason = first?.extensions?.reason ?? '';
  if (status === 401 || code === 'UNAUTHENTICATED') return new ApiError('登录已失效，请重新登录。', 'unauthenticated');
  if (SESSION_REASONS[reason]) return new ApiError(SESSION_REASONS[reason]!, 'session');
  if (code === 'FORBIDDEN' || status === 403) return new ApiError(FORBIDDEN_REASONS[reason] ?? '当前账号无权办理此业务（需要窗口人员令牌）。', 'forbidden');
  if (code === 'OPERATION_NOT_TRUSTED') return new ApiError('网关只受理前端契约中的操作（TRUSTED_DOCUMENTS=contract），帮办工作台不可用。', 'other');
  if (code === 'BAD_USER_INPUT') return new ApiError('填写的内容有误，请按提示修改。', 'input', errors.flatMap((e) => e.extensions?.problems ?? []));
  if (code === 'RATE_LIMITED') return new ApiError('授权码错误次数过多，请 10 分钟后再试。', 'unavailable');
  if (code?.startsWith('UPSTREAM_')) return new ApiError('相关业务系统暂时无法访问，请稍后再试。', 'unavailable');
  return new ApiError('服务暂时不可用，请稍后再试。', 'other');
}

export interface Credentials {
  token: string;
  /** The assistance session's id; none before one is started. */
  session?: string | null;
}

function headersOf({ token, session }: Credentials): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(session ? { 'x-assistance-session': session } : {}) };
}

export function createApi(config: WindowConfig) {
  async function graphql<T>(operationName: OperationName, variables: Record<string, unknown>, credentials: Credentials): Promise<T> {
    let response: Response;
    try {
      response = await fetch(config.endpoint, {
        method: 'POST',
        credentials: 'omit',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headersOf(credentials) },
        body: JSON.stringify({ operationName, query: config.operations[operationName], variables }),
      });
    } catch {
      throw new ApiError('无法连接服务，请检查网络后重试。', 'unavailable');
    }
    let body: { data?: T | null; errors?: GraphQLError[] } = {};
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new ApiError(`服务返回了异常的应答（HTTP ${response.status}）。`, 'other');
    }
    const errors = body.errors ?? [];
    if (!body.data || errors.length > 0) throw failure(response.status, errors);
    return body.data;
  }

  /** Uploads one scanned file's raw bytes for the citizen of the session; answers its fileRef. */
  async function upload(file: Blob, credentials: Credentials): Promise<string> {
    let response: Response;
    try {
      response = await fetch(config.uploadPath, {
        method: 'POST',
        credentials: 'omit',
        headers: { ...headersOf(credentials), 'content-type': file.type || 'application/octet-stream' },
        body: file,
      });
    } catch {
      throw new ApiError('上传失败：无法连接服务。', 'unavailable');
    }
    if (response.status === 201) return ((await response.json()) as { fileRef: string }).fileRef;
    if (response.status === 413) throw new ApiError('文件过大，请压缩后再上传。', 'input');
    if (response.status === 415) throw new ApiError('仅支持 PDF、OFD、JPG、PNG 格式的文件。', 'input');
    throw failure(response.status, []);
  }

  /** A PDF the gateway prints (the notice, the receipt), fetched with the session's headers, as a blob to open. */
  async function pdf(url: string, credentials: Credentials): Promise<Blob> {
    let response: Response;
    try {
      response = await fetch(url, { credentials: 'omit', headers: headersOf(credentials) });
    } catch {
      throw new ApiError('无法连接服务，请检查网络后重试。', 'unavailable');
    }
    if (!response.ok) throw failure(response.status, []);
    return response.blob();
  }

  return { graphql, upload, pdf };
}

export type Api = ReturnType<typeof createApi>;
