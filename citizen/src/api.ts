/**
 * The gateway as the page sees it: the contract's operations sent to POST
 * /graphql by name (their text comes from the page's settings, copied from
 * the trusted-documents manifest), and files sent raw to POST /uploads.
 */
import type { CitizenConfig, OperationName, Problem } from './types.ts';

export type ApiErrorKind = 'unauthenticated' | 'forbidden' | 'input' | 'unavailable' | 'other';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: ApiErrorKind,
    readonly problems: readonly Problem[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}

interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; problems?: Problem[]; upstream?: string };
}

export interface Answer<T> {
  data: T;
  /** Errors on single fields of an answer that is there otherwise (an upstream that failed). */
  partialErrors: GraphQLError[];
}

const UPSTREAM = /^UPSTREAM_/;

function failure(status: number, errors: GraphQLError[], requestId: string | null): ApiError {
  const first = errors[0];
  const code = first?.extensions?.code;
  if (status === 401 || code === 'UNAUTHENTICATED') return new ApiError('登录已失效，请重新登录。', 'unauthenticated', [], requestId);
  if (code === 'FORBIDDEN') return new ApiError('当前账号无权办理此业务。', 'forbidden', [], requestId);
  if (code === 'BAD_USER_INPUT') {
    return new ApiError('填写的内容有误，请按提示修改。', 'input', errors.flatMap((e) => e.extensions?.problems ?? []), requestId);
  }
  if (code === 'RATE_LIMITED') return new ApiError('操作过于频繁，请稍后再试。', 'unavailable', [], requestId);
  if (code && UPSTREAM.test(code)) return new ApiError('相关业务系统暂时无法访问，请稍后再试。', 'unavailable', [], requestId);
  return new ApiError('服务暂时不可用，请稍后再试。', 'other', [], requestId);
}

export function createApi(config: CitizenConfig) {
  async function graphql<T>(operationName: OperationName, variables: Record<string, unknown>, token: string | null): Promise<Answer<T>> {
    let response: Response;
    try {
      response = await fetch(config.endpoint, {
        method: 'POST',
        credentials: 'omit',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ operationName, query: config.operations[operationName], variables }),
      });
    } catch {
      throw new ApiError('无法连接服务，请检查网络后重试。', 'unavailable');
    }
    const requestId = response.headers.get('x-request-id');
    let body: { data?: T | null; errors?: GraphQLError[] } = {};
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new ApiError(`服务返回了异常的应答（HTTP ${response.status}）。`, 'other', [], requestId);
    }
    const errors = body.errors ?? [];
    if (body.data === undefined || body.data === null || response.status === 401) throw failure(response.status, errors, requestId);
    // A field-level error the page cannot do without (not an upstream's, whose fields are only nulled) fails the step.
    const fatal = errors.find((e) => !UPSTREAM.test(e.extensions?.code ?? ''));
    if (fatal) throw failure(response.status, errors, requestId);
    return { data: body.data, partialErrors: errors };
  }

  /** Uploads one file's raw bytes; answers its fileRef. */
  async function upload(file: Blob, token: string): Promise<{ fileRef: string; size: number }> {
    let response: Response;
    try {
      response = await fetch(config.uploadPath, {
        method: 'POST',
        credentials: 'omit',
        headers: { authorization: `Bearer ${token}`, 'content-type': file.type || 'application/octet-stream' },
        body: file,
      });
    } catch {
      throw new ApiError('上传失败：无法连接服务。', 'unavailable');
    }
    const requestId = response.headers.get('x-request-id');
    if (response.status === 201) return (await response.json()) as { fileRef: string; size: number };
    if (response.status === 401) throw new ApiError('登录已失效，请重新登录。', 'unauthenticated', [], requestId);
    if (response.status === 413) throw new ApiError('文件过大，请压缩后再上传。', 'input', [], requestId);
    if (response.status === 415) throw new ApiError('仅支持 PDF、OFD、JPG、PNG 格式的文件。', 'input', [], requestId);
    throw new ApiError(`上传失败（HTTP ${response.status}），请稍后再试。`, 'other', [], requestId);
  }

  return { graphql, upload };
}

export type Api = ReturnType<typeof createApi>;
