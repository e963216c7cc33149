/** The front-end operations exactly as the contract writes them (../shared/contract/operations). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';

const operationsDir = fileURLToPath(new URL('../../../shared/contract/operations/', import.meta.url));

let byName: Map<string, string> | undefined;

/** The text of one contract operation, by its name (e.g. `SituationPlan`). */
export function contractOperation(name: string): string {
  byName ??= new Map(
    readdirSync(operationsDir)
      .filter((file) => file.endsWith('.graphql'))
      .flatMap((file) => parse(readFileSync(join(operationsDir, file), 'utf8')).definitions)
      .filter((def): def is OperationDefinitionNode => def.kind === Kind.OPERATION_DEFINITION && !!def.name)
      .map((def) => [def.name!.value, print(def)]),
  );
  const text = byName.get(name);
  if (!text) throw new Error(`no contract operation named ${name}`);
  return text;
}
