import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { resolverMaps } from '../resolvers/index.ts';
import { withFieldRules } from './authorization.ts';

const schemaDir = fileURLToPath(new URL('../schema/', import.meta.url));

/** The SDL of every `.graphql` file under schema/, in a stable order. */
export function loadTypeDefs(): string[] {
  return readdirSync(schemaDir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(schemaDir, file), 'utf8'));
}

/** The executable schema: the SDL, every resolver map, and the field rules of server/authorization.ts. */
export function buildSchema(): GraphQLSchema {
  return withFieldRules(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolverMaps() }));
}
