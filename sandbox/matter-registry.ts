/**
 * Simulator of the provincial matter registry (省事项系统), plus the small
 * web portal that its guide and online-service URLs point at.
 *
 * Data files write portal URLs as host-less paths (`/portal/...`) because the
 * registry's address is only known once it listens; answers rewrite them to
 * absolute URLs on the registry's own host.
 */
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import { HttpError, NO_REPLY, errorReply, healthRoute, htmlReply, jsonReply, type Route } from './http.ts';
import type { SandboxData } from './load-data.ts';

/** The most matter codes one batch read may ask for. */
const MAX_MATTER_CODES = 50;

const PORTAL_PREFIX = '/portal/';
/** Portal pages under this prefix accept the connection and never answer (an unreachable online service). */
const UNREACHABLE_PREFIX = '/portal/unreachable/';

export function matterRegistryRoutes(data: SandboxData): Route[] {
  const topicsByCode = new Map(data.topics.map((topic) => [topic.code, topic]));
  const mattersByCode = new Map(data.matters.map((matter) => [matter.code, matter]));
  const portalPages = portalPagesOf(data.topics, data.matters);

  return [
    healthRoute,
    {
      method: 'GET',
      path: '/api/v1/departments',
      handle: () => jsonReply(200, { items: data.departments }),
    },
    {
      method: 'GET',
      path: '/api/v1/certificate-types',
      handle: () => jsonReply(200, { items: data.certificateTypes }),
    },
    {
      method: 'GET',
      path: '/api/v1/topics',
      handle: ({ query }) => {
        const region = query.get('region');
        const items = data.topics
          .filter((topic) => region === null || topic.region === region)
          .map(({ code, name, region, leadDepartment, status, updatedAt }) => ({
            code,
            name,
            region,
            leadDepartment,
            status,
            updatedAt,
          }));
        return jsonReply(200, { items });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/topics/:code',
      handle: ({ params, baseUrl }) => {
        const topic = topicsByCode.get(params.code ?? '');
        if (!topic) throw new HttpError(404, 'TOPIC_NOT_FOUND', `No topic with code ${params.code}`);
        return jsonReply(200, withAbsolutePortalUrls(topic, ['guideUrl', 'onlineUrl'], baseUrl));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/matters',
      handle: ({ query, baseUrl }) => {
        const codes = (query.get('codes') ?? '')
          .split(',')
          .map((code) => code.trim())
          .filter((code) => code !== '');
        if (codes.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'The codes parameter needs at least one matter code');
        if (codes.length > MAX_MATTER_CODES) {
          throw new HttpError(400, 'BAD_REQUEST', `At most ${MAX_MATTER_CODES} matter codes per call, got ${codes.length}`);
        }
        const items = [...new Set(codes)].flatMap((code) => {
          const matter = mattersByCode.get(code);
          return matter ? [withAbsolutePortalUrls(matter, ['onlineUrl'], baseUrl)] : [];
        });
        return jsonReply(200, { items });
      },
    },
    {
      method: 'GET',
      path: '/portal/*',
      handle: ({ params }) => {
        const path = PORTAL_PREFIX + (params.rest ?? '');
        if (path.startsWith(UNREACHABLE_PREFIX)) return NO_REPLY;
        const title = portalPages.get(path);
        if (title === undefined) return errorReply(404, 'NOT_FOUND', `No portal page ${path}`);
        return htmlReply(200, portalPage(title));
      },
    },
  ];
}

/** Portal path → page title, for every `/portal/` URL the topics and matters declare. */
function portalPagesOf(topics: readonly Topic[], matters: readonly Matter[]): Map<string, string> {
  const pages = new Map<string, string>();
  const add = (url: string | null | undefined, title: string) => {
    // Decoded, like the router's path parameters, so non-ASCII paths match.
    if (url?.startsWith(PORTAL_PREFIX)) pages.set(decodeURIComponent(new URL(url, 'http://portal.invalid').pathname), title);
  };
  for (const topic of topics) {
    add(topic.guideUrl, `${topic.name}办事指南`);
    add(topic.onlineUrl, `${topic.name}网上办理`);
  }
  for (const matter of matters) add(matter.onlineUrl, `${matter.name}网上办理`);
  return pages;
}

function withAbsolutePortalUrls<T extends object, K extends keyof T & string>(record: T, keys: readonly K[], baseUrl: string): T {
  const copy = { ...record };
  for (const key of keys) {
    const value = copy[key];
    if (typeof value === 'string' && value.startsWith(PORTAL_PREFIX)) copy[key] = `${baseUrl}${value}` as T[K];
  }
  return copy;
}

function portalPage(title: string): string {
  const escaped = title.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>${escaped}</title></head>
<body><h1>${escaped}</h1><p>广东政务服务网（沙箱）</p></body>
</html>
`;
}
