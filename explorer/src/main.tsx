/**
 * 一件事集成服务网关 · GraphQL 调试台: GraphiQL with the contract's
 * operations as examples and a field for the bearer token.
 *
 * The token is kept in sessionStorage only (gone when the tab is closed) and
 * sent as `Authorization` with every request; the examples and the endpoint
 * come from the page's `explorer-config` element (explorer/page.ts).
 */
import 'graphiql/style.css';
import './style.css';
import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';

interface ExplorerExample {
  name: string;
  group: string;
  query: string;
  variables: string;
}

interface ExplorerConfig {
  endpoint: string;
  examples: ExplorerExample[];
  /** Names of the examples open as tabs at first. */
  defaultTabs: string[];
}

type Fetcher = GraphiQLProps['fetcher'];
type FetcherParams = Parameters<Fetcher>[0];

const config = JSON.parse(document.getElementById('explorer-config')!.textContent ?? '{}') as ExplorerConfig;
const TOKEN_KEY = 'one-thing-gateway.explorer.token';
const stored = (): string => {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
};
const groups = [...new Set(config.examples.map((e) => e.group))];
const byName = new Map(config.examples.map((e) => [e.name, e]));

/** GraphiQL updates the operation name a moment after the editor changed: a name the document lacks is corrected here. */
function withKnownOperationName(params: FetcherParams): FetcherParams {
  try {
    const operations = parse(params.query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const names = operations.map((o) => (o.name ? o.name.value : null));
    if (params.operationName && !names.includes(params.operationName)) {
      return { ...params, operationName: operations.length === 1 && names[0] ? names[0] : undefined };
    }
  } catch {
    // Not a document GraphQL can parse: sent as it is, the gateway says what is wrong.
  }
  return params;
}

const defaultTabs = config.defaultTabs
  .map((name) => byName.get(name))
  .filter((e): e is ExplorerExample => e !== undefined)
  .map((e) => ({ query: e.query, variables: e.variables }));

function Explorer() {
  const [token, setToken] = useState(stored);
  const [shown, setShown] = useState(false);
  const [example, setExample] = useState<{ query: string; variables: string } | undefined>(undefined);
  const tokenRef = useRef(token);
  useEffect(() => {
    tokenRef.current = token;
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Storage refused (private mode): the token still works for this page.
    }
  }, [token]);
  const fetcher = useCallback<Fetcher>(async (params, options) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...options?.headers,
    };
    const bearer = tokenRef.current.trim().replace(/^Bearer\s+/i, '');
    if (bearer) headers.authorization = 'Bearer ' + bearer;
    const response = await fetch(config.endpoint, { method: 'POST', headers, body: JSON.stringify(withKnownOperationName(params)), credentials: 'omit' });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: 'HTTP ' + response.status + ': ' + text.slice(0, 500) }] };
    }
  }, []);
  const choose = (event: ChangeEvent<HTMLSelectElement>) => {
    const chosen = byName.get(event.target.value);
    event.target.value = '';
    if (chosen) setExample({ query: chosen.query, variables: chosen.variables });
  };
  return (
    <div className="ot-explorer">
      <header className="ot-bar">
        <span className="ot-title">一件事集成服务网关 · GraphQL 调试台</span>
        <label className="ot-field">
          <span>契约示例</span>
          <select aria-label="契约示例" defaultValue="" onChange={choose} data-testid="examples">
            <option value="" disabled>
              选择一个前端契约操作…
            </option>
            {groups.map((group) => (
              <optgroup key={group} label={group}>
                {config.examples
                  .filter((e) => e.group === group)
                  .map((e) => (
                    <option key={e.name} value={e.name}>
                      {e.name}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label className="ot-field ot-token">
          <span>Bearer 令牌</span>
          <input
            aria-label="Bearer 令牌"
            data-testid="token"
            type={shown ? 'text' : 'password'}
            autoComplete="off"
            spellCheck={false}
            placeholder="粘贴令牌，以 Authorization 头随每个请求发送（仅保存在本标签页）"
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
          <button type="button" onClick={() => setShown(!shown)}>
            {shown ? '隐藏' : '显示'}
          </button>
          <button type="button" onClick={() => setToken('')}>
            清除
          </button>
        </label>
      </header>
      <main className="ot-ide">
        <GraphiQL
          fetcher={fetcher}
          defaultTabs={defaultTabs}
          query={example?.query}
          variables={example?.variables}
          defaultEditorToolsVisibility="variables"
        />
      </main>
    </div>
  );
}

createRoot(document.getElementById('explorer-root')!).render(<Explorer />);
