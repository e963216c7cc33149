/**
 * What the document use cases (notice, receipt, flowchart) need, from one
 * request's context: the registry through the request's loaders, the
 * database, the seal and the calendar.
 */
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import { planForViewer } from '../usecases/personal-plan.ts';
import type { FlowchartDeps } from '../usecases/flowchart.ts';
import type { NoticeDeps } from '../usecases/notice.ts';
import type { ReceiptDeps, VerifyReceiptDeps } from '../usecases/receipt.ts';
import { isAdmin, type GatewayContext } from './context.ts';
import type { GatewayServices } from './services.ts';
import { personalPlanDeps } from './usecase-deps.ts';

async function mattersOf(ctx: GatewayContext, topic: Topic): Promise<Map<string, Matter>> {
  const found = await ctx.loaders.registry.matter.loadMany(topic.matters.map((m) => m.matterCode));
  const byCode = new Map<string, Matter>();
  for (const matter of found) {
    if (matter instanceof Error) throw matter;
    if (matter) byCode.set(matter.code, matter);
  }
  return byCode;
}

async function departmentNames(ctx: GatewayContext): Promise<Map<string, string>> {
  return new Map((await ctx.services.registry.departments()).map((d) => [d.code, d.name]));
}

export function noticeDeps(ctx: GatewayContext): NoticeDeps {
  return {
    topic: async (code) => {
      const topic = await ctx.loaders.registry.topic.load(code);
      return topic && (topic.status === 'PUBLISHED' || isAdmin(ctx.viewer)) ? topic : null;
    },
    matters: (topic) => mattersOf(ctx, topic),
    departmentNames: () => departmentNames(ctx),
    // The notice lists what the plan lists; for a signed-in applicant that includes the exemptions of their own records.
    plan: async (topic, matters, answers) => (await planForViewer(personalPlanDeps(ctx), ctx.viewer, { topic, matters, answers, form: null })).plan,
    defaultWindowAddress: ctx.services.config.defaultWindowAddress,
  };
}

export function receiptDeps(ctx: GatewayContext): ReceiptDeps {
  return {
    db: ctx.services.db,
    seal: ctx.services.seal,
    committedDaysOf: async (codes) => {
      const matters = await ctx.loaders.registry.matter.loadMany(codes);
      return new Map(matters.flatMap((m) => (m && !(m instanceof Error) ? [[m.code, m.committedDays] as const] : [])));
    },
    departmentNames: () => departmentNames(ctx),
    addWorkingDays: ctx.services.addWorkingDays,
    deferredMaterialDays: ctx.services.config.deferredMaterialDays,
  };
}

/** Anyone may verify: only the database and the seal's keys, no request loaders. */
export function verifyReceiptDeps(services: Pick<GatewayServices, 'db' | 'seal'>): VerifyReceiptDeps {
  return { db: services.db, seal: services.seal };
}

export function flowchartDeps(ctx: GatewayContext): FlowchartDeps {
  return { matters: (topic) => mattersOf(ctx, topic), departmentNames: () => departmentNames(ctx) };
}

/** An absolute URL when the gateway's public address is configured, otherwise the path. */
export function publicUrl(ctx: GatewayContext, path: string): string {
  return `${ctx.services.config.publicBaseUrl ?? ''}${path}`;
}
